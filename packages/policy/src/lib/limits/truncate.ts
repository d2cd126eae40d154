/** Longest reason a decision carries (to the caller's error message and the audit log). */
export const MAX_REASON_CHARS = 1024;

/** `text` cut to `max` characters, saying how many were cut. */
export function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (+${text.length - max} chars)`;
}

/**
 * At most `max` entries of `list`, each cut to `maxLength`, and one last
 * entry `... (+K more)` when there were more. Touches only the entries it
 * keeps, so the work is bounded whatever the list's length; entries that
 * are not strings show as `<not a string>`.
 */
export function summarizeList(list: readonly unknown[], max: number, maxLength: number): string[] {
  const shown = list
    .slice(0, max)
    .map((x) => (typeof x === 'string' ? truncateText(x, maxLength) : '<not a string>'));
  return list.length > max ? [...shown, `... (+${list.length - max} more)`] : shown;
}

/** A list for a message: `a, b, c, ... (+K more)`, bounded like {@link summarizeList}. */
export function describeList(list: readonly unknown[], max = 8, maxLength = 64): string {
  return summarizeList(list, max, maxLength).join(', ');
}
