import { cpSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TesseraError } from '@tessera/protocol';
import { OpaPolicyEngine, type PolicyDecision, silentPolicyLogger } from '../src';
import {
  OPA_INSTALL_TIMEOUT_MS,
  FIXTURES,
  POLICIES,
  compile,
  copyBundle,
  scratch,
} from './support/bundles';
import { notes, request, storage } from './support/inputs';

describe('OpaPolicyEngine reload', () => {
  const tmp = scratch();
  let built: string;
  let broken: string;
  let dir: string;
  let engine: OpaPolicyEngine;
  let errors: TesseraError[];

  const denyNotes = JSON.stringify({
    tessera: { ttl: { default_seconds: 60 }, deny: [{ caller: 'notes', target: '*' }] },
  });

  beforeAll(async () => {
    built = await compile(POLICIES, join(tmp.dir, 'build'));
    broken = await compile(join(FIXTURES, 'broken'), join(tmp.dir, 'broken'));
  }, OPA_INSTALL_TIMEOUT_MS);
  beforeEach(async () => {
    dir = copyBundle(built, mkdtempSync(join(tmp.dir, 'live-')));
    engine = (
      await OpaPolicyEngine.open({ bundle: dir, logger: silentPolicyLogger, debounceMs: 50 })
    ).engine;
    errors = [];
    engine.onError((e) => errors.push(e));
  });
  afterEach(() => engine.close());
  afterAll(() => tmp.cleanup());

  /** Replace a file the way editors and build tools do: write aside, then rename. */
  function atomicWrite(path: string, content: string | Buffer): void {
    writeFileSync(`${path}.tmp`, content);
    renameSync(`${path}.tmp`, path);
  }

  it('swaps in a new bundle and notifies listeners with the new revision after the swap', async () => {
    const seen: Array<{ revision: number; decision: PolicyDecision }> = [];
    engine.onChange((revision) =>
      seen.push({ revision, decision: engine.decideNow(request(notes, storage)) }),
    );
    expect((await engine.decide(request(notes, storage))).allow).toBe(true);

    atomicWrite(join(dir, 'data.json'), denyNotes);
    await expect(engine.reload()).resolves.toEqual({ ok: true, revision: 2, source: dir });

    expect(engine.revision).toBe(2);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.revision).toBe(2);
    expect(seen[0]?.decision.reason).toBe('denied by deny list: notes -> *');
  });

  it.each([
    [
      'a corrupt policy.wasm',
      () => atomicWrite(join(dir, 'policy.wasm'), Buffer.from('not wasm')),
      'invalid policy.wasm',
    ],
    [
      'a data.json that is not JSON',
      () => atomicWrite(join(dir, 'data.json'), '{"tessera": '),
      'is not valid JSON',
    ],
    [
      'a policy that fails the smoke evaluation',
      () => cpSync(join(broken, 'policy.wasm'), join(dir, 'policy.wasm')),
      'smoke evaluation',
    ],
    [
      'an empty policy.wasm',
      () => atomicWrite(join(dir, 'policy.wasm'), ''),
      'invalid policy.wasm',
    ],
  ])('rejects %s and keeps the old policy in force', async (_what, breakIt, message) => {
    const before = await engine.decide(request(notes, storage));
    const changes: number[] = [];
    engine.onChange((r) => changes.push(r));
    breakIt();
    const outcome = await engine.reload();
    expect(outcome.ok).toBe(false);
    expect(outcome.revision).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('INVALID_ARGUMENT');
    expect(errors[0]?.message).toContain(message);
    expect(changes).toEqual([]);
    expect(engine.revision).toBe(1);
    await expect(engine.decide(request(notes, storage))).resolves.toEqual(before);
  });

  it('reloads by itself when watching and the bundle is replaced atomically', async () => {
    engine.watch();
    const revision = new Promise<number>((resolve) => engine.onChange(resolve));
    // Give the watcher a moment to arm, then replace data.json the way an editor does.
    await new Promise((r) => setTimeout(r, 50));
    atomicWrite(join(dir, 'data.json'), denyNotes);
    await expect(revision).resolves.toBe(2);
    expect((await engine.decide(request(notes, storage))).reason).toBe(
      'denied by deny list: notes -> *',
    );
  });

  it('keeps the old policy when a watched change is broken, and reports it', async () => {
    engine.watch();
    const reported = new Promise<TesseraError>((resolve) => engine.onError(resolve));
    await new Promise((r) => setTimeout(r, 50));
    atomicWrite(join(dir, 'data.json'), 'garbage');
    expect((await reported).message).toContain('is not valid JSON');
    expect(engine.revision).toBe(1);
    expect((await engine.decide(request(notes, storage))).ttlSeconds).toBe(3600);
  });
});
