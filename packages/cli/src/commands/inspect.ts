import type { LiveGrant } from '@tessera/capability';
import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { ExitCode } from '../lib/exit-codes';
import { formatDuration, formatTable } from '../lib/format';
import { describeScope } from '../lib/format-terms';
import { OperatorSession } from '../lib/operator-session';

/** A live grant as the core reports it (never its secret): the capability module's record. */
export type GrantRow = LiveGrant;

export const inspect: Command = {
  path: ['inspect'],
  summary: 'show the live grants: who may call whom, which methods, until when',
  usage: `usage: tessera inspect [--config file] [--caller name] [--target name] [--json]

Prints the live grants of the app running for the config (default:
./tessera.config.json): caller → target, the methods (and event:<name>
scopes) granted with the policy's constraints and rate limit
(\`get.key ∈ note:* · list 1/s (burst 2)\`), when the grant expires ("with its channel" for a module's
core token and an operator session, which live as long as their connection),
and the policy's reason. A grant another module handed on (delegation)
shows who did, \`audit → storage (via notes)\`; with --json it has \`parent\`
(the token id of the grant it came from) and \`chain\`. Tokens are
never shown.

  --config file   the app's config file
  --caller name   only grants held by this caller
  --target name   only grants on this target
  --json          print the grants as JSON (expiresAt and issuedAt in ms since the epoch)

To follow changes as they happen: tessera grants --watch (the same options).

Exit codes: 0 printed, 1 no running app or the app refused, 2 usage error.`,
  async run(args, io) {
    const { strings, flags } = parseCommandLine(args, {
      strings: ['config', 'caller', 'target'],
      booleans: ['json'],
    });
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const session = await OperatorSession.forConfig(file, shown);
    let grants: GrantRow[];
    try {
      grants = await session.core.grants();
    } finally {
      await session.close();
    }
    grants = grants
      .filter(
        (g) =>
          (strings.caller === undefined || g.caller === strings.caller) &&
          (strings.target === undefined || g.target === strings.target),
      )
      .sort((a, b) => a.caller.localeCompare(b.caller) || a.target.localeCompare(b.target));
    if (flags.json) {
      io.stdout(`${JSON.stringify(grants, null, 2)}\n`);
      return ExitCode.OK;
    }
    if (grants.length === 0) {
      io.stdout('no live grants\n');
      return ExitCode.OK;
    }
    const now = Date.now();
    const rows = [['CALLER → TARGET', 'METHODS', 'EXPIRES', 'REASON']];
    for (const g of grants) {
      const left = g.expiresAt - now;
      rows.push([
        // A delegated grant names who handed it on: `audit → storage (via notes)`.
        `${g.caller} → ${g.target}${g.chain?.length ? ` (via ${g.chain.join(', ')})` : ''}`,
        describeScope(g),
        g.expiresAt >= Number.MAX_SAFE_INTEGER
          ? 'with its channel'
          : left > 0
            ? `in ${formatDuration(left)}`
            : 'expired',
        g.reason,
      ]);
    }
    io.stdout(formatTable(rows));
    io.stdout(`${grants.length} live grant${grants.length === 1 ? '' : 's'}\n`);
    return ExitCode.OK;
  },
};
