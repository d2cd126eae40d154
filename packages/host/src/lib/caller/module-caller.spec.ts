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

  it('reads the clock once per synchronous run: a token that expires within it is refused and retried, never stuck', async () => {
    const clock = { t: 1_000 };
    let n = 0;
    const store = new Map<string, { token: string; expiresAt: number }>();
    let refused = 0;
    await transport.listen('inproc://timed', (conn) => {
      new RpcPeer(conn, {
        handler: (call) => {
          if (call.token !== validToken) {
            refused++;
            throw TesseraError.unauthenticated('token expired');
          }
          return call.args[0];
        },
      });
    });
    const c = new ModuleCaller(
      'me',
      {
        requestModule: async (): Promise<ModuleRoute> => ({
          token: `tok-${++n}`,
          methods: ['m'],
          expiresAt: clock.t + 1_000,
          generation: 1,
          address: 'inproc://timed',
        }),
      },
      async (address, onEvent) => new RpcPeer(await transport.connect(address), { onEvent }),
      {
        outbound: (t, now = clock.t) => {
          const e = store.get(t);
          return e && now < e.expiresAt ? e : undefined;
        },
        setOutbound: (t, token, _methods, expiresAt) => void store.set(t, { token, expiresAt }),
        dropOutbound: (t) => store.delete(t),
        now: () => clock.t,
      },
    );
    await expect(c.call('target', 'm', [0])).resolves.toBe(0); // tok-1
    // One synchronous run: a call reads the clock, then tok-1 expires (the target
    // now honours only tok-2), then another call reuses that reading and sends tok-1.
    const a = c.call('target', 'm', [1]);
    clock.t += 5_000;
    validToken = 'tok-2';
    const b = c.call('target', 'm', [2]);
    await expect(Promise.all([a, b])).resolves.toEqual([1, 2]);
    expect(refused).toBe(2); // both went with tok-1 and were retried with one new token
    expect(n).toBe(2);
    // A later run reads the clock again: an expired token is not even sent.
    clock.t += 5_000;
    validToken = 'tok-3';
    await expect(c.call('target', 'm', [3])).resolves.toBe(3);
    expect(refused).toBe(2);
    expect(n).toBe(3);
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
