/**
 * Reloads of the default policy (policies/build, real wasm) that would hurt
 * the running app are refused before anything is revoked, and the old
 * policy keeps deciding: a data.json that is not a JSON object, and a policy
 * that would revoke every live grant to the core (unless forced, by
 * `reload({ force: true })` or `policy.allowRevokeAll` in the app config).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, resolveToken, type TesseraError } from '@tessera/protocol';
import { OpaPolicyEngine, POLICY_ENGINE, silentPolicyLogger } from '@tessera/policy';
import { startApp } from '../../index';
import {
  BUILD_TIMEOUT_MS,
  DEFAULT_BUILD,
  type Stack,
  atomicWrite,
  copyBundle,
  defaultData,
  ensureDefaultPolicyBuilt,
  scratch,
  useDefaultPolicyStack,
  within,
  writeData,
} from './support';

beforeAll(ensureDefaultPolicyBuilt, BUILD_TIMEOUT_MS);

const DENY_ALL = [{ caller: '*', target: '*', reason: 'typo' }];
const coreGrants = (s: Stack) => s.app.core.capability.grants().filter((g) => g.target === 'core');

/** A live core grant for `eve` (a non-module identity) and a token reader→store, both working. */
async function liveGrants(s: Stack) {
  await s.app.core.issueToken('eve', 'core', []);
  const { token } = await s.app.core.issueToken('reader', 'store');
  const peer = await s.dial('store', 'reader');
  await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
  return { token, peer };
}

describe('reloading the default policy: refused before anything is revoked', () => {
  const t = useDefaultPolicyStack('tessera-reload-safety-');

  it('refuses a reload that would revoke every live grant to the core; forced, it goes through', async () => {
    const { token, peer } = await liveGrants(t.s);
    const before = t.s.app.core.capability.grants();
    const toCore = coreGrants(t.s);
    expect(toCore.length).toBeGreaterThan(0);

    writeData(
      t.bundle,
      defaultData((d) => (d.tessera.deny = DENY_ALL)),
    );
    const refused = await t.s.engine.reload();
    await t.s.app.core.capability.settled();

    expect(refused).toMatchObject({ ok: false, revision: 1 });
    const error = refused.ok ? undefined : refused.error;
    expect(error?.code).toBe(ErrorCode.FAILED_PRECONDITION);
    expect(error?.message).toContain(
      `policy reload refused: it would revoke all ${toCore.length} live grants to the core`,
    );
    expect(error?.message).toContain('reload with { force: true }');
    expect(error?.message).toContain('policy.allowRevokeAll: true');
    expect(t.s.engine.revision).toBe(1);
    expect(t.s.app.core.capability.grants()).toEqual(before);
    expect(t.s.events.filter((e) => e.kind === 'revoked')).toEqual([]);
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    await expect(t.s.app.core.issueToken('reader', 'store')).resolves.toMatchObject({
      generation: 1,
    });

    await expect(t.s.engine.reload({ force: true })).resolves.toMatchObject({
      ok: true,
      revision: 2,
    });
    await t.s.app.core.capability.settled();
    expect(t.s.app.core.capability.grants()).toEqual([]);
    expect(t.s.events.filter((e) => e.kind === 'revoked').length).toBe(before.length);
  });

  it('lets a reload through that revokes some grants to the core but not all', async () => {
    await liveGrants(t.s);
    const others = coreGrants(t.s).filter((g) => g.caller !== 'eve');
    writeData(
      t.bundle,
      defaultData((d) => (d.tessera.deny = [{ caller: 'eve', target: 'core', reason: 'gone' }])),
    );
    await expect(t.s.engine.reload()).resolves.toMatchObject({ ok: true, revision: 2 });
    await t.s.app.core.capability.settled();
    expect(coreGrants(t.s).map((g) => g.caller)).toEqual(others.map((g) => g.caller));
    expect(t.s.events.filter((e) => e.kind === 'revoked')).toEqual([
      expect.objectContaining({
        grant: expect.objectContaining({ caller: 'eve', target: 'core' }),
        reason: 'policy reload: denied by deny list: eve -> core (gone)',
      }),
    ]);
  });

  it('rejects a data.json that is valid JSON but not an object; grants and calls unchanged', async () => {
    const { token, peer } = await liveGrants(t.s);
    const before = t.s.app.core.capability.grants();
    for (const [json, type] of [
      ['[1,2,3]', 'array'],
      ['42', 'number'],
      ['null', 'null'],
      ['"x"', 'string'],
    ]) {
      atomicWrite(join(t.bundle, 'data.json'), json as string);
      const outcome = await t.s.engine.reload();
      await t.s.app.core.capability.settled();
      expect({ json, ok: outcome.ok, revision: outcome.revision }).toEqual({
        json,
        ok: false,
        revision: 1,
      });
      expect(outcome.ok ? undefined : [outcome.error.code, outcome.error.message]).toEqual([
        ErrorCode.INVALID_ARGUMENT,
        expect.stringContaining(`data.json must be a JSON object, got ${type}`),
      ]);
    }
    expect(t.s.app.core.capability.grants()).toEqual(before);
    expect(t.s.events.filter((e) => e.kind === 'revoked')).toEqual([]);
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
  });
});

