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

Exit codes: 0 allow, 1 deny or ask (including a missing or broken bundle),
2 usage error or bad input file.`,
  async run(args, io) {
    const opts = parseOptions(args, ['input', 'bundle', 'entrypoint'] as const);
    if (!opts.input) throw new UsageError('--input is required');
    const input = await readInput(resolve(io.cwd, opts.input));
    const { engine, outcome } = await OpaPolicyEngine.open({
      bundle: resolve(io.cwd, opts.bundle ?? 'policies/build'),
      logger: silentPolicyLogger,
      ...(opts.entrypoint ? { entrypoint: opts.entrypoint } : {}),
    });
    try {
      if (!outcome.ok) io.stderr(`tessera policy eval: ${outcome.error.message}\n`);
      const decision = await engine.decide(input);
      io.stdout(`${JSON.stringify(decision, null, 2)}\n`);
      return decision.allow === true ? ExitCode.OK : ExitCode.FAILURE;
    } finally {
      await engine.close();
    }
  },
};
