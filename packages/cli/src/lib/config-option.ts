import { resolve } from 'node:path';
import { CONFIG_FILE_NAME } from '@tessera/protocol';
import { displayPath } from './format';

/** The config file a command works on: the given path or ./tessera.config.json, resolved and as shown to the user. */
export function configFileOf(
  given: string | undefined,
  cwd: string,
): { file: string; shown: string } {
  const file = resolve(cwd, given ?? CONFIG_FILE_NAME);
  const shown = displayPath(file, cwd);
  return { file, shown: shown.startsWith('/') || shown.startsWith('.') ? shown : `./${shown}` };
}
