import { TesseraError } from '@tessera/protocol';

/** Scheme of every address of the `ipc` kind. */
export const IPC_SCHEME = 'ipc://';

/** Linux allows 108 bytes in `sun_path` including the NUL; macOS 104. */
const MAX_UNIX_PATH_BYTES = process.platform === 'darwin' ? 103 : 107;

const WINDOWS_PIPE = /^\\\\[.?]\\pipe\\[^\\]/i;

/**
 * Turn `ipc:///abs/path.sock` (or `ipc://\\.\pipe\name` on Windows) into the
 * path node:net listens on. Relative paths are refused: they would depend on
 * the working directory of whoever connects.
 */
export function ipcPathOf(address: string, platform: NodeJS.Platform = process.platform): string {
  if (!address.startsWith(IPC_SCHEME)) {
    throw TesseraError.invalidArgument(
      `ipc address must start with ${IPC_SCHEME}, got ${JSON.stringify(address)}`,
    );
  }
  const path = address.slice(IPC_SCHEME.length);
  if (platform === 'win32') {
    if (!WINDOWS_PIPE.test(path)) {
      throw TesseraError.invalidArgument(
        `ipc address on Windows must name a pipe (ipc://\\\\.\\pipe\\name), got ${JSON.stringify(address)}`,
      );
    }
    return path;
  }
  if (!path.startsWith('/')) {
    throw TesseraError.invalidArgument(
      `ipc address must hold an absolute path (ipc:///dir/name.sock), got ${JSON.stringify(address)}`,
    );
  }
  if (Buffer.byteLength(path) > MAX_UNIX_PATH_BYTES) {
    throw TesseraError.invalidArgument(
      `ipc socket path is ${Buffer.byteLength(path)} bytes, the limit is ${MAX_UNIX_PATH_BYTES}: ${path}`,
    );
  }
  return path;
}

/** The address peers connect to for a socket at `path`. */
export function ipcAddressOf(path: string): string {
  return `${IPC_SCHEME}${path}`;
}
