import { TesseraError } from '@tessera/protocol';
import type { SubscriptionRevoked } from '@tessera/sdk';
import { TokenManager } from '@tessera/token-manager';
import { type Listener, RpcPeer } from '@tessera/transport';
import { InProcHub, InProcTransport } from '@tessera/transport-inproc';
import type { ModuleRoute } from '../contracts/module-core-api';
import { ModuleCaller } from './module-caller';

const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));
const waitFor = async (pred: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await tick(5);
  }
};

/**
 * A publisher that delivers an event only while the token a subscription
 * was made with is live (stricter than the real door, which moves a
 * subscription to the pair's renewed grant by itself), and a fake core that
 * issues one token per request, retiring the previous one soon after, for
 * whichever incarnation of the publisher runs.
 */
function world(ttlMs = 150) {
  const transport = new InProcTransport({ hub: new InProcHub() });
  const live = new Set<string>();
  const subs = new Map<RpcPeer, Map<string, string>>(); // peer -> event -> token
  let incarnation = 0;
  let listener: Listener | undefined;
  let core: 'up' | 'down' | 'deny' = 'up';
  let n = 0;
  let last: string | undefined;
  const requests: string[] = [];
  const start = async () => {
    incarnation++;
    listener = await transport.listen(`inproc://pub-${incarnation}`, (conn) => {
      const peer: RpcPeer = new RpcPeer(conn, {
        handler: (call) => {
          if (!live.has(call.token)) throw TesseraError.unauthenticated('unknown or revoked token');
          const [event] = call.args as [string];
          if (call.method !== '$subscribe') return false;
          if (event === 'secret')
            throw TesseraError.permissionDenied("'event:secret' is not granted");
          let mine = subs.get(peer);
          if (!mine) subs.set(peer, (mine = new Map()));
          mine.set(event, call.token);
          return true;
        },
        onClose: () => subs.delete(peer),
      });
    });
  };
  const kill = async () => {
    for (const peer of subs.keys()) await peer.close();
    await listener?.close();
    listener = undefined;
  };
  const emit = (event: string, payload: unknown): number => {
    let delivered = 0;
    for (const [peer, mine] of subs) {
      const token = mine.get(event);
      if (token && live.has(token) && peer.emit('pub', event, payload)) delivered++;
    }
    return delivered;
  };
  const requestModule = async (): Promise<ModuleRoute> => {
    requests.push(core);
    if (core === 'deny') throw TesseraError.permissionDenied('no rule lets me call pub');
    if (core === 'down' || !listener) throw TesseraError.notFound("module 'pub' is not loaded");
    const token = `tok-${++n}`;
    live.add(token);
    // Retired a little after its successor is out, as the real one is once the new grant is acked.
    const previous = last;
    if (previous) setTimeout(() => live.delete(previous), 20);
    last = token;
    return {
      token,
      methods: ['event:tick', 'event:tock'],
      expiresAt: Date.now() + ttlMs, // by default renewed 75 ms after each issue
      generation: 1,
      incarnation,
      address: listener.address,
    };
  };
  const warnings: string[] = [];
  const caller = (resubscribe = { initialDelayMs: 10, maxDelayMs: 40, maxAttempts: 100 }) =>
    new ModuleCaller(
      'me',
      { requestModule },
      async (address, onEvent, _key, onClose) =>
        new RpcPeer(await transport.connect(address), { onEvent, onClose: () => onClose?.() }),
      new TokenManager('me'),
      {
        resubscribe,
        log: { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined },
      },
    );
  return {
    start,
    kill,
    emit,
    caller,
    requests,
    warnings,
    setCore: (s: typeof core) => (core = s),
    close: () => transport.close(),
  };
}

