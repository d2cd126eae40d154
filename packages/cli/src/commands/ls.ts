import type { ModuleListing, ModuleStats } from '@tessera/core';
import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { ExitCode } from '../lib/exit-codes';
import { formatBytes, formatDuration, formatTable } from '../lib/format';
import { OperatorSession } from '../lib/operator-session';

/** One row per known module: `listModules()` merged with `stats()`. */
export type ModuleRow = Omit<ModuleListing, 'address'> &
  Partial<Omit<ModuleStats, 'name' | 'state'>>;

export const ls: Command = {
  path: ['ls'],
  summary: 'list the modules of the running app and their state',
  usage: `usage: tessera ls [--config file] [--json]

Lists every module of the app running for the config (default:
./tessera.config.json, found through .tessera/run/<config>/run.json): state, pid,
uptime, restarts, CPU % and resident memory. A module on a remote host shows
"<pid> (remote)", with the pid, CPU and memory that host reports of itself
(tessera hosts has more on each).

  --config file   the app's config file
  --json          print the rows as JSON

Exit codes: 0 listed, 1 no running app or the app refused, 2 usage error.`,
  async run(args, io) {
    const { strings, flags } = parseCommandLine(args, { strings: ['config'], booleans: ['json'] });
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const session = await OperatorSession.forConfig(file, shown);
    let rows: ModuleRow[];
    try {
      const [modules, stats] = await Promise.all([
        session.core.listModules(),
        session.core.stats(),
      ]);
      rows = modules.map((m) => {
        const {
          name: _n,
          state: _s,
          ...s
        } = stats.find((x) => x.name === m.name) ?? ({} as Partial<ModuleStats>);
        return { name: m.name, state: m.state, loaded: m.loaded, ...s };
      });
    } finally {
      await session.close();
    }
    if (flags.json) {
      io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
      return ExitCode.OK;
    }
    const dash = '–';
    const table = [['MODULE', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'CPU%', 'RSS']];
    for (const r of rows) {
      table.push([
        r.name,
        r.state,
        r.isolation === 'remote'
          ? `${r.pid ?? '?'} (remote)`
          : r.pid !== undefined
            ? String(r.pid)
            : r.isolation === 'in-process'
              ? 'in-proc'
              : dash,
        r.uptimeMs !== undefined && r.loaded ? formatDuration(r.uptimeMs) : dash,
        r.restarts !== undefined ? String(r.restarts) : dash,
        r.cpuPercent !== undefined ? r.cpuPercent.toFixed(1) : dash,
        r.rssBytes !== undefined ? formatBytes(r.rssBytes) : dash,
      ]);
    }
    io.stdout(formatTable(table));
    return ExitCode.OK;
  },
};
