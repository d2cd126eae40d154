import { ErrorCode, type TesseraError, resolveToken } from '@tessera/protocol';
import { StaticPolicyEngine, type StaticRule } from '@tessera/policy/testing';
import { loadDefinition } from '@tessera/host';
import { RpcPeer, TRANSPORT_REGISTRY, type Transport } from '@tessera/transport';
import { createTessera, type Tessera, type TesseraOptions } from '../lib/tessera';
import { CORE_MANAGER_METHODS, CORE_MODULE_METHODS } from '../index';
import { connectAs, pinnedKeys } from './identities';

/**
 * Grant terms end to end, through real hosts: the policy's resource
 * constraints and rate limits reach the target's door (and a reload's
 * changes reach live grants), the core's door limits `requestModule` per
 * caller, and module code sees `ctx.caller` and a `ctx.signal` that fires
 * when the caller cancels or times out. Same cases on every carrier.
 */
const ECHO_METHODS = ['read', 'reads', 'tick', 'waitOrAbort', 'waits', 'whoCalls', 'lateCaller'];
const rules = (eveOnEcho: Partial<StaticRule>): StaticRule[] => [
  { caller: 'echo', target: 'core', methods: [...CORE_MODULE_METHODS] },
  { caller: 'eve', target: 'core', methods: [...CORE_MODULE_METHODS, ...CORE_MANAGER_METHODS] },
  { caller: 'eve', target: 'echo', methods: ECHO_METHODS, ...eveOnEcho },
];
const TERMS: Partial<StaticRule> = {
  constraints: { read: { key: ['note:*'] } },
  rateLimit: { perMethod: { tick: { perSecond: 2, burst: 3 } } },
};

type Variant = [string, Pick<TesseraOptions, 'isolation' | 'transport'>];
const variants: Variant[] = [
  ['ipc (process hosts)', { isolation: 'process', transport: { kind: 'ipc' } }],
  ['zeromq (process hosts)', { isolation: 'process', transport: { kind: 'zeromq' } }],
  ['inproc (in-process hosts)', { isolation: 'in-process', transport: { kind: 'inproc' } }],
];

