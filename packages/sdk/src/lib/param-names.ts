/**
 * Parameter names of a function, read from its source, for introspection.
 * Destructured parameters become `argN`; rest parameters keep their `...`.
 */
export function paramNames(fn: (...args: never[]) => unknown): string[] {
  const src = Function.prototype.toString
    .call(fn)
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
  const list = paramList(src);
  if (list.trim() === '') return [];
  return splitTopLevel(list).map((raw, i) => {
    const p = raw
      .trim()
      .replace(/\s*=[\s\S]*$/, '')
      .replace(/:\s*[\s\S]*$/, '');
    if (p.startsWith('...'))
      return '...' + (/^\.\.\.([A-Za-z_$][\w$]*)$/.exec(p)?.[1] ?? `arg${i}`);
    return /^[A-Za-z_$][\w$]*$/.test(p) ? p : `arg${i}`;
  });
}

function paramList(src: string): string {
  const arrow = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (arrow) return arrow[1] ?? '';
  const open = src.indexOf('(');
  if (open < 0) return '';
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return src.slice(open + 1, i);
    }
  }
  return '';
}

function splitTopLevel(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(list.slice(start, i));
      start = i + 1;
    }
  }
  const last = list.slice(start);
  if (last.trim() !== '') out.push(last);
  return out;
}
