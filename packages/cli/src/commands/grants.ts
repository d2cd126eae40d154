import { grantLine } from '../lib/approval-lines';
import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { ExitCode } from '../lib/exit-codes';
import { followUntilStopped } from '../lib/follow';
import { OperatorSession } from '../lib/operator-session';
import { inspect } from './inspect';

export const grants: Command = {
  path: ['grants'],
  summary: 'show the live grants (as inspect does); --watch streams every change',
  usage: `usage: tessera grants [--watch] [--config file] [--caller name] [--target name] [--json]

Without --watch: the live grants, exactly as 'tessera inspect' prints them.

With --watch: the live grants, then one line per change as it happens, until
Ctrl-C:

  12:03:04 + notes → audit  recent, summary  (notes requires audit-read provided by audit · approved by the operator (request 3f9c2a71))
  12:03:10 ~ audit → storage  get, was get, list  (policy reload)
  12:04:00 - notes → audit  recent, summary  (revoked by the operator: done)

'+' issued (or renewed), '~' narrowed by a policy reload, '-' revoked (with
the cause: released, expired, policy reload, unloaded or crashed, revoked by
the operator). Tokens are never shown.

  --watch         follow changes until Ctrl-C
  --caller name   only grants held by this caller
  --target name   only grants on this target
  --json          JSON: the list, then with --watch one change per line
  --config file   the app's config file

Exit codes: 0 printed (or watched until Ctrl-C), 1 no running app, the app
refused, or the app stopped while watching, 2 usage error.`,
  async run(args, io) {
    const { strings, flags } = parseCommandLine(args, {
      strings: ['config', 'caller', 'target'],
      booleans: ['json', 'watch'],
    });
    const listArgs = args.filter((a) => a !== '--watch');
    if (!flags.watch) return inspect.run(listArgs, io);
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const session = await OperatorSession.forConfig(file, shown);
    // Subscribed before the list is printed; changes meanwhile wait until it is.
    let held: string[] | undefined = [];
    const print = (line: string): void => {
      if (held) held.push(line);
      else io.stdout(line);
    };
    try {
      await session.on('grantChanged', (payload) => {
        const e = payload as Record<string, unknown>;
        if (strings.caller !== undefined && e['caller'] !== strings.caller) return;
        if (strings.target !== undefined && e['target'] !== strings.target) return;
        print(`${flags.json ? JSON.stringify(e) : grantLine(e)}\n`);
      });
      let listing = '';
      const listed = await inspect.run(listArgs, { ...io, stdout: (t) => (listing += t) });
      if (listed !== ExitCode.OK) {
        await session.close();
        return listed;
      }
      // With --json, one JSON document per line while watching: the list first.
      io.stdout(flags.json ? `${JSON.stringify(JSON.parse(listing))}\n` : listing);
    } catch (err) {
      await session.close();
      throw err;
    }
    if (!flags.json) io.stdout('watching grant changes (Ctrl-C to stop)\n');
    for (const line of held) io.stdout(line);
    held = undefined;
    return followUntilStopped(session, io);
  },
};
