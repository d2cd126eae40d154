import { ErrorCode } from '@tessera/protocol';
import { TokenManager, mintToken, tokenId } from '@tessera/token-manager';
import { RpcPeer } from '@tessera/transport';
import { InProcHub, InProcTransport } from '@tessera/transport-inproc';
import type { CallDenial } from './call-denial';
import { openInboundSession } from './inbound-session';
import { ModuleProxy } from './module-proxy';

/** The door reports what it refuses (for the audit trail), and nothing else. */
describe('openInboundSession onDenied', () => {
  let transport: InProcTransport;
  afterEach(() => transport.close());

  it('reports unauthenticated and out-of-scope calls, with the grant id only for a valid grant; never a module error', async () => {
    transport = new InProcTransport({ hub: new InProcHub() });
    const tokens = new TokenManager('calc');
    const token = mintToken();
    tokens.addGrant(token, {
      caller: 'alice',
      methods: ['add', 'fail'],
      expiresAt: Date.now() + 60_000,
      generation: 1,
    });
    const proxy = new ModuleProxy(
      'calc',
      {
        add: (a: number, b: number) => a + b,
        mul: (a: number, b: number) => a * b,
        fail: () => Promise.reject(new Error('module error')),
      },
      {
        methods: ['add', 'mul', 'fail'].map((name) => ({ name, params: [] })),
        events: [],
      },
      tokens,
    );
    const denials: CallDenial[] = [];
    const listener = await transport.listen(undefined, (conn) =>
      openInboundSession(conn, {
        proxy,
        tokens,
        identity: { caller: 'alice' },
        onDenied: (d) => denials.push(d),
      }),
    );
    const peer = new RpcPeer(await transport.connect(listener.address));
    await expect(peer.call('add', [1, 2], { token })).resolves.toBe(3);
    await expect(peer.call('mul', [1, 2], { token })).rejects.toMatchObject({
      code: ErrorCode.PERMISSION_DENIED,
    });
    await expect(peer.call('fail', [], { token })).rejects.toMatchObject({
      code: ErrorCode.INTERNAL,
    });
    const other = new RpcPeer(await transport.connect(listener.address));
    await expect(
      other.call('add', [1, 2], { token: 'x'.repeat(22) + '.' + 'y'.repeat(22) }),
    ).rejects.toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
    });
    expect(denials).toEqual([
      {
        caller: 'alice',
        method: 'mul',
        code: ErrorCode.PERMISSION_DENIED,
        reason: "'mul' is not granted to alice on calc",
        grant: tokenId(token),
      },
      {
        caller: 'alice',
        method: 'add',
        code: ErrorCode.UNAUTHENTICATED,
        reason: 'unknown or revoked token',
      },
    ]);
    await Promise.all([peer.close(), other.close()]);
  });
});
