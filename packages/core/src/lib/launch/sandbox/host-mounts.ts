import { resolve } from 'node:path';
import { type BwrapMount, systemMounts } from './bwrap-args';
import { isWithin } from './package-paths';

/**
 * What one sandboxed host sees under bubblewrap: the system view, the node
 * binary, its code read-only, every host's socket directory read-only
 * (connecting works, unlinking a sibling's socket does not), the core's
 * socket file alone, and its own data and socket directories read-write.
 */
export function hostMounts(m: {
  network: boolean;
  node: string;
  /** The code view: roots, link targets and node_modules trees (see codePaths). */
  code: BwrapMount[];
  reads: string[];
  writes: string[];
  dataDir: string;
  socketDir: string;
  coreAddress: string;
}): BwrapMount[] {
  const system = systemMounts(m.network);
  const inSystem = (p: string): boolean =>
    system.some((s) => s.kind === 'ro' && isWithin(p, s.path));
  const mounts: BwrapMount[] = [...system];
  if (!inSystem(m.node)) mounts.push({ kind: 'ro', path: m.node });
  mounts.push(...m.code);
  for (const p of m.reads) mounts.push({ kind: 'ro', path: p, optional: true });
  // Siblings' sockets (read-only: connect works, unlink does not) and the core's socket alone.
  mounts.push({ kind: 'ro', path: parentOf(m.socketDir) });
  const core = ipcPath(m.coreAddress);
  if (core) mounts.push({ kind: 'ro', path: core });
  mounts.push({ kind: 'rw', path: m.dataDir }, { kind: 'rw', path: m.socketDir });
  for (const p of m.writes) mounts.push({ kind: 'rw', path: p, optional: true });
  return mounts;
}

function parentOf(dir: string): string {
  return resolve(dir, '..');
}

/** The socket file of an `ipc://` address (ipc and zeromq), else undefined. */
function ipcPath(address: string): string | undefined {
  return address.startsWith('ipc:///') ? address.slice('ipc://'.length) : undefined;
}
