/**
 * A fixture policy whose methods come from data (../fixtures/scoped-policy),
 * compiled to wasm here: a reload that shrinks a pair's methods narrows the
 * live grant in place, and one that drops the pair revokes it.
 */
import { rmSync } from 'node:fs';
import { ErrorCode } from '@tessera/protocol';
import { codeOf } from '@tessera/protocol/testing';
import {
  BUILD_TIMEOUT_MS,
  buildScopedBundle,
  copyBundle,
  executed,
  grantOf,
  resetExecuted,
  scopedData,
  scratch,
  startStack,
  writeData,
  type Stack,
} from './support';

describe('a data-scoped fixture policy, compiled to wasm: reload narrows a live grant', () => {
  let built: string;
  let bundle: string;
  let s: Stack;

  beforeAll(async () => {
    built = scratch('tessera-scoped-build-');
    await buildScopedBundle(built);
  }, BUILD_TIMEOUT_MS);
  afterAll(() => rmSync(built, { recursive: true, force: true }));

  beforeEach(async () => {
    resetExecuted();
    bundle = copyBundle(built, scratch('tessera-scoped-live-'));
    s = await startStack(bundle);
  });
  afterEach(async () => {
    await s.close();
    rmSync(bundle, { recursive: true, force: true });
  });

  /** Reload with reader -> store shrunk to [get]. */
  async function narrowReaderToGet(): Promise<void> {
    const narrower = scopedData();
    narrower.grants['reader'] = { store: ['get'] };
    writeData(bundle, narrower);
    await expect(s.engine.reload()).resolves.toMatchObject({ ok: true, revision: 2 });
    await s.app.core.capability.settled();
  }

  it('narrows: set worked before the reload and is PERMISSION_DENIED after; get keeps working on the same token', async () => {
    const { token, methods, expiresAt } = await s.app.core.issueToken('reader', 'store');
    expect(methods).toEqual(['get', 'set']);
    expect(expiresAt).toBe(s.clock.now + 600_000); // data.ttl_seconds
    const peer = await s.dial('store', 'reader');
    await expect(peer.call('set', ['greeting', 'hi'], { token })).resolves.toBe(true);
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hi');
    const eve = await s.app.core.issueToken('eve', 'reader');

    await narrowReaderToGet();

    expect(grantOf(s, 'reader', 'store')?.methods).toEqual(['get']);
    expect(s.events.filter((e) => e.kind === 'narrowed')).toEqual([
      expect.objectContaining({ from: ['get', 'set'] }),
    ]);
    expect(await codeOf(peer.call('set', ['greeting', 'pwned'], { token }))).toBe(
      ErrorCode.PERMISSION_DENIED,
    );
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hi');
    expect(executed['set']).toBe(1);
    expect(executed['get']).toBe(2);
    // eve -> reader was not touched by the change.
    expect(grantOf(s, 'eve', 'reader')).toMatchObject({
      methods: ['readStore', 'writeStore'],
      expiresAt: eve.expiresAt,
    });
  });

  it("narrows the grant a module's client holds: writeStore fails after the reload, readStore works without a new token", async () => {
    const eve = await s.app.core.issueToken('eve', 'reader');
    const viaReader = await s.dial('reader', 'eve');
    await expect(
      viaReader.call('writeStore', ['greeting', 'hey'], { token: eve.token }),
    ).resolves.toBe(true);
    const before = grantOf(s, 'reader', 'store');
    expect(before?.methods).toEqual(['get', 'set']);

    await narrowReaderToGet();

    expect(
      await codeOf(viaReader.call('writeStore', ['greeting', 'pwned'], { token: eve.token })),
    ).toBe(ErrorCode.PERMISSION_DENIED);
    await expect(viaReader.call('readStore', ['greeting'], { token: eve.token })).resolves.toBe(
      'hey',
    );
    // Same grant (same token id), narrowed in place: no re-request was needed or made.
    expect(grantOf(s, 'reader', 'store')).toMatchObject({ id: before?.id, methods: ['get'] });
    expect(s.events.filter((e) => e.kind === 'granted')).toHaveLength(2); // eve->reader, reader->store
    expect(executed['set']).toBe(1);
    expect(executed['get']).toBe(1);
  });

  it('revokes when the data removes the pair entirely: the next call is UNAUTHENTICATED', async () => {
    const { token } = await s.app.core.issueToken('reader', 'store');
    const peer = await s.dial('store', 'reader');
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    const none = scopedData();
    delete none.grants['reader'];
    writeData(bundle, none);
    await expect(s.engine.reload()).resolves.toMatchObject({ ok: true, revision: 2 });
    await s.app.core.capability.settled();
    expect(grantOf(s, 'reader', 'store')).toBeUndefined();
    expect(await codeOf(peer.call('get', ['greeting'], { token }))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(executed['get']).toBe(1);
  });
});
