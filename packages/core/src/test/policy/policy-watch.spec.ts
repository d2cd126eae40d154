/**
 * A watched default policy bundle reloads by itself when its data.json is
 * replaced atomically, exactly once, and the reload revokes what it denies.
 */
import { rmSync } from 'node:fs';
import { ErrorCode } from '@tessera/protocol';
import { codeOf } from '@tessera/protocol/testing';
import {
  BUILD_TIMEOUT_MS,
  DEFAULT_BUILD,
  copyBundle,
  defaultData,
  ensureDefaultPolicyBuilt,
  executed,
  grantOf,
  resetExecuted,
  scratch,
  startStack,
  within,
  writeData,
  type Stack,
} from './support';

beforeAll(ensureDefaultPolicyBuilt, BUILD_TIMEOUT_MS);

describe('watching the default policy bundle', () => {
  let bundle: string;
  let s: Stack;

  beforeEach(async () => {
    resetExecuted();
    bundle = copyBundle(DEFAULT_BUILD, scratch('tessera-policy-watch-'));
    s = await startStack(bundle, true);
  });
  afterEach(async () => {
    await s.close();
    rmSync(bundle, { recursive: true, force: true });
  });

  it('picks up an atomically replaced data.json by itself, once, and revokes the grant it denies', async () => {
    const { token } = await s.app.core.issueToken('reader', 'store');
    const peer = await s.dial('store');
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    const revisions: number[] = [];
    s.engine.onChange((r) => revisions.push(r));
    await new Promise((r) => setTimeout(r, 100)); // let the watcher arm

    writeData(
      bundle,
      defaultData((d) => (d.tessera.deny = [{ caller: '*', target: 'store' }])),
    );
    await within(10_000, 'the watcher to reload the policy', () => revisions.length > 0);
    await s.app.core.capability.settled();
    await new Promise((r) => setTimeout(r, 300)); // a second (spurious) reload would show up here
    expect(revisions).toEqual([2]);
    expect(s.engine.revision).toBe(2);

    expect(grantOf(s, 'reader', 'store')).toBeUndefined();
    expect(await codeOf(peer.call('get', ['greeting'], { token }))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(executed['get']).toBe(1);
  });
});
