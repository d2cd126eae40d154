import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Command } from '../lib/command';
import { ExitCode } from '../lib/exit-codes';
import { findOpa, findUp } from '../lib/find-opa';
import { parseOptions } from '../lib/parse-options';

export const policyTest: Command = {
  path: ['policy', 'test'],
  summary: 'run the opa tests of the policies, with coverage',
  usage: `usage: tessera policy test [--dir dir]

Runs tools/policy-test.sh of the enclosing repository (opa fmt, opa check
--strict, opa test, coverage >= 90%). Outside a repository, runs 'opa test'.

  --dir dir   policy directory (default: policies)

Exit codes: 0 passed, 1 failed, 2 usage error.`,
  async run(args, io) {
    const opts = parseOptions(args, ['dir'] as const);
    const dir = resolve(io.cwd, opts.dir ?? 'policies');
    const script = findUp(io.cwd, 'tools/policy-test.sh');
    const [cmd, cmdArgs] = script
      ? ['bash', [script, dir]]
      : [findOpa(io.cwd, io.env), ['test', '--verbose', dir]];
    const result = spawnSync(cmd, cmdArgs, { encoding: 'utf8', env: io.env });
    if (result.error) throw new Error(`cannot run ${cmd}: ${result.error.message}`);
    io.stdout(result.stdout);
    io.stderr(result.stderr);
    return result.status === 0 ? ExitCode.OK : ExitCode.FAILURE;
  },
};
