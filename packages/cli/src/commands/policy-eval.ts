import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  OpaPolicyEngine,
  type PolicyInput,
  silentPolicyLogger,
  validatePolicyInput,
} from '@tessera/policy';
import type { Command } from '../lib/command';
import { ExitCode } from '../lib/exit-codes';
import { parseOptions } from '../lib/parse-options';
import { UsageError } from '../lib/usage-error';

/** How the engine's reason begins when the policy answered something that is not a decision. */
const MALFORMED = 'malformed policy decision';

async function readInput(path: string): Promise<PolicyInput> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read input file ${path}: ${(err as Error).message}`);
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`input file ${path} is not JSON: ${(err as Error).message}`);
  }
  const problems = validatePolicyInput(input);
  if (problems.length)
    throw new UsageError(`input file ${path} is not a policy input: ${problems.join('; ')}`);
  return input as PolicyInput;
}

export const policyEval: Command = {
  path: ['policy', 'eval'],
  summary: 'evaluate a policy input against a bundle',
  usage: `usage: tessera policy eval --input file.json [--bundle dir|file.tar.gz] [--entrypoint path]

Prints the decision {allow, methods, ttlSeconds, reason, constraints?, rateLimit?}
as JSON on stdout.
The input is a PolicyInput: {subject, target, methods, context}.

  --input file   policy input as JSON (required)
  --bundle path  compiled bundle (default: policies/build)
  --entrypoint   default: tessera/authz/decision

Exit codes: 0 allow, 1 deny, 2 usage error or bad input file, 4 policy error
(missing or broken bundle, evaluation error, malformed decision: the printed
deny is the engine's fail-closed answer, not the policy's), 5 ask.`,
  async run(args, io) {
    const opts = parseOptions(args, ['input', 'bundle', 'entrypoint'] as const);
    if (!opts.input) throw new UsageError('--input is required');
    const input = await readInput(resolve(io.cwd, opts.input));
    let failed: string | undefined;
    const { engine, outcome } = await OpaPolicyEngine.open({
      bundle: resolve(io.cwd, opts.bundle ?? 'policies/build'),
      // The engine logs evaluation errors (and denies): here they decide the exit code.
      logger: { ...silentPolicyLogger, error: (message) => (failed ??= message) },
      ...(opts.entrypoint ? { entrypoint: opts.entrypoint } : {}),
    });
    try {
      if (!outcome.ok) failed = outcome.error.message;
      const decision = await engine.decide(input);
      if (decision.reason.startsWith(MALFORMED)) failed ??= decision.reason;
      io.stdout(`${JSON.stringify(decision, null, 2)}\n`);
      if (failed !== undefined) {
        io.stderr(`tessera policy eval: ${failed}\n`);
        return ExitCode.POLICY_ERROR;
      }
      if (decision.allow === 'ask') return ExitCode.ASK;
      return decision.allow === true ? ExitCode.OK : ExitCode.FAILURE;
    } finally {
      await engine.close();
    }
  },
};
