import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { sep } from 'node:path';

/**
 * Namespaces every sandboxed host gets: its own pid namespace (other
 * processes, the core included, are neither visible in /proc nor
 * signalable), IPC and UTS namespaces, a new session (no controlling
 * terminal to inject keystrokes into), no capabilities (even as root), and
 * death with the core. The fork IPC channel is an inherited fd: it survives.
 */
export const BWRAP_NAMESPACE_FLAGS = [
  '--die-with-parent',
  '--new-session',
  '--unshare-pid',
  '--unshare-ipc',
  '--unshare-uts',
  '--cap-drop',
  'ALL',
] as const;

/** One entry of the sandbox's file system view. */
export type BwrapMount =
  | { kind: 'ro' | 'rw'; path: string; optional?: boolean }
  | { kind: 'symlink'; path: string; target: string };

export interface BwrapPlan {
  /** Share the core's network namespace (tcp transports); otherwise none but loopback. */
  network: boolean;
  mounts: BwrapMount[];
  /** Working directory inside the sandbox. */
  cwd: string;
  /** The command run inside: node, its flags, the host entry. */
  command: string[];
}

/** `bwrap` arguments for `plan`: parents are mounted before children, read-write over read-only. */
export function bwrapArgs(plan: BwrapPlan): string[] {
  const args: string[] = [...BWRAP_NAMESPACE_FLAGS];
  if (!plan.network) args.push('--unshare-net');
  args.push('--dev', '/dev', '--proc', '/proc');
  const rank = (m: BwrapMount): number => (m.kind === 'rw' ? 1 : 0);
  const depth = (p: string): number => p.split(sep).filter(Boolean).length;
  const mounts = [...plan.mounts].sort(
    (a, b) => depth(a.path) - depth(b.path) || rank(a) - rank(b) || a.path.localeCompare(b.path),
  );
  const seen = new Set<string>();
  for (const m of mounts) {
    const key = `${m.kind}\0${m.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (m.kind === 'symlink') args.push('--symlink', m.target, m.path);
    else {
      const flag = m.kind === 'ro' ? '--ro-bind' : '--bind';
      args.push(m.optional ? `${flag}-try` : flag, m.path, m.path);
    }
  }
  args.push('--chdir', plan.cwd, '--', ...plan.command);
  return args;
}

/** Top-level system directories node and its shared libraries come from. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** Files the dynamic linker and libc read. */
const SYSTEM_FILES = ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/localtime'];
/** What name resolution and TLS need, only when the network is shared. */
const NETWORK_FILES = [
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/nsswitch.conf',
  '/etc/gai.conf',
  '/etc/host.conf',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
];

/**
 * The read-only system view: /usr and its merged-/usr symlinks (or real
 * directories on older layouts), the linker's files, and name resolution
 * when `network`. Nothing else of the real root (no /home, /root, /tmp, /run).
 */
export function systemMounts(network: boolean): BwrapMount[] {
  const mounts: BwrapMount[] = [];
  for (const dir of SYSTEM_DIRS) {
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) mounts.push({ kind: 'symlink', path: dir, target: readlinkSync(dir) });
    else if (st.isDirectory()) mounts.push({ kind: 'ro', path: dir });
  }
  for (const file of [...SYSTEM_FILES, ...(network ? NETWORK_FILES : [])])
    if (existsSync(file)) mounts.push({ kind: 'ro', path: file });
  return mounts;
}
