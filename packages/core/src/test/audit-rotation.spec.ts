import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { silentPolicyLogger } from '@tessera/policy';
import { type RunningApp, startApp } from '../lib/app/start-app';

/** Needs the compiled policy (`npx nx run policies:build`). */
const BUNDLE = resolve(__dirname, '../../../../policies/build');

describe('tessera.config.json audit.maxBytes and audit.keep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-audit-app-'));
  let running: RunningApp | undefined;
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rotate the decision log of an app started from its config', async () => {
    const file = join(dir, 'tessera.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        modules: [],
        isolation: 'in-process',
        transport: { kind: 'inproc' },
        policy: { bundle: BUNDLE },
        audit: { kind: 'jsonl', path: 'log/audit.jsonl', maxBytes: 2048, keep: 2 },
      }),
    );
    running = await startApp(file, { operator: false, policyLogger: silentPolicyLogger });
    for (let i = 0; i < 40; i++) await running.app.core.issueToken('operator', 'core', []);
    await running.close();
    running = undefined;

    const log = join(dir, 'log/audit.jsonl');
    expect(existsSync(`${log}.1`)).toBe(true);
    expect(existsSync(`${log}.2`)).toBe(true);
    expect(existsSync(`${log}.3`)).toBe(false); // 40 records of ~300 bytes would be ~12 KB
    for (const p of [log, `${log}.1`, `${log}.2`]) {
      expect(statSync(p).size).toBeLessThanOrEqual(2048);
      for (const line of readFileSync(p, 'utf8').trimEnd().split('\n'))
        expect(JSON.parse(line)).toMatchObject({ caller: 'operator', target: 'core' });
    }
  });
});
