/**
 * Reloading the default policy (policies/build): a reload whose data denies a
 * live grant revokes it, and a bad bundle is rejected while the old policy
 * keeps deciding.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@tessera/protocol';
import { codeOf, errorOf } from '@tessera/protocol/testing';
import {
  BUILD_TIMEOUT_MS,
  atomicWrite,
  defaultData,
  ensureDefaultPolicyBuilt,
  executed,
  grantOf,
  writeData,
  useDefaultPolicyStack,
} from './support';

beforeAll(ensureDefaultPolicyBuilt, BUILD_TIMEOUT_MS);

describe('reloading the default Rego policy, compiled to wasm', () => {
  const t = useDefaultPolicyStack('tessera-policy-reload-');

  it('revokes a live grant when a reload denies it (data.tessera.deny): the next call is UNAUTHENTICATED', async () => {
    const { token } = await t.s.app.core.issueToken('reader', 'store');
    const peer = await t.s.dial('store', 'reader');
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    const eve = await t.s.app.core.issueToken('eve', 'reader');

    writeData(
      t.bundle,
      defaultData(
        (d) => (d.tessera.deny = [{ caller: 'reader', target: 'store', reason: 'test' }]),
      ),
    );
    await expect(t.s.engine.reload()).resolves.toMatchObject({ ok: true, revision: 2 });
    await t.s.app.core.capability.settled();

    expect(grantOf(t.s, 'reader', 'store')).toBeUndefined();
    expect(grantOf(t.s, 'eve', 'reader')).toBeDefined(); // untouched by the deny entry
    expect(t.s.events.filter((e) => e.kind === 'revoked')).toEqual([
      expect.objectContaining({
        reason: 'policy reload: denied by deny list: reader -> store (test)',
      }),
    ]);
    expect(await codeOf(peer.call('get', ['greeting'], { token }))).toBe(ErrorCode.UNAUTHENTICATED);
    // reader's client drops its token, asks again, and is refused by the new policy.
    const viaReader = await t.s.dial('reader', 'eve');
    const err = await errorOf(viaReader.call('readStore', ['greeting'], { token: eve.token }));
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).toContain('denied by deny list: reader -> store');
    expect(executed['get']).toBe(1);
  });

  it('rejects a bad bundle and keeps the old policy: grants, tokens and calls unchanged', async () => {
    const { token } = await t.s.app.core.issueToken('reader', 'store');
    const peer = await t.s.dial('store', 'reader');
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    const grantsBefore = t.s.app.core.capability.grants();
    const goodWasm = readFileSync(join(t.bundle, 'policy.wasm'));
    const goodData = readFileSync(join(t.bundle, 'data.json'));

    const breakages: Array<[string, () => void, string]> = [
      [
        'data.json',
        () => atomicWrite(join(t.bundle, 'data.json'), '{"tessera": '),
        'not valid JSON',
      ],
      [
        'policy.wasm',
        () => atomicWrite(join(t.bundle, 'policy.wasm'), 'not wasm'),
        'invalid policy.wasm',
      ],
    ];
    for (const [what, breakIt, message] of breakages) {
      breakIt();
      const outcome = await t.s.engine.reload();
      await t.s.app.core.capability.settled();
      expect({ what, ok: outcome.ok, revision: outcome.revision }).toEqual({
        what,
        ok: false,
        revision: 1,
      });
      expect(outcome.ok ? '' : outcome.error.message).toContain(message);
      expect(t.s.engine.revision).toBe(1);
      expect(t.s.app.core.capability.grants()).toEqual(grantsBefore);
      await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
      expect(await codeOf(peer.call('set', ['k', 1], { token }))).toBe(ErrorCode.PERMISSION_DENIED);
      atomicWrite(join(t.bundle, 'data.json'), goodData);
      atomicWrite(join(t.bundle, 'policy.wasm'), goodWasm);
    }
    expect(t.s.events.map((e) => e.kind)).toEqual(['granted']);
    // New requests are still decided by the old policy.
    const again = await t.s.app.core.issueToken('reader', 'store');
    expect(again).toMatchObject({ methods: ['get'], generation: 1 });
    expect(executed['get']).toBe(3);
    expect(executed['set']).toBeUndefined();
  });
});
