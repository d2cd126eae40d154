import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildBundle } from '../../src';

export const REPO = resolve(__dirname, '../../../..');
export const POLICIES = join(REPO, 'policies');
export const FIXTURES = resolve(__dirname, '../../test-fixtures');

/** First use may `go install` OPA (tools/opa.sh): give hooks that compile policies time for it. */
export const OPA_INSTALL_TIMEOUT_MS = 240_000;

let opaPath: string | undefined;

/** The pinned OPA, through the same script the build uses. */
export function opa(): string {
  opaPath ??= execFileSync('bash', [join(REPO, 'tools/opa.sh')], { encoding: 'utf8' }).trim();
  return opaPath;
}

/** A scratch directory removed by the returned cleanup. */
export function scratch(prefix = 'tessera-policy-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Compile a Rego source directory for real (`opa build -t wasm`) into `outDir`. */
export async function compile(sourceDir: string, outDir: string): Promise<string> {
  await buildBundle({ opa: opa(), sourceDir, outDir });
  return outDir;
}

/** Copy a compiled bundle directory (policy.wasm + data.json) to a new place. */
export function copyBundle(from: string, to: string): string {
  cpSync(join(from, 'policy.wasm'), join(to, 'policy.wasm'));
  cpSync(join(from, 'data.json'), join(to, 'data.json'));
  return to;
}
