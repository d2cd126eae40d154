/**
 * Reloads that would hurt are refused before the swap, with the old policy
 * kept: a data.json that is not an object, and a policy a reload guard
 * objects to (unless forced). Real wasm compiled by the pinned OPA.
 */
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, type Logger, type TesseraError } from '@tessera/protocol';
import {
  AuditedPolicyEngine,
  type CandidatePolicy,
  OpaPolicyEngine,
  type OpaPolicyEngineOptions,
  type PolicyDecision,
} from '../src';
import { MemoryAuditSink } from '../src/testing';
import { OPA_INSTALL_TIMEOUT_MS, POLICIES, compile, copyBundle, scratch } from './support/bundles';
import { notes, request, storage } from './support/inputs';

const denyNotes = JSON.stringify({
  tessera: { ttl: { default_seconds: 60 }, deny: [{ caller: 'notes', target: '*' }] },
});

function atomicWrite(path: string, content: string): void {
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}

describe('OpaPolicyEngine: reloads refused before the swap', () => {
  const tmp = scratch('tessera-reload-safety-');
  let built: string;
  let dir: string;
  let engine: OpaPolicyEngine;
  let errors: TesseraError[];
  let logged: Array<[level: keyof Logger, message: string]>;
  let changes: number[];

  const logger: Logger = {
    info: (m) => logged.push(['info', m]),
    warn: (m) => logged.push(['warn', m]),
    error: (m) => logged.push(['error', m]),
  };

  async function open(options: Partial<OpaPolicyEngineOptions> = {}): Promise<void> {
    engine = (await OpaPolicyEngine.open({ bundle: dir, logger, ...options })).engine;
    engine.onError((e) => errors.push(e));
    engine.onChange((r) => changes.push(r));
    logged = [];
  }

  beforeAll(async () => {
    built = await compile(POLICIES, join(tmp.dir, 'build'));
  }, OPA_INSTALL_TIMEOUT_MS);
  beforeEach(async () => {
    dir = copyBundle(built, mkdtempSync(join(tmp.dir, 'live-')));
    errors = [];
    changes = [];
    logged = [];
    await open();
  });
  afterEach(() => engine.close());
  afterAll(() => tmp.cleanup());

  it.each([
    ['[1,2,3]', 'array'],
    ['42', 'number'],
    ['null', 'null'],
    ['"x"', 'string'],
    ['true', 'boolean'],
  ])(
    'rejects a data.json of %s: "must be a JSON object, got %s", old policy kept',
    async (json, type) => {
      const before = await engine.decide(request(notes, storage));
      atomicWrite(join(dir, 'data.json'), json);
      const outcome = await engine.reload();
      const message = `data.json must be a JSON object, got ${type}`;
      expect(outcome).toMatchObject({ ok: false, revision: 1 });
      expect(errors.map((e) => [e.code, e.message])).toEqual([
        [ErrorCode.INVALID_ARGUMENT, expect.stringContaining(message)],
      ]);
      expect(logged).toEqual([
        ['error', expect.stringMatching(new RegExp(`${message}; revision 1 stays in force$`))],
      ]);
      expect(changes).toEqual([]);
      await expect(engine.decide(request(notes, storage))).resolves.toEqual(before);
    },
  );

  it('refuses a first load whose data.json is not an object: nothing is in force', async () => {
    atomicWrite(join(dir, 'data.json'), '[]');
    const fresh = await OpaPolicyEngine.open({ bundle: dir, logger });
    expect(fresh.outcome).toMatchObject({ ok: false, revision: 0 });
    const decision = await fresh.engine.decide(request(notes, storage));
    expect(decision.allow).toBe(false);
    expect(decision.reason).toContain('data.json must be a JSON object, got array');
    await fresh.engine.close();
  });

  it("lets a guard see the candidate's decisions, and refuses the reload it objects to", async () => {
    const seen: PolicyDecision[] = [];
    engine.guardReload((candidate) => {
      const d = candidate.decide(request(notes, storage));
      seen.push(d);
      return d.allow ? undefined : `it would deny notes (${d.reason})`;
    });
    const before = await engine.decide(request(notes, storage));
    atomicWrite(join(dir, 'data.json'), denyNotes);

    const outcome = await engine.reload();

    expect(seen.map((d) => d.reason)).toEqual(['denied by deny list: notes -> *']);
    expect(outcome).toMatchObject({ ok: false, revision: 1 });
    const error = outcome.ok ? undefined : outcome.error;
    expect(error?.code).toBe(ErrorCode.FAILED_PRECONDITION);
    expect(error?.message).toBe(
      'policy reload refused: it would deny notes (denied by deny list: notes -> *); ' +
        'revision 1 stays in force (to put it in force anyway, reload with { force: true } ' +
        'or set policy.allowRevokeAll: true in the app config)',
    );
    expect(logged).toEqual([['warn', error?.message]]);
    expect(errors).toEqual([error]);
    expect(changes).toEqual([]);
    expect(engine.revision).toBe(1);
    await expect(engine.decide(request(notes, storage))).resolves.toEqual(before);
  });

  it('puts an objected reload in force when forced, warning what it overrode', async () => {
    engine.guardReload(() => 'it would hurt');
    atomicWrite(join(dir, 'data.json'), denyNotes);
    await expect(engine.reload({ force: true })).resolves.toMatchObject({ ok: true, revision: 2 });
    expect(logged).toEqual([
      ['warn', 'policy reload forced although it would hurt'],
      ['info', expect.stringContaining('policy revision 2 in force')],
    ]);
    expect(changes).toEqual([2]);
    expect((await engine.decide(request(notes, storage))).allow).toBe(false);
    // Forcing is per reload: the next one is vetted again.
    atomicWrite(join(dir, 'data.json'), '{}');
    await expect(engine.reload()).resolves.toMatchObject({ ok: false, revision: 2 });
  });

  it('puts every objected reload in force with forceReloads (config: policy.allowRevokeAll)', async () => {
    await engine.close();
    await open({ forceReloads: true });
    engine.guardReload(() => 'it would hurt');
    atomicWrite(join(dir, 'data.json'), denyNotes);
    await expect(engine.reload()).resolves.toMatchObject({ ok: true, revision: 2 });
    expect(logged[0]).toEqual(['warn', 'policy reload forced although it would hurt']);
  });

  it('treats a throwing guard as an objection, and asks no guard once it is unregistered', async () => {
    const off = engine.guardReload(() => {
      throw new Error('guard bug');
    });
    atomicWrite(join(dir, 'data.json'), denyNotes);
    const refused = await engine.reload();
    expect(refused.ok ? '' : refused.error.message).toContain(
      'policy reload refused: a reload guard failed (guard bug)',
    );
    off();
    await expect(engine.reload()).resolves.toMatchObject({ ok: true, revision: 2 });
  });

  it('does not vet a first load: it replaces no policy', async () => {
    const fresh = new OpaPolicyEngine({ bundle: dir, logger });
    fresh.guardReload(() => 'no');
    await expect(fresh.ready()).resolves.toMatchObject({ ok: true, revision: 1 });
    await fresh.close();
  });

  it('vets through an audited engine, whose dry runs are not audited', async () => {
    const sink = new MemoryAuditSink();
    const audited = new AuditedPolicyEngine(engine, sink);
    let candidate: CandidatePolicy | undefined;
    audited.guardReload((c) => {
      candidate = c;
      c.decide(request(notes, storage));
      return 'no';
    });
    atomicWrite(join(dir, 'data.json'), denyNotes);
    await expect(engine.reload()).resolves.toMatchObject({ ok: false });
    expect(candidate).toBeDefined();
    expect(sink.records).toEqual([]);
  });
});
