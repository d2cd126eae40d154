import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { TesseraError } from '@tessera/protocol';
import { BUNDLE_DATA, BUNDLE_WASM } from './policy-bundle';
import { baseLibrarySources } from './base-library';
import { opaNotFound } from './opa-cli';
import { extractBundle } from './read-bundle';

/** The entrypoint of Tessera's default policy. */
export const DEFAULT_ENTRYPOINT = 'tessera/authz/decision';

export interface BuildBundleOptions {
  /** Path of the `opa` CLI (see tools/opa.sh). */
  opa: string;
  /** Directory of the Rego sources and data.json. */
  sourceDir: string;
  /** Where `bundle.tar.gz`, `policy.wasm` and `data.json` are written. */
  outDir: string;
  entrypoints?: string[];
  /**
   * Compile the shipped base library (package `tessera.base`) with the
   * sources, so an app's policy can `import data.tessera.base` (default true).
   */
  includeBase?: boolean;
  /** Receives the commands run, for progress output. */
  log?: (line: string) => void;
}

export interface BuiltBundle {
  archive: string;
  wasm: string;
  data: string;
  sources: string[];
}

/**
 * Policy sources of a directory: `.rego` and `data.json`, never tests (unless
 * `tests`), a build output (a `build` folder, `outDir`, or any folder holding
 * a built bundle), hidden folders, `node_modules` or project files. So a
 * build's output never collides with the inputs of the next build or test.
 */
export async function listPolicySources(
  dir: string,
  outDir?: string,
  { tests = false }: { tests?: boolean } = {},
): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const skip =
        entry.name.startsWith('.') ||
        entry.name === 'build' ||
        entry.name === 'node_modules' ||
        (outDir !== undefined && relative(outDir, path) === '') ||
        existsSync(join(path, BUNDLE_WASM));
      if (!skip) found.push(...(await listPolicySources(path, outDir, { tests })));
    } else if (
      entry.name.endsWith('.rego')
        ? tests || !entry.name.endsWith('_test.rego')
        : entry.name === BUNDLE_DATA
    ) {
      found.push(path);
    }
  }
  return found.sort();
}

async function writeAtomic(path: string, content: string | Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT' || err.code === 'EACCES'
          ? opaNotFound(`'${cmd}'`, err.code === 'ENOENT' ? 'not found' : 'not executable')
          : TesseraError.unavailable(`cannot run ${cmd}: ${err.message}`),
      ),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            TesseraError.invalidArgument(
              `${cmd} ${args[0] ?? ''} failed (exit ${code}):\n${stderr.trim()}`,
            ),
          ),
    );
  });
}

/**
 * `opa build -t wasm` the sources of a policy directory into
 * `<outDir>/bundle.tar.gz`, then extract `/policy.wasm` and `/data.json`
 * beside it (the opa-wasm SDK reads neither tar nor gzip).
 */
export async function buildBundle(options: BuildBundleOptions): Promise<BuiltBundle> {
  const own = await listPolicySources(options.sourceDir, options.outDir);
  const sources = [...own, ...(options.includeBase === false ? [] : baseLibrarySources())];
  if (!own.some((s) => s.endsWith('.rego'))) {
    throw TesseraError.invalidArgument(`no .rego sources in ${options.sourceDir}`);
  }
  await mkdir(options.outDir, { recursive: true });
  const archive = join(options.outDir, 'bundle.tar.gz');
  const entrypoints = (options.entrypoints ?? [DEFAULT_ENTRYPOINT]).flatMap((e) => ['-e', e]);
  // Relative paths, run from the source dir: the archive does not record where it was built.
  const relativeSources = sources.map((s) => relative(options.sourceDir, s));
  const args = ['build', '-t', 'wasm', ...entrypoints, ...relativeSources, '-o', resolve(archive)];
  options.log?.(`(cd ${options.sourceDir} && ${options.opa} ${args.join(' ')})`);
  await run(options.opa, args, options.sourceDir);
  const bundle = await extractBundle(await readFile(archive), archive);
  const wasm = join(options.outDir, BUNDLE_WASM);
  const data = join(options.outDir, BUNDLE_DATA);
  // Atomic renames, so a watching engine never reads a half-written file.
  await writeAtomic(data, JSON.stringify(bundle.data, null, 2) + '\n');
  await writeAtomic(wasm, bundle.wasm);
  options.log?.(`extracted ${wasm} and ${data}`);
  return { archive, wasm, data, sources };
}
