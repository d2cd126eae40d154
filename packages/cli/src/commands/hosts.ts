import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { ExitCode } from '../lib/exit-codes';
import { formatBytes, formatDuration, formatTable } from '../lib/format';
import { askRunningApp } from '../lib/operator-session';

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
  async run(args, io) {
    const { strings, flags } = parseCommandLine(args, { strings: ['config'], booleans: ['json'] });
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const asked = await askRunningApp(file, shown, io, (core) => core.hosts());
    if ('code' in asked) return asked.code;
    const rows = asked.answer;
    if (flags.json) {
      io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
      return ExitCode.OK;
    }
    if (rows.length === 0) {
      io.stdout('no remote hosts admitted (tessera admit <package>)\n');
      return ExitCode.OK;
    }
    const dash = '–';
    const table = [['MODULE', 'STATE', 'ADDRESS', 'KEY', 'EPOCH', 'UPTIME', 'PID', 'CPU%', 'RSS']];
    for (const h of rows) {
      table.push([
        h.module,
        h.state,
        h.address ?? dash,
        h.fingerprint,
        String(h.epoch),
        h.uptimeMs !== undefined ? formatDuration(h.uptimeMs) : dash,
        h.stats ? String(h.stats.pid) : dash,
        h.stats ? h.stats.cpuPercent.toFixed(1) : dash,
        h.stats ? formatBytes(h.stats.rssBytes) : dash,
      ]);
    }
    io.stdout(formatTable(table));
    return ExitCode.OK;
  },
};
