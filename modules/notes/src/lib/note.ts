import { TesseraError } from '@tessera/protocol';

/** One note as stored and returned. */
export interface Note {
  id: string;
  title: string;
  body: string;
  /** ISO-8601 creation time. */
  createdAt: string;
}

export const MAX_TITLE_LENGTH = 200;
export const MAX_BODY_LENGTH = 10_000;
/** Prefix of the storage keys that hold notes. */
export const NOTE_KEY_PREFIX = 'note:';

export function noteKey(id: string): string {
  return NOTE_KEY_PREFIX + id;
}

function text(value: unknown, what: string, min: number, max: number): string {
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw TesseraError.invalidArgument(`${what} must be a string of ${min}-${max} characters`, {
      argument: what,
    });
  }
  return value;
}

export function checkTitle(value: unknown): string {
  return text(value, 'title', 1, MAX_TITLE_LENGTH);
}

export function checkBody(value: unknown): string {
  return text(value, 'body', 0, MAX_BODY_LENGTH);
}

/** Note ids are UUIDs; anything else cannot name a note (and never reaches storage). */
export function checkId(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)
  ) {
    throw TesseraError.invalidArgument('id must be a note id (a UUID)', { argument: 'id' });
  }
  return value;
}
