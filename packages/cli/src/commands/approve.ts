import type { ApprovalOutcome, ApproveOptions } from '@tessera/capability';
import type { Command } from '../lib/command';
import { parseCommandLine } from '../lib/command-line';
import { configFileOf } from '../lib/config-option';
import { describeError, isDenial } from '../lib/errors';
import { ExitCode } from '../lib/exit-codes';
import { OperatorSession } from '../lib/operator-session';
import { UsageError } from '../lib/usage-error';

/** `--ttl 60`: a whole number of seconds > 0. */
function seconds(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) <= 0)
    throw new UsageError(`--${option} takes a whole number of seconds > 0, got '${text}'`);
  return Number(text);
}

export const approve: Command = {
  path: ['approve'],
  summary: 'approve a request waiting for the operator, optionally narrower',
  usage: `usage: tessera approve <id> [--code NNNNNN] [--methods a,b] [--ttl S] [--remember S] [--config file]

Approves request <id> (see 'tessera approvals') in the app running for the
config: its caller's waiting call goes on with a grant issued as usual. An
approval may only narrow what the policy offers, never widen it.

  --code NNNNNN   the verification code the requesting module logged; when
                  given it must match (a wrong one is refused and the request
                  keeps waiting; 5 wrong codes deny it)
  --methods a,b   grant only these of the offered methods
  --ttl S         a shorter lifetime than the policy's, in seconds
  --remember S    approve the same caller → target request without asking
                  again for S seconds (while the policy keeps asking; a
                  'tessera revoke' of the pair forgets it)
  --config file   the app's config file

Example: tessera approve 3f9c2a71 --code 482913 --methods summary --ttl 600

Exit codes: 0 approved, 1 refused (a wrong code, a wider scope, no such
request) or no running app, 2 usage error.`,
  async run(args, io) {
    const { strings, positionals } = parseCommandLine(args, {
      strings: ['config', 'code', 'methods', 'ttl', 'remember'],
      positionals: { names: ['id'], min: 1 },
    });
    const [id = ''] = positionals;
    const options: ApproveOptions = {};
    if (strings.code !== undefined) options.code = strings.code;
    if (strings.methods !== undefined) {
      const methods = strings.methods
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== '');
      if (methods.length === 0)
        throw new UsageError('--methods takes a comma-separated list of methods');
      options.methods = methods;
    }
    const ttl = seconds(strings.ttl, 'ttl');
    if (ttl !== undefined) options.ttlSeconds = ttl;
    const remember = seconds(strings.remember, 'remember');
    if (remember !== undefined) options.rememberForSeconds = remember;
    const { file, shown } = configFileOf(strings.config, io.cwd);
    const session = await OperatorSession.forConfig(file, shown);
    let outcome: ApprovalOutcome;
    try {
      outcome = await session.core.approve(id, options);
    } catch (err) {
      io.stderr(`${isDenial(err) ? 'refused' : 'error'}: ${describeError(err)}\n`);
      return ExitCode.FAILURE;
    } finally {
      await session.close();
    }
    const remembered =
      outcome.rememberedUntil !== undefined
        ? `; remembered until ${new Date(outcome.rememberedUntil).toISOString()}`
        : '';
    io.stdout(
      `approved ${outcome.id}: ${outcome.caller} → ${outcome.target} (${outcome.methods.join(', ')}) for ${outcome.ttlSeconds ?? '?'} s${remembered}\n`,
    );
    return ExitCode.OK;
  },
};
