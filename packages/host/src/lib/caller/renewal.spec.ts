import { TesseraError } from '@tessera/protocol';
import { TokenManager } from '@tessera/token-manager';
import { RpcPeer } from '@tessera/transport';
import { InProcHub, InProcTransport } from '@tessera/transport-inproc';
import type { ModuleRoute } from '../contracts/module-core-api';
import { ModuleCaller } from './module-caller';
import { renewalDue } from './renewal';

describe('renewalDue', () => {
  it('renews with a fifth of the lifetime left, or a second, but never before half-way', () => {
    expect(renewalDue(0, 3_600_000)).toBe(2_880_000); // an hour: 12 min ahead
    expect(renewalDue(0, 2000)).toBe(1000); // 2 s: one second ahead
    expect(renewalDue(0, 1000)).toBe(500); // 1 s: half-way, not on every call
    expect(renewalDue(5000, 5000)).toBe(5000); // already expired: now
  });
});

/**
 * A target that honours the tokens a fake core issued and has not revoked,
 * until their expiry on a shared clock; the fake core retires the previous
 * token of the pair once the new one is issued, as the capability module does.
 */
function world(ttlMs: number) {
  const clock = { now: 0 };
  const hub = new InProcHub();
  const transport = new InProcTransport({ hub });
  const live = new Map<string, number>(); // token -> expiresAt
  const issued: { at: number; token: string; expiresAt: number }[] = [];
  const refused: string[] = [];
  let gate: Promise<void> = Promise.resolve();
  let n = 0;
  const listen = () =>
    transport.listen('inproc://target', (conn) => {
      new RpcPeer(conn, {
        handler: async (call) => {
          await gate; // the check may run later than the call was sent
          const expiresAt = live.get(call.token);
          if (expiresAt === undefined || clock.now >= expiresAt) {
            refused.push(call.token);
            throw TesseraError.unauthenticated('unknown, revoked or expired token');
          }
          return call.args[0];
        },
      });
    });
  const requestModule = async (): Promise<ModuleRoute> => {
    const token = `tok-${++n}`;
    const expiresAt = clock.now + ttlMs;
    const previous = issued.at(-1);
    issued.push({ at: clock.now, token, expiresAt });
    live.set(token, expiresAt);
    if (previous) live.delete(previous.token);
    return { token, methods: ['m'], expiresAt, generation: 1, address: 'inproc://target' };
  };
  const tokens = new TokenManager('me', { now: () => clock.now });
  const caller = (core = { requestModule }) =>
    new ModuleCaller(
      'me',
      core,
      async (address, onEvent, _key, onClose) =>
        new RpcPeer(await transport.connect(address), { onEvent, onClose: () => onClose?.() }),
      tokens,
    );
  return {
    clock,
    issued,
    refused,
    listen,
    caller,
    requestModule,
    hold: () => {
      let open = (): void => undefined;
      gate = new Promise<void>((r) => (open = r));
      return open;
    },
    close: () => transport.close(),
  };
}

describe('ModuleCaller renewal', () => {
  it('renews ahead of expiry in the background, once per renewal however many calls are in flight', async () => {
    const w = world(10_000);
    await w.listen();
    const c = w.caller();
    const results: unknown[] = [];
    // Ten steps of 3 s over four TTLs, 25 calls in flight at each.
    for (let step = 0; step < 10; step++) {
      w.clock.now = step * 3000;
      const batch = Array.from({ length: 25 }, (_, i) => c.call('target', 'm', [step * 100 + i]));
      results.push(...(await Promise.all(batch)));
    }
    expect(results).toHaveLength(250); // every call succeeded
    // One request at the start, then one per renewal: at 9 s, 18 s, 27 s (renewAt 8 s, 17 s, 26 s).
    expect(w.issued.map((i) => i.at)).toEqual([0, 9000, 18_000, 27_000]);
    // Each renewal while its predecessor still had time left: proactive, not after the fact.
    for (let i = 1; i < w.issued.length; i++)
      expect(w.issued[i]!.at).toBeLessThan(w.issued[i - 1]!.expiresAt);
    await c.close();
    await w.close();
  });

  it('a call that a renewal overtakes is retried with the renewed token, without another request', async () => {
    const w = world(10_000);
    await w.listen();
    const c = w.caller();
    await c.call('target', 'm', ['warm']);
    w.clock.now = 8500; // past renewAt, before expiry
    const open = w.hold();
    const raced = c.call('target', 'm', ['raced']); // sent with tok-1, starts the renewal
    await new Promise((r) => setTimeout(r, 10)); // the renewal lands first: tok-1 is retired
    expect(w.issued.map((i) => i.token)).toEqual(['tok-1', 'tok-2']);
    open();
    await expect(raced).resolves.toBe('raced');
    expect(w.refused).toEqual(['tok-1']); // refused once, then retried with tok-2
    expect(w.issued).toHaveLength(2);
    await c.close();
    await w.close();
  });

  it('a failed background renewal leaves calls on the current token and is tried again later', async () => {
    const w = world(10_000);
    await w.listen();
    let fail = false;
    let asked = 0;
    const c = w.caller({
      requestModule: async () => {
        asked++;
        if (fail) throw TesseraError.unavailable('core busy');
        return w.requestModule();
      },
    });
    await c.call('target', 'm', [1]);
    fail = true;
    w.clock.now = 8500;
    await Promise.all(Array.from({ length: 10 }, (_, i) => c.call('target', 'm', [i])));
    await new Promise((r) => setTimeout(r, 5));
    await c.call('target', 'm', ['again']); // within the retry delay: no new attempt
    expect(asked).toBe(2);
    fail = false;
    w.clock.now = 9600; // retry delay passed
    await c.call('target', 'm', ['later']);
    await new Promise((r) => setTimeout(r, 5));
    expect(asked).toBe(3);
    w.clock.now = 12_000; // tok-1 would have expired: tok-2 carries on
    await expect(c.call('target', 'm', ['after'])).resolves.toBe('after');
    expect(asked).toBe(3);
    await c.close();
    await w.close();
  });
});
