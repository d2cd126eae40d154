/**
 * A watched default policy bundle reloads by itself when its data.json is
 * replaced atomically, exactly once, and the reload revokes what it denies.
 */
import { ErrorCode } from '@tessera/protocol';
import { codeOf } from '@tessera/protocol/testing';
import {
  BUILD_TIMEOUT_MS,
  defaultData,
  ensureDefaultPolicyBuilt,
  executed,
  grantOf,
  within,
  writeData,
  useDefaultPolicyStack,
} from './support';

beforeAll(ensureDefaultPolicyBuilt, BUILD_TIMEOUT_MS);

describe('watching the default policy bundle', () => {
  const t = useDefaultPolicyStack('tessera-policy-watch-', true);

  it('picks up an atomically replaced data.json by itself, once, and revokes the grant it denies', async () => {
    const { token } = await t.s.app.core.issueToken('reader', 'store');
    const peer = await t.s.dial('store', 'reader');
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    const revisions: number[] = [];
    t.s.engine.onChange((r) => revisions.push(r));
    await new Promise((r) => setTimeout(r, 100)); // let the watcher arm

    writeData(
      t.bundle,
      defaultData((d) => (d.tessera.deny = [{ caller: '*', target: 'store' }])),
    );
    await within(10_000, 'the watcher to reload the policy', () => revisions.length > 0);
    await t.s.app.core.capability.settled();
    await new Promise((r) => setTimeout(r, 300)); // a second (spurious) reload would show up here
    expect(revisions).toEqual([2]);
    expect(t.s.engine.revision).toBe(2);

    expect(grantOf(t.s, 'reader', 'store')).toBeUndefined();
    expect(await codeOf(peer.call('get', ['greeting'], { token }))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(executed['get']).toBe(1);
  });
});
