import { ErrorCode } from '@tessera/protocol';
import { codeOf } from '@tessera/protocol/testing';
import { TokenManager, mintToken, tokenId } from '@tessera/token-manager';
import { RpcPeer } from '@tessera/transport';
import { InProcHub, InProcTransport } from '@tessera/transport-inproc';
import { openInboundSession } from './inbound-session';
import { ModuleProxy } from './module-proxy';

/** What happens at the door as grants are renewed and targets restart. */
describe('the door across grant renewals and incarnations', () => {
  let transport: InProcTransport;
  beforeEach(() => {
    transport = new InProcTransport({ hub: new InProcHub() });
  });
  afterEach(() => transport.close());

  const serve = async (tokens: TokenManager) => {
    const ran: string[] = [];
    const proxy = new ModuleProxy(
      'calc',
      { add: (a: number, b: number) => (ran.push('add'), a + b) },
      { methods: [{ name: 'add', params: ['a', 'b'] }], events: [{ name: 'tick', params: [] }] },
      tokens,
    );
    const listener = await transport.listen(undefined, (conn) => {
      openInboundSession(conn, { proxy, tokens, identity: { caller: 'alice', key: 'K' } });
    });
    return { proxy, ran, address: listener.address };
  };
  const grant = (
    tokens: TokenManager,
    extra: { incarnation?: number; callerKey?: string } = {},
  ) => {
    const token = mintToken();
    tokens.addGrant(token, {
      caller: 'alice',
      methods: ['add', 'event:tick'],
      expiresAt: Date.now() + 60_000,
      generation: 1,
      callerKey: 'K',
      ...extra,
    });
    return token;
  };

  it('a subscription moves to the renewed grant when the old one is revoked, and ends with the last', async () => {
    const tokens = new TokenManager('calc');
    const { proxy, address } = await serve(tokens);
    const got: unknown[] = [];
    const peer = new RpcPeer(await transport.connect(address), {
      onEvent: (e) => got.push(e.payload),
    });
    const first = grant(tokens);
    await expect(peer.call('$subscribe', ['tick'], { token: first })).resolves.toBe(true);
    const second = grant(tokens); // the pair's renewal, acknowledged before the old one goes
    tokens.revoke(tokenId(first) as string);
    expect(proxy.emit('tick', 1)).toBe(1);
    // A grant bound to another key is not one this connection could use: no carry-over to it.
    grant(tokens, { callerKey: 'other' });
    tokens.revoke(tokenId(second) as string);
    expect(proxy.emit('tick', 2)).toBe(0);
    expect(proxy.emit('tick', 3)).toBe(0);
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([1]);
    await peer.close();
  });

  it("a restarted target's door refuses its predecessor's grant and token", async () => {
    const previous = new TokenManager('calc', { incarnation: 1 });
    const token = grant(previous, { incarnation: 1 });
    const current = new TokenManager('calc', { incarnation: 2 });
    const { ran, address } = await serve(current);
    // The grant as the capability module would deliver it to the new incarnation: refused.
    expect(() => grant(current, { incarnation: 1 })).toThrow(
      'token was minted for another incarnation of calc',
    );
    const peer = new RpcPeer(await transport.connect(address));
    expect(await codeOf(peer.call('add', [1, 2], { token }))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(ran).toEqual([]);
    const own = grant(current, { incarnation: 2 });
    await expect(peer.call('add', [1, 2], { token: own })).resolves.toBe(3);
    await peer.close();
  });
});
