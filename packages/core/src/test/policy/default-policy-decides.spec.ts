/**
 * The default policy (policies/build), compiled to wasm, decides every token:
 * what the manifests match is allowed with the data's TTL, everything else is
 * denied, and the method scope and expiry hold on the call path itself.
 */
import { ErrorCode } from '@tessera/protocol';
import { codeOf, errorOf } from '@tessera/protocol/testing';
import {
  BUILD_TIMEOUT_MS,
  defaultData,
  ensureDefaultPolicyBuilt,
  executed,
  grantOf,
  writeData,
  useDefaultPolicyStack,
} from './support';

beforeAll(ensureDefaultPolicyBuilt, BUILD_TIMEOUT_MS);

describe('the default Rego policy, compiled to wasm, decides every token end to end', () => {
  const t = useDefaultPolicyStack('tessera-policy-decides-');

  it('allows what the manifests match: reader (requires kv-read) gets [get] on store for the data TTL, and the call runs', async () => {
    expect(t.s.engine.revision).toBe(1);
    const issued = await t.s.app.core.issueToken('reader', 'store');
    expect(issued.methods).toEqual(['get']);
    expect(issued.generation).toBe(1);
    expect(issued.expiresAt).toBe(t.s.clock.now + 3600 * 1000); // data.tessera.ttl.default_seconds
    expect(grantOf(t.s, 'reader', 'store')?.reason).toBe(
      'reader requires kv-read provided by store',
    );

    const peer = await t.s.dial('store', 'reader');
    await expect(peer.call('get', ['greeting'], { token: issued.token })).resolves.toBe('hello');
    // Module to module: reader's own client asks the core on its channel, gets a token, calls.
    const eve = await t.s.app.core.issueToken('eve', 'reader');
    const viaReader = await t.s.dial('reader', 'eve');
    await expect(viaReader.call('readStore', ['greeting'], { token: eve.token })).resolves.toBe(
      'hello',
    );
    expect(executed['get']).toBe(2);
  });

  it('denies what no rule allows: no token, no grant, no module code', async () => {
    const err = await errorOf(t.s.app.core.issueToken('stranger', 'store'));
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).toBe('stranger does not require any capability store provides');
    const alsoDenied = await errorOf(t.s.app.core.issueToken('store', 'reader'));
    expect(alsoDenied.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(grantOf(t.s, 'stranger', 'store')).toBeUndefined();
    expect(grantOf(t.s, 'store', 'reader')).toBeUndefined();
    // Asking for a method outside the policy's offer is a deny too.
    const scoped = await errorOf(t.s.app.core.issueToken('reader', 'store', ['set']));
    expect(scoped.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(scoped.message).toContain('none of the requested methods');
    expect(executed['get']).toBeUndefined();
    expect(executed['set']).toBeUndefined();
  });

  it('enforces the method scope on the call path: get runs, set is PERMISSION_DENIED at the store and never runs', async () => {
    const { token } = await t.s.app.core.issueToken('reader', 'store');
    const peer = await t.s.dial('store', 'reader');
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    expect(await codeOf(peer.call('set', ['greeting', 'pwned'], { token }))).toBe(
      ErrorCode.PERMISSION_DENIED,
    );
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    // The same through reader's client (its own request replaces the pair's grant, one per
    // pair): the store refuses set, and the code reaches back through reader.
    const eve = await t.s.app.core.issueToken('eve', 'reader');
    const viaReader = await t.s.dial('reader', 'eve');
    await expect(viaReader.call('readStore', ['greeting'], { token: eve.token })).resolves.toBe(
      'hello',
    );
    expect(
      await codeOf(viaReader.call('writeStore', ['greeting', 'pwned'], { token: eve.token })),
    ).toBe(ErrorCode.PERMISSION_DENIED);
    expect(executed['set']).toBeUndefined();
    expect(executed['get']).toBe(3);
  });

  it('expires a token at the TTL the policy data sets (data.tessera.ttl.per_target), on the next call', async () => {
    writeData(
      t.bundle,
      defaultData((d) => (d.tessera.ttl.per_target = { store: 30 })),
    );
    await expect(t.s.engine.reload()).resolves.toMatchObject({ ok: true, revision: 2 });
    await t.s.app.core.capability.settled();

    const issuedAt = t.s.clock.now;
    const { token, expiresAt } = await t.s.app.core.issueToken('reader', 'store');
    expect(expiresAt).toBe(issuedAt + 30_000);
    const peer = await t.s.dial('store', 'reader');
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    t.s.clock.now = issuedAt + 29_999;
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    t.s.clock.now = issuedAt + 30_000;
    expect(await codeOf(peer.call('get', ['greeting'], { token }))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(executed['get']).toBe(2);
    // Other targets keep the default TTL.
    const eve = await t.s.app.core.issueToken('eve', 'reader');
    expect(eve.expiresAt).toBe(t.s.clock.now + 3600 * 1000);
  });
});
