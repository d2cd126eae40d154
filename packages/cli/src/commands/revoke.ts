import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { ExitCode } from '../lib/exit-codes';
import { askRunningApp } from '../lib/operator-session';

export const revoke: Command = {
  path: ['revoke'],
  summary: "revoke a caller's grant on a target now",
  usage: `usage: tessera revoke <caller> <target> [--reason text] [--config file]

Revokes the live grants of <caller> on <target> in the app running for the
config, at both ends, at once: the target refuses the old token from its
next call on. An approval remembered for the pair ('tessera approve
--remember') is forgotten too. The caller's next call asks the core again
and the policy decides afresh: where it says "ask", you are asked again; to
keep a caller out for good, change the policy (data.tessera.deny).

  --reason text   why (recorded with the revocation: "revoked by the operator: <text>")
  --config file   the app's config file

Grants on the core are a module's channel to it and are not revoked on
their own: unload the module instead.

Exit codes: 0 revoked (or there was no live grant: it says so), 1 refused or
no running app, 2 usage error.`,
  async run(args, io) {
    const { strings, positionals } = parseCommandLine(args, {
      strings: ['config', 'reason'],
      positionals: { names: ['caller', 'target'], min: 2 },
    });
    const [caller = '', target = ''] = positionals;
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const asked = await askRunningApp(file, shown, io, (core) =>
      core.revoke(caller, target, strings.reason),
    );
    if ('code' in asked) return asked.code;
    const revoked = asked.answer;
    io.stdout(
      revoked === 0
        ? `no live grant of ${caller} on ${target} (a remembered approval, if any, is forgotten)\n`
        : `revoked ${revoked} grant${revoked === 1 ? '' : 's'} of ${caller} on ${target}\n`,
    );
    return ExitCode.OK;
  },
};
