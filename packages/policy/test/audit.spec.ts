import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { container } from 'tsyringe';
import {
  type AuditRecord,
  AuditedPolicyEngine,
  JsonLinesAuditSink,
  OpaPolicyEngine,
  POLICY_ENGINE,
  registerPolicy,
  silentPolicyLogger,
} from '../src';
import { MemoryAuditSink } from '../src/testing';
import { OPA_INSTALL_TIMEOUT_MS, POLICIES, compile, scratch } from './support/bundles';
import { mail, notes, request, storage } from './support/inputs';

/** Anything that could be a secret: long random-looking strings, or a key naming a token. */
function tokenLike(record: AuditRecord): string[] {
  const found: string[] = [];
  const visit = (value: unknown, key: string): void => {
    if (/token|secret|credential/i.test(key)) found.push(key);
    if (typeof value === 'string' && /^[A-Za-z0-9+/_=-]{24,}$/.test(value))
      found.push(`${key}=${value}`);
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${key}[${i}]`));
    else if (typeof value === 'object' && value !== null)
      for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  visit(record, '');
  return found;
}

describe('decision log', () => {
  const tmp = scratch();
  let bundle: string;

  beforeAll(async () => {
    bundle = await compile(POLICIES, join(tmp.dir, 'build'));
  }, OPA_INSTALL_TIMEOUT_MS);
  afterAll(() => tmp.cleanup());

  it('records every decision with who, what, the outcome, the revision, time and purpose', async () => {
    const sink = new MemoryAuditSink();
    const inner = (await OpaPolicyEngine.open({ bundle, logger: silentPolicyLogger })).engine;
    const engine = new AuditedPolicyEngine(inner, sink, {
      now: () => new Date('2030-01-02T03:04:05.000Z'),
    });

    const allowed = await engine.decide(request(notes, storage, ['get', 'set']));
    await engine.decide({
      ...request(mail, storage),
      context: { time: '', purpose: 'reevaluate' },
    });
    await engine.close();

    expect(allowed.allow).toBe(true);
    expect(sink.records).toEqual([
      {
        time: '2030-01-02T03:04:05.000Z',
        decision: 'allow',
        caller: 'notes',
        target: 'storage',
        requested: ['get', 'set'],
        granted: ['get'],
        ttlSeconds: 3600,
        reason: 'notes requires kv-read provided by storage',
        revision: 1,
        purpose: 'request',
        operator: false,
      },
      expect.objectContaining({
        decision: 'deny',
        caller: 'mail',
        granted: [],
        purpose: 'reevaluate',
        revision: 1,
      }),
    ]);
    expect(sink.closed).toBe(false); // not ours to close
    for (const r of sink.records) expect(tokenLike(r)).toEqual([]);
  });

  it('the token detector catches a token-looking value (so the check above can fail)', () => {
    const record = {
      reason: 'x',
      caller: 'AbCdEfGhIjKlMnOpQrStUvWxYz012345',
    } as unknown as AuditRecord;
    expect(tokenLike(record)).toHaveLength(1);
  });

  it('writes JSON lines to a stream', async () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    const inner = (await OpaPolicyEngine.open({ bundle, logger: silentPolicyLogger })).engine;
    const engine = new AuditedPolicyEngine(inner, new JsonLinesAuditSink(stream), {
      closeSink: true,
    });
    await engine.decide(request(notes, storage));
    await engine.decide(request(mail, storage));
    await engine.close();
    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => JSON.parse(l).decision)).toEqual(['allow', 'deny']);
  });

  it('registerPolicy({bundle, audit: {path}}) writes the decision log to a file', async () => {
    const path = join(tmp.dir, 'decisions.jsonl');
    const child = container.createChildContainer();
    const engine = registerPolicy(child, { bundle, audit: { path }, logger: silentPolicyLogger });
    expect(child.resolve(POLICY_ENGINE)).toBe(engine);
    await engine.decide(request(notes, storage));
    await engine.close();
    const record = JSON.parse(readFileSync(path, 'utf8').trim()) as AuditRecord;
    expect(record).toMatchObject({
      decision: 'allow',
      caller: 'notes',
      target: 'storage',
      revision: 1,
    });
    expect(new Date(record.time).toISOString()).toBe(record.time);
    expect(tokenLike(record)).toEqual([]);
    await child.dispose();
  });
});
