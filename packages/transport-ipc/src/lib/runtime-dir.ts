import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, TesseraError } from '@tessera/protocol';

/**
 * The private directory fresh sockets go in: `runtimeDir` when given, else
 * `$XDG_RUNTIME_DIR/tessera-<uid>`, else `<tmpdir>/tessera-<uid>`.
 */
export function defaultRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 'user';
  const base = env['XDG_RUNTIME_DIR'] || tmpdir();
  return join(base, `tessera-${uid}`);
}

/**
 * Create `dir` with mode 0700 if it is missing, then prove it is ours: a real
 * directory (not a symlink), owned by this uid, mode exactly 0700. A
 * directory someone else prepared (another owner, a looser mode) is refused,
 * never "fixed", so a squatter cannot steer our sockets.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new TesseraError(
      ErrorCode.FAILED_PRECONDITION,
      `cannot create ipc runtime dir ${dir}: ${errorCode(err)}`,
    );
  }
  // mkdir honours the umask; a directory we just made is set to 0700 exactly.
  if (created !== undefined) await chmod(dir, 0o700);
  const st = await lstat(dir);
  const uid = process.getuid?.();
  const mode = st.mode & 0o777;
  if (
    !st.isDirectory() ||
    st.isSymbolicLink() ||
    (uid !== undefined && st.uid !== uid) ||
    mode !== 0o700
  ) {
    throw new TesseraError(
      ErrorCode.FAILED_PRECONDITION,
      `ipc runtime dir ${dir} is not private: need a directory owned by uid ${uid} with mode 0700, ` +
        `found ${st.isDirectory() ? 'a directory' : 'a non-directory'} owned by uid ${st.uid} with mode 0${mode.toString(8)}`,
      { field: 'transport.options.runtimeDir' },
    );
  }
}

/** A socket path nobody has used: `<dir>/<pid>-<random>.sock` (a pipe name on Windows). */
export function freshSocketPath(dir: string): string {
  const name = `${process.pid}-${randomBytes(6).toString('hex')}`;
  if (process.platform === 'win32') return `\\\\.\\pipe\\tessera-${name}`;
  return join(dir, `${name}.sock`);
}

export function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (err instanceof Error ? err.message : String(err));
}