const errorOf = async (p: Promise<unknown>): Promise<TesseraError> => {
  try {
    await p;
  } catch (err) {
    return err as TesseraError;
  }
  throw new Error('expected a rejection');
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(variants)('grant terms over %s', (_name, carrier) => {
  let app: Tessera;
  let policy: StaticPolicyEngine;
  let transport: Transport;
  const peers: RpcPeer[] = [];
  const keys = pinnedKeys(['eve']);
  const echoEntry = require.resolve('@tessera-test/echo');

  /** eve's connection to echo, with a fresh token (the grant as the policy says now). */
  const eveOnEcho = async () => {
    const { token } = await app.core.issueToken('eve', 'echo', []);
    const address = app.core.module('echo')?.address as string;
    const peer = new RpcPeer(await connectAs(transport, keys, address, 'eve'));
    peers.push(peer);
    return {
      peer,
      call: (m: string, args: unknown[] = [], o = {}) => peer.call(m, args, { token, ...o }),
    };
  };

  beforeAll(async () => {
    policy = new StaticPolicyEngine(rules(TERMS));
    app = await createTessera({
      ...carrier,
      policy,
      identities: [{ name: 'eve', provides: {}, requires: [] }],
      identityKeys: keys,
      capability: { sweepIntervalMs: 0 },
      limits: { requestModule: { perSecond: 2, burst: 3 } },
    });
    await app.core.load([
      {
        packageName: '@tessera-test/echo',
        entryPath: echoEntry,
        // The manifest marks read's `key` as a resource (as the package's tessera.resources does).
        manifest: { name: 'echo', events: ['beat'], resources: { read: ['key'] } },
        ...(carrier.isolation === 'in-process'
          ? { definition: loadDefinition(echoEntry, 'echo') }
          : {}),
      },
    ]);
    transport = resolveToken(app.container, TRANSPORT_REGISTRY).create(
      carrier.transport ?? { kind: 'inproc' },
    );
  }, 30_000);

  afterAll(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await transport?.close();
    await app?.close();
  });

  it('refuses a key outside the constraint before the module code runs', async () => {
    const echo = await eveOnEcho();
    await expect(echo.call('read', ['note:1'])).resolves.toBe('value of note:1');
    const err = await errorOf(echo.call('read', ['config:admin']));
    expect(err).toMatchObject({
      code: ErrorCode.PERMISSION_DENIED,
      message: `key "config:admin" is outside this grant's constraint on read.key`,
    });
    expect((await errorOf(echo.call('read', [7]))).code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(await echo.call('reads')).toBe(1); // the refused reads never ran
  });

  it('holds the rate limit at the stated rate and recovers, the refused calls never running', async () => {
    const echo = await eveOnEcho();
    // A burst of 6: exactly 3 (the burst) get through.
    const burst = await Promise.allSettled(Array.from({ length: 6 }, () => echo.call('tick')));
    const refused = burst.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of refused) {
      expect(r.reason).toMatchObject({ code: ErrorCode.RESOURCE_EXHAUSTED });
      const wait = (r.reason as TesseraError).data?.['retryAfterMs'] as number;
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(500); // one call per 500 ms at 2 a second
    }
    // Recovery at the stated rate: after each retryAfterMs, one more call and no second.
    for (let round = 0; round < 3; round++) {
      const err = await errorOf(echo.call('tick'));
      expect(err.message).toMatch(
        /^rate limit: eve may call tick on echo 2 times a second \(burst 3\); retry in \d+ ms$/,
      );
      await sleep((err.data?.['retryAfterMs'] as number) + 10);
      await expect(echo.call('tick')).resolves.toBe(4 + round);
    }
    // 6 admitted in all (3 + 3 rounds): every refused call stayed out of the module.
    expect((await errorOf(echo.call('tick'))).code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
  }, 15_000);

  it('shows the module ctx.caller: the proven caller and its grant', async () => {
    const echo = await eveOnEcho();
    const seen = (await echo.call('whoCalls')) as Record<string, unknown>;
    expect(seen).toEqual({
      name: 'eve',
      methods: ECHO_METHODS,
      constraints: { read: { key: ['note:*'] } },
      rateLimit: { perMethod: { tick: { perSecond: 2, burst: 3 } } },
      expiresAt: expect.any(Number),
    });
    expect(seen['expiresAt']).toBeGreaterThan(Date.now());
    // After an await, another call may be running: ctx.caller refuses rather than name it.
    await expect(echo.call('lateCaller')).resolves.toBe('FAILED_PRECONDITION');
  });

  it('fires ctx.signal in the target when the caller times out or cancels', async () => {
    const echo = await eveOnEcho();
    const waits = async () =>
      (await echo.call('waits')) as { started: number; aborted: number; finished: number };
    const until = async (ok: (w: Awaited<ReturnType<typeof waits>>) => boolean) => {
      const end = Date.now() + 5000;
      for (;;) {
        const w = await waits();
        if (ok(w) || Date.now() > end) return w;
        await sleep(20);
      }
    };
    const timedOut = await errorOf(echo.call('waitOrAbort', [10_000], { timeoutMs: 150 }));
    expect(timedOut.code).toBe(ErrorCode.TIMEOUT);
    expect(await until((w) => w.aborted === 1)).toEqual({ started: 1, aborted: 1, finished: 0 });
    const ctl = new AbortController();
    const cancelled = errorOf(echo.call('waitOrAbort', [10_000], { signal: ctl.signal }));
    await until((w) => w.started === 2);
    ctl.abort();
    expect((await cancelled).code).toBe(ErrorCode.CANCELLED);
    expect(await until((w) => w.aborted === 2)).toEqual({ started: 2, aborted: 2, finished: 0 });
  });

  it("limits requestModule per caller at the core's door, whatever the policy grants", async () => {
    const { token } = await app.core.issueToken('eve', 'core', []);
    const core = new RpcPeer(await connectAs(transport, keys, app.core.address, 'eve'));
    peers.push(core);
    const asked = policy.asked.length;
    const request = () => core.call('requestModule', [{ to: 'echo' }], { token });
    for (let i = 0; i < 3; i++) await request(); // the burst
    const err = await errorOf(request());
    expect(err).toMatchObject({
      code: ErrorCode.RESOURCE_EXHAUSTED,
      message: expect.stringMatching(/^rate limit: eve may call requestModule on core 2 times/),
    });
    expect(err.data?.['retryAfterMs']).toBeGreaterThan(0);
    expect(policy.asked.length - asked).toBe(3); // the refused request never reached the policy
    await sleep((err.data?.['retryAfterMs'] as number) + 10);
    await expect(request()).resolves.toMatchObject({ methods: expect.any(Array) });
  });

  it('applies a reload to live grants: new constraints and limits, without a new token', async () => {
    const echo = await eveOnEcho();
    await expect(echo.call('read', ['note:2'])).resolves.toBe('value of note:2');
    expect(
      policy.setRules(
        rules({ constraints: { read: { key: ['other:*'] } }, rateLimit: { perSecond: 1000 } }),
      ),
    ).toBeUndefined();
    await app.core.capability.settled();
    expect((await errorOf(echo.call('read', ['note:2']))).code).toBe(ErrorCode.PERMISSION_DENIED);
    await expect(echo.call('read', ['other:1'])).resolves.toBe('value of other:1');
    // tick's own rate is gone with the reload: only the overall 1000/s is left.
    for (let i = 0; i < 10; i++) await echo.call('tick');
    const live = app.core.capability
      .grants()
      .find((g) => g.caller === 'eve' && g.target === 'echo');
    expect(live).toMatchObject({
      constraints: { read: { key: ['other:*'] } },
      rateLimit: { perSecond: 1000, burst: 1000 },
    });
  });
});