describe('a watched reload that would cut everyone off from the core', () => {
  const t = useDefaultPolicyStack('tessera-reload-safety-watch-', true);

  it('is refused by itself, reported to the error listeners, and the old policy stays', async () => {
    await liveGrants(t.s);
    const before = t.s.app.core.capability.grants();
    const errors: TesseraError[] = [];
    t.s.engine.onError((e) => errors.push(e));
    await new Promise((r) => setTimeout(r, 50)); // let the watcher arm
    writeData(
      t.bundle,
      defaultData((d) => (d.tessera.deny = DENY_ALL)),
    );
    await within(5_000, 'the refusal', () => errors.length > 0);
    expect(errors[0]?.code).toBe(ErrorCode.FAILED_PRECONDITION);
    expect(t.s.engine.revision).toBe(1);
    await t.s.app.core.capability.settled();
    expect(t.s.app.core.capability.grants()).toEqual(before);
  });
});

describe('policy.allowRevokeAll in the app config', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** An app with no modules, in-process, its own copy of the default bundle; the operator holds a core grant. */
  async function app(policy: Record<string, unknown>) {
    const dir = scratch('tessera-allow-revoke-all-');
    dirs.push(dir);
    const bundle = copyBundle(DEFAULT_BUILD, (mkdirSync(join(dir, 'policy')), join(dir, 'policy')));
    const configFile = join(dir, 'tessera.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        modules: [],
        isolation: 'in-process',
        transport: { kind: 'inproc' },
        audit: { kind: 'none' },
        policy: { bundle: './policy', ...policy },
      }),
    );
    const running = await startApp(configFile, {
      operator: false,
      policyLogger: silentPolicyLogger,
    });
    const engine = resolveToken(running.app.container, POLICY_ENGINE);
    expect(engine).toBeInstanceOf(OpaPolicyEngine);
    await running.app.core.issueToken('operator', 'core', []);
    writeData(
      bundle,
      defaultData((d) => (d.tessera.deny = DENY_ALL)),
    );
    return { running, engine: engine as OpaPolicyEngine };
  }

  it('absent: a reload that revokes the last grant to the core is refused', async () => {
    const { running, engine } = await app({});
    try {
      await expect(engine.reload()).resolves.toMatchObject({
        ok: false,
        error: expect.objectContaining({ code: ErrorCode.FAILED_PRECONDITION }),
      });
      expect(running.app.core.capability.grants()).toHaveLength(1);
    } finally {
      await running.close();
    }
  });

  it('true: the same reload goes in force and revokes it', async () => {
    const { running, engine } = await app({ allowRevokeAll: true });
    try {
      await expect(engine.reload()).resolves.toMatchObject({ ok: true, revision: 2 });
      await running.app.core.capability.settled();
      expect(running.app.core.capability.grants()).toEqual([]);
    } finally {
      await running.close();
    }
  });
});
