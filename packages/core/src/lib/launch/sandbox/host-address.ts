import { lstatSync, realpathSync } from 'node:fs';
import { dirname, posix, win32 } from 'node:path';
import { isWithin } from './package-paths';

/** Where a launched host was told to listen: what it may register as its address. */
export interface HostAddressScope {
  /** The private socket directory its launcher made for it (`ipc://` paths must lie inside). */
  socketDir?: string;
  /** Network mode: the `tcp://host:port` it was told to listen on (port 0: any). */
  listenAddress?: string;
  /** Its pid: on Windows, an `ipc://` named pipe must carry it (`\\.\pipe\tessera-<pid>-…`). */
  pid?: number;
}

const WINDOWS_PIPE = /^\\\\[.?]\\pipe\\(.+)$/i;
const TCP = /^tcp:\/\/(\[[^\]]*\]|[^:/[\]]+):(\d+)$/;

/**
 * Why `address` is not one the host of `scope` may register, or undefined
 * when it is: an `ipc://` path (ipc or zeromq) strictly inside its socket
 * directory, also once links are resolved and not a link itself; a
 * `tcp://` address on the host it was told to listen on (network mode); on
 * Windows, a named pipe carrying its pid. A scope with neither a socket
 * directory nor a listen address (an unconfined or in-process host) sets
 * no bound: undefined.
 */
export function addressOutside(address: string, scope: HostAddressScope): string | undefined {
  const { socketDir, listenAddress } = scope;
  if (socketDir === undefined && listenAddress === undefined) return undefined;
  if (address.startsWith('ipc://')) {
    const path = address.slice('ipc://'.length);
    const pipe = WINDOWS_PIPE.exec(path);
    if (pipe) {
      const own = scope.pid !== undefined && (pipe[1] ?? '').startsWith(`tessera-${scope.pid}-`);
      return own ? undefined : `a named pipe must be named tessera-${scope.pid ?? '<pid>'}-…`;
    }
    if (socketDir === undefined) return 'it was given no socket directory';
    return pathOutside(path, socketDir);
  }
  if (address.startsWith('tcp://')) {
    const given = listenAddress && TCP.exec(listenAddress);
    if (!given) return 'it was not told to listen on tcp';
    const got = TCP.exec(address);
    if (!got || got[1] !== given[1] || (given[2] !== '0' && got[2] !== given[2]))
      return `it was told to listen on ${listenAddress}`;
    return undefined;
  }
  return 'only ipc:// (in its socket directory) and tcp:// (network mode) addresses are accepted';
}

/** Why socket `path` is not strictly inside `dir`, also through links; undefined when it is. */
function pathOutside(path: string, dir: string): string | undefined {
  const outside = `it lies outside its socket directory ${dir}`;
  const p = win32.isAbsolute(path) && !posix.isAbsolute(path) ? win32 : posix;
  if (!p.isAbsolute(path)) return 'an ipc path must be absolute';
  const normal = p.normalize(path);
  if (normal !== path || normal === dir || !isWithin(normal, dir)) return outside;
  // Through links: the directory it sits in must resolve inside too, and the socket be no link.
  let realDir: string;
  try {
    realDir = realpathSync(dir);
  } catch {
    return `its socket directory ${dir} is gone`;
  }
  let parent: string;
  try {
    parent = realpathSync(dirname(normal));
  } catch {
    return `its directory does not exist`;
  }
  if (!isWithin(parent, realDir)) return `${outside} once links are resolved`;
  try {
    if (lstatSync(normal).isSymbolicLink()) return 'it is a symbolic link';
  } catch {
    // not (or no longer) there: nothing a link could lead to
  }
  return undefined;
}
