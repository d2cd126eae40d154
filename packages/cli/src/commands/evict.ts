import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { ExitCode } from '../lib/exit-codes';
import { askRunningApp } from '../lib/operator-session';

export const evict: Command = {
  path: ['evict'],
  summary: 'evict a remote host: revoke its key, close its sessions, unload its module',
  usage: `usage: tessera evict <module> [--reason text] [--config file]

Evicts the remote host of <module> from the app running for the config: its
key is revoked at once (every open session it authenticated closes), the
module is unloaded (its grants revoked on both sides), and the key is
fenced: when that host's process tries to attach again it is told it was
evicted and exits (exit code 3). To let the module back, admit a new host
(tessera admit <package>).

  --reason text   why (on the security trail, and what the host is told)
  --config file   the app's config file

Exit codes: 0 evicted, 1 no such remote host or no running app, 2 usage error.`,
  async run(args, io) {
    const { strings, positionals } = parseCommandLine(args, {
      strings: ['config', 'reason'],
      positionals: { names: ['module'], min: 1 },
    });
    const module = positionals[0] as string;
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const asked = await askRunningApp(file, shown, io, (core) =>
      core.evict(module, strings.reason),
    );
    if ('code' in asked) return asked.code;
    io.stdout(
      `evicted ${module}: key revoked and fenced${asked.answer.attached ? ', module unloaded' : ' (it was not attached)'}\n`,
    );
    return ExitCode.OK;
  },
};
