import {
  SECURITY_EVENT_KINDS,
  type SecurityEvent,
  type SecurityFilter,
  matchesFilter,
} from '@tessera/core';
import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { ExitCode } from '../lib/exit-codes';
import { followUntilStopped } from '../lib/follow';
import { OperatorSession } from '../lib/operator-session';
import { securityLine } from '../lib/security-lines';
import { UsageError } from '../lib/usage-error';

const AREAS = [...new Set(SECURITY_EVENT_KINDS.map((k) => k.split('.')[0]))];
const OUTCOMES = ['success', 'denied', 'failure'];

/** The filter the options ask for, or a usage error naming what is wrong. */
function filterOf(
  strings: Partial<Record<'module' | 'kind' | 'outcome' | 'limit', string>>,
): SecurityFilter {
  const { module, kind, outcome, limit } = strings;
  if (
    kind !== undefined &&
    !AREAS.includes(kind) &&
    !(SECURITY_EVENT_KINDS as readonly string[]).includes(kind)
  )
    throw new UsageError(
      `unknown --kind '${kind}' (an area: ${AREAS.join(', ')}; or a kind such as grant.revoked)`,
    );
  if (outcome !== undefined && !OUTCOMES.includes(outcome))
    throw new UsageError(`--outcome is one of ${OUTCOMES.join(', ')}`);
  const n = limit === undefined ? 50 : Number(limit);
  if (!Number.isInteger(n) || n < 0) throw new UsageError('--limit takes a whole number');
  return {
    limit: n,
    ...(module !== undefined ? { module } : {}),
    ...(kind !== undefined ? { kind } : {}),
    ...(outcome !== undefined ? { outcome: outcome as SecurityFilter['outcome'] } : {}),
  };
}

export const audit: Command = {
  path: ['audit'],
  summary: 'show the security trail; --follow streams it as it happens',
  usage: `usage: tessera audit [--follow] [--config file] [--module name] [--kind kind]
                     [--outcome success|denied|failure] [--limit n] [--json]

Prints the recent events of the running app's security trail (the last 50
by default), oldest first, one line each:

  12:03:04.120 ✓ grant.issued       notes → storage  delete, get, list, set: notes requires kv-read, kv-write provided by storage
  12:03:05.002 ✓ delegation.granted audit → storage  (via notes) get: notes may delegate get on storage to audit
  12:03:06.410 ✗ call.denied        audit → storage  ×12 PERMISSION_DENIED set: 'set' is not granted to audit on storage
  12:03:07.000 ✓ grant.revoked      audit → storage  [parent revoked] get: parent revoked (notes → storage: released)

✓ success, ✗ denied, ! failure. Kinds: grant (issued, narrowed, revoked with
its cause, denied), delegation (granted, denied), call.denied (refusals at a
module's or the core's door, folded per caller, code and grant: ×N), request
(asked, approved, denied, withdrawn), module (loaded, restarted, crashed,
failed, unloaded), operator (session, refused, action), join (minted, spent,
refused), host (admitted, refused), policy (reloaded, rejected). No line ever
holds a token or a credential. The app also writes the trail to
.tessera/security.jsonl (beside the decision log; audit.* in the config).

  --follow        then print each new event as it happens, until Ctrl-C
  --module name   events whose subject or target is this module
  --kind kind     an area (grant) or a kind (grant.revoked)
  --outcome o     success, denied or failure
  --limit n       how many recent events first (default 50; 0 with --follow: only new ones)
  --json          one JSON object per line
  --config file   the app's config file

Exit codes: 0 printed (or followed until Ctrl-C), 1 no running app, the app
refused, or the app stopped while following, 2 usage error.`,
  async run(args, io) {
    const { strings, flags } = parseCommandLine(args, {
      strings: ['config', 'module', 'kind', 'outcome', 'limit'],
      booleans: ['json', 'follow'],
    });
    const filter = filterOf(strings);
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const session = await OperatorSession.forConfig(file, shown);
    const print = (e: SecurityEvent): void =>
      io.stdout(`${flags.json ? JSON.stringify(e) : securityLine(e)}\n`);
    // Following: subscribed before the recent events are read, so none falls between.
    let held: SecurityEvent[] | undefined = [];
    let last = 0;
    const show = (e: SecurityEvent): void => {
      if (e.seq <= last || !matchesFilter(e, filter)) return;
      last = e.seq;
      print(e);
    };
    try {
      if (flags.follow)
        await session.on('security', (payload) => {
          const e = payload as SecurityEvent;
          if (held) held.push(e);
          else show(e);
        });
      const recent = await session.core.auditEvents(filter);
      for (const e of recent) show(e);
      if (!flags.follow) {
        if (recent.length === 0 && !flags.json) io.stdout('no security events match\n');
        await session.close();
        return ExitCode.OK;
      }
    } catch (err) {
      await session.close();
      throw err;
    }
    if (!flags.json) io.stderr('following the security trail (Ctrl-C to stop)\n');
    for (const e of held) show(e);
    held = undefined;
    return followUntilStopped(session, io);
  },
};
