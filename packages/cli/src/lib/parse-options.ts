import { parseArgs } from 'node:util';
import { UsageError } from './usage-error';

type StringOptions<K extends string> = Record<K, { type: 'string' }>;

/** Parse `--name value` options strictly; unknown options or positionals are usage errors. */
export function parseOptions<K extends string>(
  args: string[],
  names: readonly K[],
): Partial<Record<K, string>> {
  const options = Object.fromEntries(names.map((n) => [n, { type: 'string' }])) as StringOptions<K>;
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return values as Partial<Record<K, string>>;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
