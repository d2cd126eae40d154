import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { describeError } from '../lib/errors';
import { ExitCode } from '../lib/exit-codes';
import { OperatorSession } from '../lib/operator-session';

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
    const session = await OperatorSession.forConfig(file, shown);
    let revoked: number;
    try {
      revoked = await session.core.revoke(caller, target, strings.reason);
    } catch (err) {
      io.stderr(`error: ${describeError(err)}\n`);
      return ExitCode.FAILURE;
    } finally {
      await session.close();
    }
    io.stdout(
      revoked === 0
        ? `no live grant of ${caller} on ${target} (a remembered approval, if any, is forgotten)\n`
        : `revoked ${revoked} grant${revoked === 1 ? '' : 's'} of ${caller} on ${target}\n`,
    );
    return ExitCode.OK;
  },
};
