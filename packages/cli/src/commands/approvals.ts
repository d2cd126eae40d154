import type { PendingApproval } from '@tessera/capability';
import { approvalLine, approvalsTable } from '../lib/approval-lines';
import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { ExitCode } from '../lib/exit-codes';
import { followUntilStopped } from '../lib/follow';
import { OperatorSession } from '../lib/operator-session';

export const approvals: Command = {
  path: ['approvals'],
  summary: 'list the requests waiting for your approval (the policy said "ask")',
  usage: `usage: tessera approvals [--config file] [--json] [--follow]

Lists the requests of the app running for the config (default:
./tessera.config.json) that wait for the operator: the policy answered
allow: "ask" (in the default policy, data.tessera.ask). Each shows its id,
which module asks for which module and methods (what the policy offers: an
approval grants these or fewer), the verification code the requesting module
logged ("waiting for operator approval … code 123456"), how long it has
waited and the policy's reason. The module's call waits meanwhile, within
its own timeout; a request whose caller gave up is gone.

  --config file   the app's config file
  --json          print the requests as JSON (askedAt, expiresAt in ms since the epoch)
  --follow        then print one line per request asked, approved, denied or
                  withdrawn as it happens, until Ctrl-C (with --json: one JSON
                  object per line)

Answer with:
  tessera approve <id> [--code NNNNNN] [--methods a,b] [--ttl S] [--remember S]
  tessera deny <id> [--reason text]

Exit codes: 0 printed (or followed until Ctrl-C), 1 no running app, the app
refused, or the app stopped while following, 2 usage error.`,
  async run(args, io) {
    const { strings, flags } = parseCommandLine(args, {
      strings: ['config'],
      booleans: ['json', 'follow'],
    });
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const session = await OperatorSession.forConfig(file, shown);
    let waiting: PendingApproval[];
    try {
      // Subscribed before listing, so no step falls between the list and the stream.
      if (flags.follow)
        await session.on('approvalChanged', (e) =>
          io.stdout(
            `${flags.json ? JSON.stringify(e) : approvalLine(e as Record<string, unknown>)}\n`,
          ),
        );
      waiting = await session.core.approvals();
    } catch (err) {
      await session.close();
      throw err;
    }
    if (flags.json && !flags.follow) io.stdout(`${JSON.stringify(waiting, null, 2)}\n`);
    else if (flags.json)
      for (const a of waiting) io.stdout(`${JSON.stringify({ change: 'waiting', ...a })}\n`);
    else if (waiting.length === 0) io.stdout('no requests waiting for approval\n');
    else {
      io.stdout(approvalsTable(waiting, Date.now()));
      io.stdout(
        `${waiting.length} request${waiting.length === 1 ? '' : 's'} waiting: tessera approve <id> --code <code>, or tessera deny <id> --reason <text>\n`,
      );
    }
    if (!flags.follow) {
      await session.close();
      return ExitCode.OK;
    }
    if (!flags.json) io.stdout('following requests for approval (Ctrl-C to stop)\n');
    return followUntilStopped(session, io);
  },
};
