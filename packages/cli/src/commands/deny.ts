import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { ExitCode } from '../lib/exit-codes';
import { askRunningApp } from '../lib/operator-session';

export const deny: Command = {
  path: ['deny'],
  summary: 'deny a request waiting for the operator',
  usage: `usage: tessera deny <id> [--reason text] [--config file]

Denies request <id> (see 'tessera approvals') in the app running for the
config: its caller's waiting call fails with PERMISSION_DENIED and the
reason ("the operator denied notes → audit (request <id>): <reason>").

  --reason text   why, as the requesting module will read it
  --config file   the app's config file

Exit codes: 0 denied, 1 no such request or no running app, 2 usage error.`,
  async run(args, io) {
    const { strings, positionals } = parseCommandLine(args, {
      strings: ['config', 'reason'],
      positionals: { names: ['id'], min: 1 },
    });
    const [id = ''] = positionals;
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const asked = await askRunningApp(file, shown, io, (core) => core.deny(id, strings.reason));
    if ('code' in asked) return asked.code;
    const outcome = asked.answer;
    io.stdout(
      `denied ${outcome.id}: ${outcome.caller} → ${outcome.target}: ${outcome.reason ?? ''}\n`,
    );
    return ExitCode.OK;
  },
};
