import type { Command } from '../lib/command';
import { formatBytes, formatDuration } from '../lib/format';
import { listRunningApp } from '../lib/list-running-app';

const DASH = '–';

export const hosts: Command = {
  path: ['hosts'],
  summary: 'list the admitted remote hosts: address, key fingerprint, epoch, uptime, CPU, RSS',
  usage: `usage: tessera hosts [--config file] [--json]

Lists every remote host admitted to the app running for the config (network
mode): its module, state ("away" while admitted but not attached), the
address it serves at, the fingerprint of its key (SHA-256, 16 hex digits),
its attach epoch (how many attaches the core accepted for that key), uptime,
and the pid, CPU % and resident memory the host reports of itself.

  --config file   the app's config file
  --json          print the rows as JSON

Exit codes: 0 listed, 1 no running app or the app refused, 2 usage error.`,
  run: (args, io) =>
    listRunningApp(args, io, {
      ask: (core) => core.hosts(),
      none: 'no remote hosts admitted (tessera admit <package>)',
      header: ['MODULE', 'STATE', 'ADDRESS', 'KEY', 'EPOCH', 'UPTIME', 'PID', 'CPU%', 'RSS'],
      row: (h) => [
        h.module,
        h.state,
        h.address ?? DASH,
        h.fingerprint,
        String(h.epoch),
        h.uptimeMs !== undefined ? formatDuration(h.uptimeMs) : DASH,
        h.stats ? String(h.stats.pid) : DASH,
        h.stats ? h.stats.cpuPercent.toFixed(1) : DASH,
        h.stats ? formatBytes(h.stats.rssBytes) : DASH,
      ],
    }),
};
