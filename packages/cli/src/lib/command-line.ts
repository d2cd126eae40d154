import { parseArgs } from 'node:util';
import { UsageError } from './usage-error';

/** What a command accepts: named string options, boolean flags and a range of positionals. */
export interface CommandLineSpec<S extends string, B extends string> {
  strings?: readonly S[];
  booleans?: readonly B[];
  /** Names of the positionals, for messages; `min` of them are required. */
  positionals?: { names: readonly string[]; min: number };
}

export interface CommandLine<S extends string, B extends string> {
  strings: Partial<Record<S, string>>;
  flags: Record<B, boolean>;
  positionals: string[];
}

/**
 * Parse a command's arguments strictly: unknown options, missing values and
 * too many or too few positionals are {@link UsageError}s (exit 2).
 */
export function parseCommandLine<S extends string = never, B extends string = never>(
  args: string[],
  spec: CommandLineSpec<S, B>,
): CommandLine<S, B> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of spec.strings ?? []) options[name] = { type: 'string' };
  for (const name of spec.booleans ?? []) options[name] = { type: 'boolean' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const names = spec.positionals?.names ?? [];
  const min = spec.positionals?.min ?? 0;
  const { positionals } = parsed;
  if (positionals.length < min)
    throw new UsageError(`missing <${names[positionals.length] ?? 'argument'}>`);
  if (positionals.length > names.length)
    throw new UsageError(`unexpected argument '${positionals[names.length]}'`);
  const strings: Partial<Record<S, string>> = {};
  const flags = {} as Record<B, boolean>;
  for (const name of spec.strings ?? []) {
    const v = parsed.values[name];
    if (typeof v === 'string') strings[name] = v;
  }
  for (const name of spec.booleans ?? []) flags[name] = parsed.values[name] === true;
  return { strings, flags, positionals };
}
