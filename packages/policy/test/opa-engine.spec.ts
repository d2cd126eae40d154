import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpaPolicyEngine, type PolicyEngine, silentPolicyLogger } from '../src';
import { OPA_INSTALL_TIMEOUT_MS, POLICIES, compile, copyBundle, scratch } from './support/bundles';
import { mail, notes, request, storage } from './support/inputs';

describe('OpaPolicyEngine with the compiled default policy', () => {
  const tmp = scratch();
  let built: string;
  const engines: PolicyEngine[] = [];

  async function open(bundle: string): Promise<OpaPolicyEngine> {
    const { engine, outcome } = await OpaPolicyEngine.open({ bundle, logger: silentPolicyLogger });
    engines.push(engine);
    expect(outcome.ok).toBe(true);
    return engine;
  }

  function withData(patch: (data: { tessera: Record<string, unknown> }) => void): string {
    const dir = copyBundle(built, mkdtempSync(join(tmp.dir, 'bundle-')));
    const data = JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8'));
    patch(data);
    writeFileSync(join(dir, 'data.json'), JSON.stringify(data));
    return dir;
  }

  beforeAll(async () => {
    built = await compile(POLICIES, join(tmp.dir, 'build'));
  }, OPA_INSTALL_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
    tmp.cleanup();
  });

  it('allows a caller that requires a capability the target provides, scoped to its methods', async () => {
    const engine = await open(built);
    expect(engine.revision).toBe(1);
    await expect(engine.decide(request(notes, storage))).resolves.toEqual({
      allow: true,
      methods: ['event:changed', 'get', 'list'],
      ttlSeconds: 3600,
      reason: 'notes requires kv-read provided by storage',
    });
  });

  it('intersects the grant with the requested methods', async () => {
    const engine = await open(built);
    const d = await engine.decide(request(notes, storage, ['get', 'set']));
    expect(d).toMatchObject({ allow: true, methods: ['get'] });
  });

  it('denies a caller that requires nothing the target provides', async () => {
    const engine = await open(built);
    await expect(engine.decide(request(mail, storage))).resolves.toEqual({
      allow: false,
      methods: [],
      ttlSeconds: 0,
      reason: 'mail does not require any capability storage provides',
    });
  });

  it('lets the deny list in data win over a matching capability', async () => {
    const dir = withData(
      (d) => (d.tessera['deny'] = [{ caller: '*', target: 'storage', reason: 'maintenance' }]),
    );
    const engine = await open(dir);
    const d = await engine.decide(request(notes, storage));
    expect(d).toEqual({
      allow: false,
      methods: [],
      ttlSeconds: 0,
      reason: 'denied by deny list: * -> storage (maintenance)',
    });
  });

  it('takes the TTL from data, with per-target overrides', async () => {
    const dir = withData(
      (d) => (d.tessera['ttl'] = { default_seconds: 120, per_target: { storage: 42 } }),
    );
    const engine = await open(dir);
    expect((await engine.decide(request(notes, storage))).ttlSeconds).toBe(42);
    const other = { ...storage, name: 'other-storage' };
    expect((await engine.decide(request(notes, other))).ttlSeconds).toBe(120);
  });

  it('denies malformed input with the reason, without throwing or evaluating', async () => {
    const engine = await open(built);
    const bad = { ...request(notes, storage), subject: { name: 'notes' } } as never;
    const d = await engine.decide(bad);
    expect(d.allow).toBe(false);
    expect(d.reason).toBe(
      'invalid policy input: subject.requires must be an array of strings; subject.provides must be an object',
    );
    expect(engine.stats?.evaluations).toBe(2); // only the load-time ones ran: smoke and largest request
    await expect(engine.decide(null as never)).resolves.toMatchObject({
      allow: false,
      reason: 'invalid policy input: input must be an object',
    });
  });

  it('loads an opa build .tar.gz directly', async () => {
    const engine = await open(join(tmp.dir, 'build', 'bundle.tar.gz'));
    expect((await engine.decide(request(notes, storage))).allow).toBe(true);
  });

  it('denies everything with a clear reason when the bundle is missing, and reports it', async () => {
    const missing = join(tmp.dir, 'no-such-bundle');
    const errors: string[] = [];
    const logged: string[] = [];
    const engine = new OpaPolicyEngine({
      bundle: missing,
      logger: { ...silentPolicyLogger, error: (m) => logged.push(m) },
    });
    engines.push(engine);
    engine.onError((e) => errors.push(`${e.code}: ${e.message}`));
    const d = await engine.decide(request(notes, storage));
    expect(d).toEqual({
      allow: false,
      methods: [],
      ttlSeconds: 0,
      reason: `policy bundle not found: ${missing}`,
    });
    expect(engine.revision).toBe(0);
    expect(errors).toEqual([`NOT_FOUND: policy bundle not found: ${missing}`]);
    expect(logged[0]).toContain('every request is denied');
  });

  it('denies after close', async () => {
    const engine = await open(built);
    await engine.close();
    expect(await engine.decide(request(notes, storage))).toMatchObject({
      allow: false,
      reason: 'policy engine is closed',
    });
  });
});
