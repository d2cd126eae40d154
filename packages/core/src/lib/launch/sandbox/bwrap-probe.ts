import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BWRAP_NAMESPACE_FLAGS } from './bwrap-args';

/** Where bubblewrap is usually installed, then `PATH`. */
export function findBwrap(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const dirs = ['/usr/bin', '/usr/local/bin', '/bin', ...(env['PATH'] ?? '').split(delimiter)];
  for (const dir of dirs) {
    if (!dir.startsWith('/')) continue;
    const candidate = join(dir, 'bwrap');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export type BwrapStatus = { ok: true; path: string } | { ok: false; reason: string };

const probes = new Map<string, Promise<BwrapStatus>>();

/**
 * Whether bubblewrap can actually make the namespaces hosts use (it may be
 * installed yet refused, e.g. in a container without user namespaces).
 * Probed once per process and network setting, by running `node --version`
 * inside the same namespaces.
 */
export function probeBwrap(unshareNet: boolean, path = findBwrap()): Promise<BwrapStatus> {
  if (!path) return Promise.resolve({ ok: false, reason: 'bwrap is not installed' });
  const key = `${path}\0${unshareNet}`;
  let probe = probes.get(key);
  if (!probe) {
    probe = new Promise<BwrapStatus>((resolve) => {
      const args = [
        ...BWRAP_NAMESPACE_FLAGS,
        ...(unshareNet ? ['--unshare-net'] : []),
        '--ro-bind',
        '/',
        '/',
        '--dev',
        '/dev',
        '--proc',
        '/proc',
        '--',
        process.execPath,
        '--version',
      ];
      execFile(path, args, { timeout: 10_000, env: {} }, (err, _stdout, stderr) => {
        if (!err) resolve({ ok: true, path });
        else
          resolve({ ok: false, reason: `${path} failed: ${String(stderr).trim() || err.message}` });
      });
    });
    probes.set(key, probe);
  }
  return probe;
}

let warned = false;
/** bubblewrap is installed but cannot run here: say so once (not when it is simply absent). */
export function warnBwrapUnusable(reason: string): void {
  if (warned || reason === 'bwrap is not installed') return;
  warned = true;
  process.stderr.write(
    `[tessera] sandbox: bubblewrap cannot run (${reason}); hosts use the Node permission model alone\n`,
  );
}
