import { ErrorCode, type TesseraError } from '@tessera/protocol';
import { type Harness, executed, mintToken, resetExecuted, startApp } from './fixtures';
import { codeOf } from '@tessera/protocol/testing';
import { createTessera } from '../lib/tessera';
import { pinnedKeys } from './identities';

// Over ipc as well: a carrier that encodes frames sends a repeated token once
// and then names its slot, and every check must hold for those calls too.
describe.each(['inproc', 'ipc'])('the token flow, end to end in one process, over %s', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    resetExecuted();
    h = await startApp(
      [
        { caller: 'alice', target: 'vault', methods: ['read'], ttlSeconds: 60 },
        { caller: 'bob', target: 'vault', methods: ['read', 'write', 'event:changed'] },
        { caller: 'eve', target: 'other', methods: ['ping'] },
        { caller: 'eve', target: 'alice', methods: ['readVault', 'writeVault', 'callWithTimeout'] },
      ],
      { transport: { kind } },
    );
  });
  afterEach(() => h.close());

  it('lets a module call another through its typed client: policy asked once, target informed, token cached', async () => {
    const events: string[] = [];
    h.app.core.capability.onEvent((e) =>
      events.push(`${e.kind}:${'grant' in e ? `${e.grant.caller}->${e.grant.target}` : ''}`),
    );
    const { token } = await h.app.core.issueToken('eve', 'alice', []);
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/);
    const alice = await h.dial('alice', 'eve');
    await expect(alice.call('readVault', ['greeting'], { token })).resolves.toBe('hello');
    await expect(alice.call('readVault', ['greeting'], { token })).resolves.toBe('hello');
    expect(executed['read']).toBe(2);
    expect(
      h.policy.asked.filter((i) => i.subject.name === 'alice' && i.target.name === 'vault'),
    ).toHaveLength(1);
    expect(events).toEqual(['granted:eve->alice', 'granted:alice->vault']);
    // The error of a denied downstream call propagates with its code through alice.
    expect(await codeOf(alice.call('writeVault', ['k', 1], { token }))).toBe(
      ErrorCode.PERMISSION_DENIED,
    );
    expect(executed['write']).toBeUndefined();
  });

  it('re-requests a token once, transparently, after expiry or revocation', async () => {
    const { token } = await h.app.core.issueToken('eve', 'alice', []);
    const alice = await h.dial('alice', 'eve');
    await expect(alice.call('readVault', ['greeting'], { token })).resolves.toBe('hello');
    await h.app.core.capability.release('alice', 'vault');
    await expect(alice.call('readVault', ['greeting'], { token })).resolves.toBe('hello');
    const grant = h.app.core.capability
      .grants()
      .find((g) => g.caller === 'alice' && g.target === 'vault');
    h.clock.now = (grant?.expiresAt ?? 0) + 1; // alice->vault expired (eve->alice has an hour)
    await expect(alice.call('readVault', ['greeting'], { token })).resolves.toBe('hello');
    expect(
      h.policy.asked.filter((i) => i.subject.name === 'alice' && i.target.name === 'vault'),
    ).toHaveLength(3);
    expect(executed['read']).toBe(3);
  });

  it('rejects an empty token before any module code runs', async () => {
    await h.app.core.issueToken('bob', 'vault', []); // bob holds a grant, so his key gets past the handshake
    const peer = await h.dial('vault', 'bob');
    expect(await codeOf(peer.call('read', ['greeting'], { token: '' }))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    expect(executed['read']).toBeUndefined();
  });

  it('rejects a random token before any module code runs', async () => {
    await h.app.core.issueToken('bob', 'vault', []);
    const peer = await h.dial('vault', 'bob');
    for (const token of [mintToken(), 'x'.repeat(45), 'not a token', '\u0000']) {
      expect(await codeOf(peer.call('read', ['greeting'], { token }))).toBe(
        ErrorCode.UNAUTHENTICATED,
      );
    }
    expect(executed['read']).toBeUndefined();
  });

  it("rejects another pair's token: a token for other is unknown to vault, and bob's token on alice's connection fails", async () => {
    const forOther = await h.app.core.issueToken('eve', 'other', []);
    const aliceTok = await h.app.core.issueToken('alice', 'vault', []);
    const bobTok = await h.app.core.issueToken('bob', 'vault', []);
    const peer = await h.dial('vault', 'alice');
    expect(await codeOf(peer.call('read', ['greeting'], { token: forOther.token }))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    await expect(peer.call('read', ['greeting'], { token: aliceTok.token })).resolves.toBe('hello'); // binds to alice
    expect(executed['read']).toBe(1);
    expect(await codeOf(peer.call('read', ['greeting'], { token: bobTok.token }))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    expect(await codeOf(peer.call('write', ['k', 1], { token: bobTok.token }))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    expect(executed['read']).toBe(1);
    expect(executed['write']).toBeUndefined();
  });

  it('rejects a method the grant does not cover', async () => {
    const { token } = await h.app.core.issueToken('alice', 'vault', []);
    const peer = await h.dial('vault', 'alice');
    expect(await codeOf(peer.call('write', ['k', 1], { token }))).toBe(ErrorCode.PERMISSION_DENIED);
    expect(await codeOf(peer.call('sum', [1, 2], { token }))).toBe(ErrorCode.PERMISSION_DENIED);
    expect(executed['write']).toBeUndefined();
    expect(executed['sum']).toBeUndefined();
  });

  it('rejects an expired token on the very next call', async () => {
    const { token, expiresAt } = await h.app.core.issueToken('alice', 'vault', []);
    const peer = await h.dial('vault', 'alice');
    await expect(peer.call('read', ['greeting'], { token })).resolves.toBe('hello');
    h.clock.now = expiresAt;
    expect(await codeOf(peer.call('read', ['greeting'], { token }))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    expect(executed['read']).toBe(1);
  });

  it('rejects a revoked token on the very next call', async () => {
    const { token } = await h.app.core.issueToken('alice', 'vault', []);
    const peer = await h.dial('vault', 'alice');
    await expect(peer.call('read', ['greeting'], { token })).resolves.toBe('hello');
    await h.app.core.capability.release('alice', 'vault', 'operator revoked');
    expect(await codeOf(peer.call('read', ['greeting'], { token }))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    expect(executed['read']).toBe(1);
  });

  it('never dispatches constructor, __proto__, toString or hasOwnProperty, even when a grant names them', async () => {
    h.policy.setRules([
      ...coreRulesFor(),
      { caller: 'bob', target: 'vault', methods: ['read'] },
      {
        caller: 'alice',
        target: 'vault',
        methods: ['read', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'],
      },
    ]);
    await h.app.core.capability.settled();
    const { token } = await h.app.core.issueToken('alice', 'vault', []);
    const peer = await h.dial('vault', 'alice');
    for (const m of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(await codeOf(peer.call(m, [], { token }))).toBe(ErrorCode.METHOD_NOT_FOUND);
    }
    const plain = await h.app.core.issueToken('bob', 'vault', []);
    const peer2 = await h.dial('vault', 'bob');
    for (const m of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      // A live grant that lacks it: not a method of vault, whatever the grant says.
      expect(await codeOf(peer2.call(m, [], { token: plain.token }))).toBe(
        ErrorCode.METHOD_NOT_FOUND,
      );
    }
    expect(Object.keys(executed)).toEqual([]);
  });

  it('rejects a requestModule that claims another module; the identity comes from the channel', async () => {
    const eveCore = await h.app.core.issueToken('eve', 'core', []);
    const core = await h.dial('core', 'eve');
    const askedBefore = h.policy.asked.length;
    expect(
      await codeOf(
        core.call('requestModule', [{ from: 'alice', to: 'vault' }], { token: eveCore.token }),
      ),
    ).toBe(ErrorCode.PERMISSION_DENIED);
    expect(h.policy.asked.length).toBe(askedBefore); // the policy was never even asked
    // Without the claim, the request is decided for eve, who has no rule for vault.
    const err = await core
      .call('requestModule', [{ to: 'vault' }], { token: eveCore.token })
      .catch((e: TesseraError) => e);
    expect((err as TesseraError).code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(h.policy.asked.at(-1)?.subject.name).toBe('eve');
    expect(
      h.app.core.capability.grants().some((g) => g.target === 'vault' && g.caller === 'eve'),
    ).toBe(false);
    expect(Object.keys(executed)).toEqual([]);
  });

  it('does not accept a module token as a core token, nor a core token at a module', async () => {
    const aliceTok = await h.app.core.issueToken('alice', 'vault', []);
    const core = await h.dial('core', 'alice');
    expect(
      await codeOf(core.call('requestModule', [{ to: 'vault' }], { token: aliceTok.token })),
    ).toBe(ErrorCode.UNAUTHENTICATED);
    const eveCore = await h.app.core.issueToken('eve', 'core', []);
    await expect(h.dial('vault', 'eve')).rejects.toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
    await h.app.core.issueToken('bob', 'vault', []);
    const vault = await h.dial('vault', 'bob');
    expect(await codeOf(vault.call('read', ['greeting'], { token: eveCore.token }))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    expect(Object.keys(executed)).toEqual([]);
  });
});

describe.each(['inproc', 'ipc'])(
  'identity is proven by the channel, never by the token shown, over %s',
  (kind) => {
    let h: Harness;
    beforeEach(async () => {
      resetExecuted();
      h = await startApp(
        [
          { caller: 'alice', target: 'vault', methods: ['read'] },
          { caller: 'bob', target: 'vault', methods: ['read', 'write'] },
          { caller: 'mallory', target: 'other', methods: ['ping'] },
        ],
        { transport: { kind } },
      );
    });
    afterEach(() => h.close());

    it("a sibling's token replayed on a connection proven as someone else is UNAUTHENTICATED", async () => {
      const aliceTok = await h.app.core.issueToken('alice', 'vault', []);
      const bobTok = await h.app.core.issueToken('bob', 'vault', []);
      // bob holds his own grant on vault, so he gets in; alice's token is still not his.
      const asBob = await h.dial('vault', 'bob');
      await expect(asBob.call('read', ['greeting'], { token: bobTok.token })).resolves.toBe(
        'hello',
      );
      expect(await codeOf(asBob.call('read', ['greeting'], { token: aliceTok.token }))).toBe(
        ErrorCode.UNAUTHENTICATED,
      );
      // ... even on a fresh connection, where it is the first token shown.
      const fresh = await h.dial('vault', 'bob');
      expect(await codeOf(fresh.call('read', ['greeting'], { token: aliceTok.token }))).toBe(
        ErrorCode.UNAUTHENTICATED,
      );
      expect(executed['read']).toBe(1);
    });

    it('a module with no grant on the target cannot even finish the handshake, whatever it stole', async () => {
      await h.app.core.issueToken('mallory', 'other', []);
      const err = await h.dial('vault', 'mallory').catch((e: TesseraError) => e);
      expect((err as TesseraError).code).toBe(ErrorCode.UNAUTHENTICATED);
      expect((err as TesseraError).message).toMatch(/not admitted/);
    });

    it('a connection that skips the handshake is dropped before any call is read', async () => {
      const aliceTok = await h.app.core.issueToken('alice', 'vault', []);
      const raw = await h.dialRaw('vault');
      expect(await codeOf(raw.call('read', ['greeting'], { token: aliceTok.token }))).toBe(
        ErrorCode.UNAVAILABLE,
      );
      expect(executed['read']).toBeUndefined();
    });

    it("a core token replayed on another identity's core channel gets nothing issued", async () => {
      const eveCore = await h.app.core.issueToken('eve', 'core', []);
      const asMallory = await h.dial('core', 'mallory');
      expect(
        await codeOf(asMallory.call('requestModule', [{ to: 'vault' }], { token: eveCore.token })),
      ).toBe(ErrorCode.UNAUTHENTICATED);
      expect(
        h.app.core.capability
          .grants()
          .some((g) => g.target === 'vault' && g.caller !== 'alice' && g.caller !== 'bob'),
      ).toBe(false);
    });
  },
);

function coreRulesFor() {
  return ['vault', 'alice', 'bob', 'other', 'eve'].map((caller) => ({
    caller,
    target: 'core',
    methods: ['register', 'requestModule', 'releaseModule'],
  }));
}

describe('pinned identity keys', () => {
  it('refuses a reserved identity, one key for two names, and a mismatched key pair', async () => {
    const [k1, k2] = Object.values(pinnedKeys(['x', 'y']));
    for (const [identityKeys, why] of [
      [{ operator: k1 }, /'operator' is reserved/],
      [{ core: k1 }, /'core' is reserved/],
      [{ a: k1, b: k1 }, /'b' and 'a' share one key/],
      [{ a: { publicKey: k2!.publicKey, privateKey: k1!.privateKey } }, /does not match/],
    ] as const) {
      await expect(createTessera({ identityKeys })).rejects.toMatchObject({
        code: ErrorCode.INVALID_ARGUMENT,
        message: expect.stringMatching(why),
      });
    }
  });
});
