import { ErrorCode, TesseraError } from '@tessera/protocol';
import { InProcHub, InProcTransport } from '@tessera/transport-inproc';
import { RpcPeer } from '@tessera/transport';
import { ModuleCaller } from './module-caller';
import type { ModuleRoute } from '../contracts/module-core-api';

/** The layer below is faked (an in-memory core link); the carrier is the real in-process one. */
describe('ModuleCaller', () => {
  let transport: InProcTransport;
  let accepted: string[];
  let requests: number;
  let validToken: string;
  beforeEach(async () => {
    transport = new InProcTransport({ hub: new InProcHub() });
    accepted = [];
    requests = 0;
    validToken = 'tok-1';
    await transport.listen('inproc://target', (conn) => {
      new RpcPeer(conn, {
        handler: (call) => {
          if (call.token !== validToken)
            throw TesseraError.unauthenticated('unknown or revoked token');
          accepted.push(call.token);
          return call.args[0];
        },
      });
    });
  });
  afterEach(() => transport.close());

  function caller(issue: () => string) {
    const store = new Map<string, { token: string }>();
    return new ModuleCaller(
      'me',
      {
        requestModule: async (): Promise<ModuleRoute> => ({
          token: issue(),
          methods: ['m'],
          expiresAt: Date.now() + 60_000,
          generation: 1,
          address: 'inproc://target',
        }),
      },
      async (address, onEvent) => new RpcPeer(await transport.connect(address), { onEvent }),
      {
        outbound: (t) => store.get(t),
        setOutbound: (t, token) => void store.set(t, { token }),
        dropOutbound: (t) => store.delete(t),
      },
    );
  }

  it('requests once for concurrent first calls, then reuses the cached token', async () => {
    const c = caller(() => (requests++, validToken));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => c.call('target', 'm', [i])),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await c.call('target', 'm', [99]);
    expect(requests).toBe(1);
    await c.close();
  });

  it('re-requests exactly once when the target refuses a cached token', async () => {
    let n = 0;
    const c = caller(() => (requests++, `tok-${++n}`));
    await c.call('target', 'm', [1]);
    validToken = 'tok-2'; // the target revoked tok-1 without the caller hearing of it
    await expect(c.call('target', 'm', [2])).resolves.toBe(2);
    expect(requests).toBe(2);
    validToken = 'never';
    await expect(c.call('target', 'm', [3])).rejects.toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
    });
    expect(requests).toBe(3); // one retry, not a loop
    await c.close();
  });
});

describe('ModuleCaller events', () => {
  it('attributes an event to the connection it came on, never to the source the frame claims', async () => {
    const transport = new InProcTransport({ hub: new InProcHub() });
    const serve = (address: string, onSubscribe: (peer: RpcPeer) => void) =>
      transport.listen(address, (conn) => {
        const peer: RpcPeer = new RpcPeer(conn, {
          handler: (call) => {
            if (call.method !== '$subscribe') return undefined;
            setTimeout(() => onSubscribe(peer), 0);
            return true;
          },
        });
      });
    await serve('inproc://bank', () => undefined); // the real bank emits nothing
    await serve('inproc://liar', (peer) => peer.emit('bank', 'paid', { forged: true })); // claims to be the bank
    const store = new Map<string, { token: string }>();
    const c = new ModuleCaller(
      'me',
      {
        requestModule: async (target): Promise<ModuleRoute> => ({
          token: `t-${target}`,
          methods: ['$subscribe'],
          expiresAt: Date.now() + 60_000,
          generation: 1,
          address: `inproc://${target}`,
        }),
      },
      async (address, onEvent) => new RpcPeer(await transport.connect(address), { onEvent }),
      {
        outbound: (t) => store.get(t),
        setOutbound: (t, token) => void store.set(t, { token }),
        dropOutbound: (t) => store.delete(t),
      },
    );
    const bank: unknown[] = [];
    const liar: unknown[] = [];
    await c.on('bank', 'paid', (p) => bank.push(p));
    await c.on('liar', 'paid', (p) => liar.push(p));
    await new Promise((r) => setTimeout(r, 20));
    expect(bank).toEqual([]); // the forged frame never reaches the bank's listeners
    expect(liar).toEqual([{ forged: true }]); // it counts as the liar's own event
    await c.close();
    await transport.close();
  });
});