describe('subscriptions that survive', () => {
  let w: ReturnType<typeof world>;
  beforeEach(() => {
    w = world();
  });
  afterEach(() => w.close());

  it('carry over token renewals: re-subscribed with each new token, no event lost', async () => {
    await w.start();
    const c = w.caller();
    const got: unknown[] = [];
    await c.on('pub', 'tick', (p) => got.push(p));
    for (let i = 0; i < 8; i++) {
      expect(w.emit('tick', i)).toBe(1); // each renewal retires the token the subscription was made with
      await tick(50);
    }
    await waitFor(() => got.length === 8);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(w.requests.length).toBeGreaterThanOrEqual(4); // renewed on a timer, with no call made
    await c.close();
  });

  it("carry over the publisher's restart at a new address, and say it restarted", async () => {
    await w.start();
    const c = w.caller();
    const got: unknown[] = [];
    const restarted: string[] = [];
    c.onLifecycle('restarted', (t) => restarted.push(t));
    await c.on('pub', 'tick', (p) => got.push(p));
    await c.on('pub', 'tock', (p) => got.push(p));
    w.emit('tick', 'before');
    w.setCore('down'); // the publisher is gone, and the core knows it
    await w.kill();
    await waitFor(() => w.requests.filter((r) => r === 'down').length >= 3); // kept trying
    await w.start(); // back, elsewhere, as a new incarnation
    w.setCore('up');
    await waitFor(() => w.emit('tick', 'after') === 1);
    w.emit('tock', 'tock after');
    await waitFor(() => got.length === 3);
    expect(got).toEqual(['before', 'after', 'tock after']);
    expect(restarted).toEqual(['pub']);
    await c.close();
  });

  it("end, and say why, when the policy denies them: 'revoked' and a warning", async () => {
    await w.close();
    w = world(60_000); // no renewal due: what ends them is the core taking the grant
    await w.start();
    const c = w.caller();
    const revoked: SubscriptionRevoked[] = [];
    c.onLifecycle('revoked', (info) => revoked.push(info));
    await c.on('pub', 'tick', () => undefined);
    await c.on('pub', 'tock', () => undefined);
    w.setCore('deny');
    c.forget('pub'); // the core took the grant away (a reload)
    await waitFor(() => revoked.length === 2);
    expect(revoked).toEqual([
      { target: 'pub', event: 'tick', reason: 'no rule lets me call pub' },
      { target: 'pub', event: 'tock', reason: 'no rule lets me call pub' },
    ]);
    expect(w.warnings).toEqual([
      'subscription to pub.tick ended: no rule lets me call pub',
      'subscription to pub.tock ended: no rule lets me call pub',
    ]);
    const asked = w.requests.length;
    await tick(200);
    expect(w.requests.length).toBe(asked); // ended: no more renewals or retries
    await c.close();
  });

  it('end one event when a reload narrows it out of the grant', async () => {
    await w.start();
    const c = w.caller();
    const revoked: SubscriptionRevoked[] = [];
    c.onLifecycle('revoked', (info) => revoked.push(info));
    const got: unknown[] = [];
    await c.on('pub', 'tick', (p) => got.push(p));
    await c.on('pub', 'tock', (p) => got.push(p));
    c.narrowed('pub', ['event:tock']);
    expect(revoked).toEqual([
      { target: 'pub', event: 'tick', reason: "policy reload: 'event:tick' is no longer granted" },
    ]);
    w.emit('tick', 'dropped by the caller');
    w.emit('tock', 'kept');
    await waitFor(() => got.length === 1);
    await tick(20);
    expect(got).toEqual(['kept']);
    await c.close();
  });

  it('give up after the retry budget when the publisher never comes back, and say so', async () => {
    await w.start();
    const c = w.caller({ initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 4 });
    const revoked: SubscriptionRevoked[] = [];
    c.onLifecycle('revoked', (info) => revoked.push(info));
    await c.on('pub', 'tick', () => undefined);
    w.setCore('down');
    await w.kill();
    await waitFor(() => revoked.length === 1);
    expect(revoked[0]).toEqual({
      target: 'pub',
      event: 'tick',
      reason: "pub stayed unreachable (module 'pub' is not loaded)",
    });
    await c.close();
  });
});
