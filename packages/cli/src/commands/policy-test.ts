import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { BASE_POLICY_DIR, baseLibrarySources, listPolicySources } from '@tessera/policy';
import type { Command, CliIo } from '../lib/command';
import { ExitCode } from '../lib/exit-codes';
import { findOpa, findUp } from '../lib/find-opa';
import { parseOptions } from '../lib/parse-options';
import { UsageError } from '../lib/usage-error';

function runTool(cmd: string, args: string[], io: CliIo): number {
  const result = spawnSync(cmd, args, { encoding: 'utf8', env: io.env });
  if (result.error) throw new Error(`cannot run ${cmd}: ${result.error.message}`);
  io.stdout(result.stdout);
  io.stderr(result.stderr);
  return result.status ?? 1;
}

export const policyTest: Command = {
  path: ['policy', 'test'],
  summary: 'run the opa tests of the policies, with coverage',
  usage: `usage: tessera policy test [--dir dir]

Runs 'opa check --strict' and 'opa test' over the .rego files (tests
included) and data.json of --dir, with the shipped base library
(package tessera.base) that app policies import. Build outputs (a 'build'
folder, or any folder holding a built bundle) are never read, so a
'tessera policy build' before never breaks the tests. Inside the Tessera
repository it runs tools/policy-test.sh (opa fmt, coverage >= 90%) instead.

  --dir dir   policy directory (default: policies)

Exit codes: 0 passed, 1 failed, 2 usage error.`,
  async run(args, io) {
    const opts = parseOptions(args, ['dir'] as const);
    const dir = resolve(io.cwd, opts.dir ?? 'policies');
    const script = findUp(io.cwd, 'tools/policy-test.sh');
    if (script) {
      return runTool('bash', [script, dir, BASE_POLICY_DIR], io) === 0
        ? ExitCode.OK
        : ExitCode.FAILURE;
    }
    let files: string[];
    try {
      files = await listPolicySources(dir, undefined, { tests: true });
    } catch (err) {
      throw new UsageError(`cannot read policy directory ${dir}: ${(err as Error).message}`);
    }
    if (!files.some((f) => f.endsWith('.rego'))) {
      throw new UsageError(`no .rego files in ${dir}`);
    }
    const all = [...files, ...baseLibrarySources()];
    const opa = findOpa(io.cwd, io.env);
    if (runTool(opa, ['check', '--strict', ...all], io) !== 0) return ExitCode.FAILURE;
    return runTool(opa, ['test', '--verbose', ...all], io) === 0 ? ExitCode.OK : ExitCode.FAILURE;
  },
};
