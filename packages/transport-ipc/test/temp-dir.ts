import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp root for one spec file; `cleanup` removes it. */
export function tempRoot(prefix: string): { root: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), `tessera-ipc-${prefix}-`));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
