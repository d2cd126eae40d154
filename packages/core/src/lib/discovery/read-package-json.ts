import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '@tessera/protocol';

/** Parse `<dir>/package.json`; `INVALID_ARGUMENT` when it is not JSON, `NOT_FOUND` when missing. */
export async function readPackageJson(dir: string, spec: string): Promise<unknown> {
  const file = join(dir, 'package.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw TesseraError.notFound(`cannot read ${file} (module package '${spec}')`, {
      package: spec,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw TesseraError.invalidArgument(`${file} is not valid JSON: ${(err as Error).message}`, {
      package: spec,
    });
  }
}
