import { resolve } from 'node:path';
import { buildBundle } from '@tessera/policy';
import type { Command } from '../lib/command';
import { ExitCode } from '../lib/exit-codes';
import { findOpa } from '../lib/find-opa';
import { parseOptions } from '../lib/parse-options';

export const policyBuild: Command = {
  path: ['policy', 'build'],
  summary: 'compile Rego policies to a wasm bundle',
  usage: `usage: tessera policy build [--src dir] [--out dir] [--entrypoint path]

Compiles the .rego files and data.json of --src (default: policies; *_test.rego
excluded) with 'opa build -t wasm' into <out>/bundle.tar.gz, then extracts
<out>/policy.wasm and <out>/data.json for the engine.

  --src dir          policy sources (default: policies)
  --out dir          output directory (default: <src>/build)
  --entrypoint path  entrypoint to compile (default: tessera/authz/decision)

OPA: $TESSERA_OPA, else tools/opa.sh of the enclosing repository, else 'opa' on PATH.
Exit codes: 0 built, 1 build failed, 2 usage error.`,
  async run(args, io) {
    const opts = parseOptions(args, ['src', 'out', 'entrypoint'] as const);
    const sourceDir = resolve(io.cwd, opts.src ?? 'policies');
    const outDir = resolve(io.cwd, opts.out ?? `${sourceDir}/build`);
    const built = await buildBundle({
      opa: findOpa(io.cwd, io.env),
      sourceDir,
      outDir,
      ...(opts.entrypoint ? { entrypoints: [opts.entrypoint] } : {}),
      log: (line) => io.stderr(`${line}\n`),
    });
    io.stdout(`${built.wasm}\n${built.data}\n`);
    return ExitCode.OK;
  },
};
