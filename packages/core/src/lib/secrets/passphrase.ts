import { stat, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { TesseraError } from '@tessera/protocol';

/** The environment variable holding a passphrase (read once, then removed from the process). */
export const PASSPHRASE_ENV = 'TESSERA_PASSPHRASE';
/** The environment variable naming a file (0600) that holds the passphrase. */
export const PASSPHRASE_FILE_ENV = 'TESSERA_PASSPHRASE_FILE';

export interface PassphraseOptions {
  /** A file holding the passphrase (`--passphrase-file`); first choice when given. */
  file?: string;
  /** Where to look for the variables; default `process.env` (the variable is deleted from it once read). */
  env?: NodeJS.ProcessEnv;
  /** Ask on the terminal when nothing else gives one and stdin is a TTY; default true. */
  prompt?: boolean;
  /** What the passphrase opens, for the prompt and errors (e.g. "the core's key file"). */
  what: string;
}

/**
 * The passphrase that seals secrets at rest, from (in this order) a key
 * file given explicitly, `TESSERA_PASSPHRASE_FILE`, `TESSERA_PASSPHRASE`, or
 * a prompt on the terminal. Never from argv. `FAILED_PRECONDITION` saying how
 * to give one when none is found; the passphrase itself is never in an error.
 */
export async function resolvePassphrase(o: PassphraseOptions): Promise<string> {
  const env = o.env ?? process.env;
  const file = o.file ?? env[PASSPHRASE_FILE_ENV];
  if (file) return readPassphraseFile(file);
  const fromEnv = env[PASSPHRASE_ENV];
  if (fromEnv) {
    // Code loaded later in this process (a remote host's module) must not find it.
    delete env[PASSPHRASE_ENV];
    return fromEnv;
  }
  if (o.prompt !== false && process.stdin.isTTY && process.stderr.isTTY)
    return promptPassphrase(`passphrase for ${o.what}: `);
  throw TesseraError.failedPrecondition(
    `${o.what} is encrypted at rest and needs a passphrase: set ${PASSPHRASE_FILE_ENV} to a file (mode 0600) holding it, ` +
      `or ${PASSPHRASE_ENV}, or run on a terminal to be asked`,
  );
}

async function readPassphraseFile(file: string): Promise<string> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch {
    throw TesseraError.notFound(`passphrase file ${file} does not exist`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0)
    throw TesseraError.permissionDenied(
      `passphrase file ${file} is open to other users (mode ${(mode & 0o777).toString(8)}): chmod 600 ${file}`,
    );
  const text = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  if (text.length === 0) throw TesseraError.invalidArgument(`passphrase file ${file} is empty`);
  return text;
}

/** Ask on the terminal without echoing what is typed. */
function promptPassphrase(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}
