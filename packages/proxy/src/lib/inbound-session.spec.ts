import { ErrorCode } from '@tessera/protocol';
import { codeOf } from '@tessera/protocol/testing';
import { TokenManager, mintToken } from '@tessera/token-manager';
import { RpcPeer } from '@tessera/transport';
import { InProcHub, InProcTransport } from '@tessera/transport-inproc';
import { openInboundSession, type InboundSessionOptions } from './inbound-session';
import { ModuleProxy } from './module-proxy';

/** The door over the real in-process carrier: one session per connection. */
describe('openInboundSession (the one door)', () => {
  let transport: InProcTransport;
  let tokens: TokenManager;
  let ran: string[];
  const grant = (caller: string, methods: string[]): string => {
    const token = mintToken();
    tokens.addGrant(token, { caller, methods, expiresAt: Date.now() + 60_000, generation: 1 });
    return token;
  };
  const serve = async (extra: Partial<InboundSessionOptions> = {}) => {
    const proxy = new ModuleProxy(
      'calc',
      { add: (a: number, b: number) => (ran.push('add'), a + b) },
      { methods: [{ name: 'add', params: ['a', 'b'] }], events: [{ name: 'tick', params: [] }] },
      tokens,
    );
    const bound: string[] = [];
    const listener = await transport.listen(undefined, (conn) => {
      openInboundSession(conn, {
        proxy,
        tokens,
        onBound: (caller) => bound.push(caller),
        identity: { caller: 'alice' }, // as the channel handshake would have proved it
        ...extra,
      });
    });
    const dial = async () => new RpcPeer(await transport.connect(listener.address));
    return { dial, bound, proxy };
  };

  beforeEach(() => {
    transport = new InProcTransport({ hub: new InProcHub() });
    tokens = new TokenManager('calc');
    ran = [];
  });
  afterEach(() => transport.close());

  it('binds the connection to its proven caller, checking the token once on the first call', async () => {
    const { dial, bound } = await serve();
    const alice = grant('alice', ['add']);
    const verify = jest.spyOn(tokens, 'verify');
    const authenticate = jest.spyOn(tokens, 'authenticate');
    const peer = await dial();
    await expect(peer.call('add', [1, 2], { token: alice })).resolves.toBe(3);
    expect(bound).toEqual(['alice']);
    expect(authenticate).toHaveBeenCalledTimes(1);
    expect(verify).not.toHaveBeenCalled(); // the bind's grant is reused: a recheck, not a second parse
  });

  it('refuses a token of another caller, first or later, before any module code runs', async () => {
    const { dial } = await serve();
    const fresh = await dial();
    expect(await codeOf(fresh.call('add', [1, 1], { token: grant('bob', ['add']) }))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    const peer = await dial();
    await peer.call('add', [1, 1], { token: grant('alice', ['add']) });
    ran.length = 0;
    expect(await codeOf(peer.call('add', [1, 1], { token: grant('bob', ['add']) }))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    expect(ran).toEqual([]);
  });

  it('takes the caller from a fixed endpoint identity: a grant for anyone else is refused', async () => {
    const { dial, bound } = await serve({ identity: { caller: 'operator' } });
    const peer = await dial();
    expect(await codeOf(peer.call('add', [1, 1], { token: grant('alice', ['add']) }))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    await expect(peer.call('add', [2, 2], { token: grant('operator', ['add']) })).resolves.toBe(4);
    expect(bound).toEqual(['operator']);
  });

  it('gives a connection that proved no identity nothing, whatever valid token it shows', async () => {
    const { dial, bound } = await serve({ identity: {} });
    const peer = await dial();
    const err = await peer.call('add', [1, 1], { token: grant('alice', ['add']) }).catch((e) => e);
    expect(err).toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
      message: expect.stringMatching(/no identity/),
    });
    expect(bound).toEqual([]);
    expect(ran).toEqual([]);
  });

  it('answers bootstrap calls before the token checks, and only those', async () => {
    const { dial } = await serve({
      identity: {},
      bootstrap: (call, who) =>
        call.method === 'login' ? { value: `hello ${who.caller ?? 'anonymous'}` } : undefined,
    });
    const peer = await dial();
    await expect(peer.call('login', [])).resolves.toBe('hello anonymous');
    expect(await codeOf(peer.call('add', [1, 1]))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(ran).toEqual([]);
  });

  it('serves $describe and $subscribe under the same grants, and drops subscriptions on close', async () => {
    const { dial, proxy } = await serve();
    const conn = await dial();
    const token = grant('alice', ['add', 'event:tick']);
    const described = (await conn.call('$describe', [], { token })) as { methods: unknown[] };
    expect(described.methods).toEqual([{ name: 'add', params: ['a', 'b'] }]);
    await expect(conn.call('$subscribe', ['tick'], { token })).resolves.toBe(true);
    expect(proxy.emit('tick', {})).toBe(1);
    await conn.close();
    await new Promise((r) => setTimeout(r, 5));
    expect(proxy.emit('tick', {})).toBe(0);
    expect(
      await codeOf((await dial()).call('$subscribe', ['tick'], { token: grant('alice', ['add']) })),
    ).toBe(ErrorCode.PERMISSION_DENIED);
  });
});
