import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AuditRecord, JsonLinesAuditSink, silentPolicyLogger } from '../src';
import { scratch } from './support/bundles';

const record = (i: number): AuditRecord => ({
  time: new Date(0).toISOString(),
  decision: 'deny',
  caller: `caller-${i}`,
  target: 'storage',
  requested: [],
  granted: [],
  ttlSeconds: 0,
  reason: 'no',
  revision: 1,
  purpose: 'request',
  operator: false,
});
const LINE = JSON.stringify(record(100)).length + 1; // records 100..999 all have this size

const linesOf = (path: string): number[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .trimEnd()
        .split('\n')
        .filter(Boolean)
        .map((l) => Number((JSON.parse(l) as AuditRecord).caller.slice('caller-'.length)))
    : [];

describe('the decision log rotates by size', () => {
  const tmp = scratch('tessera-audit-');
  afterAll(() => tmp.cleanup());

  it('audit.jsonl -> .1 -> .2, keeping `keep` files of at most maxBytes; nothing in between is lost', async () => {
    const path = join(tmp.dir, 'audit.jsonl');
    const maxBytes = 10 * LINE;
    const sink = new JsonLinesAuditSink(path, { maxBytes, keep: 2, logger: silentPolicyLogger });
    // All in one tick: the renames must never race the file's opening or pending writes.
    for (let i = 100; i < 1000; i++) sink.write(record(i));
    await sink.close();

    expect(existsSync(`${path}.3`)).toBe(false);
    for (const p of [path, `${path}.1`, `${path}.2`]) {
      expect(statSync(p).size).toBeLessThanOrEqual(maxBytes);
      expect(statSync(p).mode & 0o777).toBe(0o600);
    }
    // Newest in audit.jsonl, then .1, then .2: the last 30 records, in order.
    const kept = [...linesOf(`${path}.2`), ...linesOf(`${path}.1`), ...linesOf(path)];
    expect(kept).toEqual(Array.from({ length: 30 }, (_, i) => 970 + i));
  });

  it('counts what the file already holds, and keep: 0 keeps no old file', async () => {
    const path = join(tmp.dir, 'full.jsonl');
    writeFileSync(path, 'x'.repeat(5 * LINE - 1) + '\n');
    const sink = new JsonLinesAuditSink(path, { maxBytes: 5 * LINE, keep: 0 });
    sink.write(record(100));
    await sink.close();
    expect(linesOf(path)).toEqual([100]);
    expect(existsSync(`${path}.1`)).toBe(false);
  });

  it('reports a file it cannot open and drops its records, never throwing', async () => {
    const errors: string[] = [];
    const logger = { ...silentPolicyLogger, error: (m: string) => void errors.push(m) };
    const sink = new JsonLinesAuditSink(join(tmp.dir, 'missing-dir', 'audit.jsonl'), { logger });
    expect(() => sink.write(record(100))).not.toThrow();
    await sink.close();
    expect(errors).toEqual([expect.stringMatching(/^decision log cannot be opened: ENOENT/)]);
  });

  it('never grows past (keep + 1) x maxBytes, however many records come', async () => {
    const path = join(tmp.dir, 'bounded.jsonl');
    const sink = new JsonLinesAuditSink(path, { maxBytes: 64 * 1024, keep: 3 });
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 1000; i++) sink.write(record(100 + (i % 900)));
      await new Promise((r) => setImmediate(r));
    }
    await sink.close();
    const files = [path, ...[1, 2, 3, 4].map((k) => `${path}.${k}`)].filter((p) => existsSync(p));
    expect(files).toHaveLength(4);
    const total = files.reduce((sum, p) => sum + statSync(p).size, 0);
    expect(total).toBeLessThanOrEqual(4 * 64 * 1024); // 20,000 records would be ~2.8 MB
  });
});
