import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode } from '@tessera/protocol';
import { errorOf } from '@tessera/protocol/testing';
import { buildBundle } from './build-bundle';
import { PINNED_OPA_VERSION } from './opa-cli';

describe('the OPA CLI', () => {
  it('is pinned to the version tools/opa.sh installs', () => {
    const script = readFileSync(resolve(__dirname, '../../../../../tools/opa.sh'), 'utf8');
    expect(script).toContain(`OPA_VERSION="\${TESSERA_OPA_VERSION:-${PINNED_OPA_VERSION}}"`);
  });

  it('when it cannot be run, says which version is needed and how to get it, not spawn ENOENT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-opa-'));
    try {
      writeFileSync(join(dir, 'p.rego'), 'package tessera.authz\n');
      const err = await errorOf(
        buildBundle({ opa: join(dir, 'no-opa-here'), sourceDir: dir, outDir: join(dir, 'out') }),
      );
      expect(err.code).toBe(ErrorCode.FAILED_PRECONDITION);
      expect(err.message).not.toContain('ENOENT');
      expect(err.message).toContain(
        `no-opa-here': not found). Tessera needs OPA ${PINNED_OPA_VERSION}`,
      );
      expect(err.message).toContain('set TESSERA_OPA');
      expect(err.message).toContain(
        `go install github.com/open-policy-agent/opa@v${PINNED_OPA_VERSION}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
