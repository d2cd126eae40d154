import { ErrorCode, type TesseraError } from '@tessera/protocol';
import { codeOf } from '@tessera/protocol/testing';
import {
  DenyAllPolicyEngine,
  type ModuleFacts,
  type PolicyEngine,
  type PolicyInput,
} from '@tessera/policy';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { type GrantInfo, tokenId } from '@tessera/token-manager';
import { CapabilityModule, type CapabilityOptions } from './capability-module';
import type { GrantDelivery } from './grant-delivery';
import type { CapabilityEvent, CapabilityRequest } from './live-grant';

/** Distinctive facts, so a test can tell the ones handed in from any made-up ones. */
const FACTS: Record<string, ModuleFacts> = {
  a: { name: 'a', provides: { alpha: ['z'] }, requires: ['beta'] },
  b: { name: 'b', provides: { beta: ['x', 'y', 'z', 'w'] }, requires: ['alpha'] },
  operator: { name: 'operator', provides: {}, requires: [] },
};

/** One request as the core would hand it over: both parties' facts, plus the rest. */
function request(
  caller: string,
  target: string,
  rest: Omit<CapabilityRequest, 'subject' | 'target'> = {},
): CapabilityRequest {
  const facts = (n: string): ModuleFacts => FACTS[n] ?? { name: n, provides: {}, requires: [] };
  return { subject: facts(caller), target: facts(target), ...rest };
}

const idOf = (token: string): string => tokenId(token) as string;

/**
 * A recording GrantDelivery: a fake of the layer below, for unit tests of
 * this one. Every call is logged when it is made, before its ack.
 */
function recordingDelivery(opts: { failInform?: boolean; ack?: () => Promise<void> } = {}) {
  const log: string[] = [];
  const informed: { target: string; token: string; info: GrantInfo }[] = [];
  const delivery: GrantDelivery = {
    informTarget: async (target, token, info) => {
      log.push(`informTarget ${target} from ${info.caller} [${info.methods.join(',')}]`);
      informed.push({ target, token, info: { ...info } });
      await (opts.ack ? opts.ack() : new Promise((r) => setTimeout(r, 1)));
      if (opts.failInform) throw new Error('target gone');
    },
    revokeAtTarget: async (t, ids) => void log.push(`revokeAtTarget ${t} ${ids.join(',')}`),
    narrowAtTarget: async (t, id, m) => void log.push(`narrowAtTarget ${t} ${id} [${m.join(',')}]`),
    narrowAtCaller: async (c, t, m) => void log.push(`narrowAtCaller ${c} ${t} [${m.join(',')}]`),
    dropAtCaller: async (c, t) => void log.push(`dropAtCaller ${c} ${t}`),
  };
  return { delivery, log, informed };
}

/** An engine that answers whatever `decide` returns, well-formed or not. */
function rawEngine(decide: () => Promise<unknown>): PolicyEngine {
  return {
    revision: 1,
    decide: decide as PolicyEngine['decide'],
    onChange: () => () => undefined,
    close: async () => undefined,
  };
}

describe('CapabilityModule', () => {
  const open: CapabilityModule[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  const make = (
    engine: PolicyEngine,
    fake = recordingDelivery(),
    options: CapabilityOptions = { sweepIntervalMs: 0 },
  ) => {
    const cap = new CapabilityModule(engine, fake.delivery, options);
    open.push(cap);
    const events: CapabilityEvent[] = [];
    cap.onEvent((e) => events.push(e));
    return { cap, events, ...fake };
  };

  it('informs the target, waits for its ack, and returns the token: the caller learns it from the reply only', async () => {
    let ack: () => void = () => undefined;
    const acked = new Promise<void>((r) => (ack = r));
    const { cap, log, informed, events } = make(
      new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x', 'y'] }]),
      recordingDelivery({ ack: () => acked }),
    );
    let done = false;
    const pending = cap.requestModule(request('a', 'b')).finally(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false); // no ack from the target yet: no token either
    expect(cap.grants()).toEqual([]);
    ack();
    const issued = await pending;

    expect(issued.methods).toEqual(['x', 'y']);
    expect(informed).toHaveLength(1);
    expect(informed[0]?.token).toBe(issued.token);
    expect(informed[0]?.info).toMatchObject({ caller: 'a', methods: ['x', 'y'] });
    expect(log).toEqual(['informTarget b from a [x,y]']);
    const [grant] = cap.grants();
    expect(grant).toMatchObject({ id: idOf(issued.token), caller: 'a', target: 'b' });
    expect(grant?.expiresAt).toBe(issued.expiresAt);
    const secret = issued.token.split('.')[1] as string;
    expect(JSON.stringify(cap.grants())).not.toContain(secret);
    expect(events.map((e) => e.kind)).toEqual(['granted']);
    expect(JSON.stringify(events)).not.toContain(secret);
  });

  it('never grants more than was requested, whatever the policy offers', async () => {
    const { cap, log, events } = make(
      new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x', 'y', 'z'] }]),
    );
    expect((await cap.requestModule(request('a', 'b', { methods: ['y'] }))).methods).toEqual(['y']);
    const err = (await cap
      .requestModule(request('a', 'b', { methods: ['nope'] }))
      .catch((e: unknown) => e)) as TesseraError;
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).toBe('none of the requested methods (nope) is granted');
    expect(log.filter((l) => l.startsWith('informTarget'))).toEqual(['informTarget b from a [y]']);
    expect(events.at(-1)).toEqual({
      kind: 'denied',
      caller: 'a',
      target: 'b',
      methods: ['nope'],
      reason: 'none of the requested methods (nope) is granted',
    });
  });

  it('returns no token when the target does not acknowledge', async () => {
    const { cap, log, events } = make(
      new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x'] }]),
      recordingDelivery({ failInform: true }),
    );
    expect(await codeOf(cap.requestModule(request('a', 'b')))).toBe(ErrorCode.UNAVAILABLE);
    expect(cap.grants()).toEqual([]);
    expect(log).toEqual(['informTarget b from a [x]']); // the attempt only: nothing else, nothing to a
    expect(events).toEqual([]);
  });

  it('a failed ack for a new token leaves the pair’s previous grant live and unrevoked', async () => {
    let fail = false;
    const log: string[] = [];
    const delivery: GrantDelivery = {
      ...recordingDelivery().delivery,
      informTarget: async (t, _tok, i) => {
        log.push(`informTarget ${t} from ${i.caller}`);
        if (fail) throw new Error('target gone');
      },
      revokeAtTarget: async (t, ids) => void log.push(`revokeAtTarget ${t} ${ids.join(',')}`),
    };
    const cap = new CapabilityModule(
      new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x'] }]),
      delivery,
      { sweepIntervalMs: 0 },
    );
    open.push(cap);
    const first = await cap.requestModule(request('a', 'b'));
    fail = true;
    expect(await codeOf(cap.requestModule(request('a', 'b')))).toBe(ErrorCode.UNAVAILABLE);
    expect(cap.grants().map((g) => g.id)).toEqual([idOf(first.token)]);
    expect(log).toEqual(['informTarget b from a', 'informTarget b from a']);
  });

  it('denies by default, on engine errors and on malformed decisions, with the validator’s problem as the reason', async () => {
    const cases: [PolicyEngine, RegExp][] = [
      [new DenyAllPolicyEngine(), /no policy configured/],
      [
        rawEngine(async () => {
          throw new Error('wasm trap');
        }),
        /^policy engine error: wasm trap$/,
      ],
      [rawEngine(async () => undefined), /^decision must be an object/],
      [
        rawEngine(async () => ({ allow: true, methods: 'all', ttlSeconds: 5, reason: 'r' })),
        /^decision\.methods must be an array of strings$/,
      ],
      [
        rawEngine(async () => ({ allow: true, methods: ['x', 1], ttlSeconds: 5, reason: 'r' })),
        /^decision\.methods must be an array of strings$/,
      ],
      [
        rawEngine(async () => ({ allow: true, methods: ['x'], ttlSeconds: -1, reason: 'r' })),
        /^decision\.ttlSeconds must be a finite number >= 0$/,
      ],
      [
        rawEngine(async () => ({ allow: 'yes', methods: ['x'], ttlSeconds: 5, reason: 'r' })),
        /^decision\.allow must be true, false or "ask"$/,
      ],
    ];
    for (const [engine, reason] of cases) {
      const { cap, log, events } = make(engine);
      const err = await cap.requestModule(request('a', 'b')).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.PERMISSION_DENIED });
      expect((err as TesseraError).message).toMatch(reason);
      expect(log).toEqual([]);
      expect(cap.grants()).toEqual([]);
      expect(events).toEqual([expect.objectContaining({ kind: 'denied', caller: 'a' })]);
    }
  });

  it('one stricter validator now: a decision without a reason, or an allow with ttlSeconds 0, is a deny (no more "allowed"/"denied by policy" defaults)', async () => {
    const cases: [unknown, string][] = [
      // The old capability-side validator defaulted the reason to 'allowed' and granted.
      [
        { allow: true, methods: ['x'], ttlSeconds: 5, reason: '' },
        'decision.reason must be a non-empty string',
      ],
      [
        { allow: true, methods: ['x'], ttlSeconds: 5 },
        'decision.reason must be a non-empty string',
      ],
      // The old one defaulted a reasonless deny to 'denied by policy'.
      [
        { allow: false, methods: [], ttlSeconds: 0, reason: '' },
        'decision.reason must be a non-empty string',
      ],
      [
        { allow: true, methods: ['x'], ttlSeconds: 0, reason: 'r' },
        'an allow decision must have ttlSeconds > 0',
      ],
      // A deny must be well-typed too (the old one ignored methods/ttl on a deny).
      [{ allow: false, reason: 'no' }, 'decision.methods must be an array of strings'],
    ];
    for (const [raw, reason] of cases) {
      const { cap, log } = make(rawEngine(async () => raw));
      const err = await cap.requestModule(request('a', 'b')).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.PERMISSION_DENIED, message: reason });
      expect(log).toEqual([]);
    }
    // A well-formed deny keeps the policy's own reason.
    const { cap } = make(
      rawEngine(async () => ({ allow: false, methods: [], ttlSeconds: 0, reason: 'nope' })),
    );
    await expect(cap.requestModule(request('a', 'b'))).rejects.toMatchObject({
      code: ErrorCode.PERMISSION_DENIED,
      message: 'nope',
    });
  });

  it('rejects a bad target name or bad methods before asking the policy (unknown modules are now the core’s to reject)', async () => {
    const engine = new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x'] }]);
    const { cap, log } = make(engine);
    expect(await codeOf(cap.requestModule(request('a', '../b')))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(cap.requestModule(request('a', 'b', { methods: 'x' as never })))).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    expect(await codeOf(cap.requestModule(request('a', 'b', { methods: [1] as never })))).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    expect(engine.asked).toEqual([]);
    expect(log).toEqual([]);
  });

  it('asks the policy with exactly the facts handed in, the methods asked for and purpose "request"', async () => {
    const engine = new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x'] }]);
    const { cap } = make(engine, recordingDelivery(), { sweepIntervalMs: 0, now: () => 0 });
    await cap.requestModule(request('a', 'b', { methods: ['x'] }));
    expect(engine.asked).toEqual([
      {
        subject: FACTS['a'],
        target: FACTS['b'],
        methods: ['x'],
        context: { time: new Date(0).toISOString(), purpose: 'request' },
      },
    ]);
  });

  it('keeps one grant per pair: a new request revokes the previous token at the target', async () => {
    const { cap, log } = make(
      new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x'] }]),
    );
    const first = await cap.requestModule(request('a', 'b'));
    const second = await cap.requestModule(request('a', 'b'));
    expect(second.token).not.toBe(first.token);
    expect(cap.grants().map((g) => g.id)).toEqual([idOf(second.token)]);
    expect(log).toContain(`revokeAtTarget b ${idOf(first.token)}`);
  });

  it('one request makes exactly one delivery call (informTarget) without a previous grant, and exactly informTarget then revokeAtTarget(previous) with one; nothing to the caller', async () => {
    const { cap, log } = make(
      new StaticPolicyEngine([
        { caller: 'a', target: 'b', methods: ['x'] },
        { caller: 'b', target: 'a', methods: ['z'] },
      ]),
    );
    const first = await cap.requestModule(request('a', 'b'));
    expect(log).toEqual(['informTarget b from a [x]']);

    log.length = 0;
    await cap.requestModule(request('b', 'a')); // another pair: no previous grant either
    expect(log).toEqual(['informTarget a from b [z]']);

    log.length = 0;
    await cap.requestModule(request('a', 'b'));
    expect(log).toEqual(['informTarget b from a [x]', `revokeAtTarget b ${idOf(first.token)}`]);
    expect(log.some((l) => /AtCaller/.test(l))).toBe(false);
  });

  it('binds a grant to channel.key at the target, and marks channel.operator on the grant and in the policy input', async () => {
    const engine = new StaticPolicyEngine([
      { caller: 'a', target: 'b', methods: ['x'] },
      { caller: 'operator', target: 'b', methods: ['y'] },
    ]);
    const { cap, informed, events } = make(engine);

    await cap.requestModule(request('a', 'b', { channel: { key: 'curve-key-of-a' } }));
    expect(informed[0]?.info).toEqual({
      caller: 'a',
      methods: ['x'],
      expiresAt: expect.any(Number),
      generation: 1,
      callerKey: 'curve-key-of-a',
    });
    expect(cap.grants()[0]?.callerKey).toBe('curve-key-of-a');
    expect(cap.grants()[0]?.operator).toBeUndefined();
    expect(engine.asked[0]?.context.operator).toBeUndefined();

    await cap.requestModule(request('operator', 'b', { channel: { operator: true } }));
    expect(informed[1]?.info).not.toHaveProperty('callerKey');
    const op = cap.grants().find((g) => g.caller === 'operator');
    expect(op?.operator).toBe(true);
    expect(op).not.toHaveProperty('callerKey');
    expect(engine.asked[1]?.context.operator).toBe(true);
    expect(events.filter((e) => e.kind === 'granted').map((e) => e.grant.operator)).toEqual([
      undefined,
      true,
    ]);

    // Without a channel, nothing is bound or marked.
    await cap.requestModule(request('a', 'b'));
    expect(informed[2]?.info).not.toHaveProperty('callerKey');
    expect(cap.grants().find((g) => g.caller === 'a')).not.toHaveProperty('callerKey');
  });

  it('after a policy change, revokes grants no longer allowed and narrows shrunk ones, on both sides', async () => {
    const engine = new StaticPolicyEngine([
      { caller: 'a', target: 'b', methods: ['x', 'y'] },
      { caller: 'b', target: 'a', methods: ['z'] },
    ]);
    const { cap, log, events } = make(engine);
    const ab = await cap.requestModule(request('a', 'b'));
    const ba = await cap.requestModule(request('b', 'a'));
    log.length = 0;
    events.length = 0;
    engine.setRules([{ caller: 'a', target: 'b', methods: ['x', 'w'] }]);
    await cap.settled();
    expect([...log].sort()).toEqual(
      [
        `narrowAtTarget b ${idOf(ab.token)} [x]`,
        'narrowAtCaller a b [x]',
        `revokeAtTarget a ${idOf(ba.token)}`,
        'dropAtCaller b a',
      ].sort(),
    );
    expect(cap.grants().map((g) => [g.caller, g.target, g.methods])).toEqual([['a', 'b', ['x']]]);
    expect(events.map((e) => e.kind).sort()).toEqual(['narrowed', 'revoked']);
    const revoked = events.find((e) => e.kind === 'revoked');
    expect(revoked).toMatchObject({ reason: 'policy reload: no rule lets b call a' });
    const narrowed = events.find((e) => e.kind === 'narrowed');
    expect(narrowed).toMatchObject({ from: ['x', 'y'], grant: { methods: ['x'] } });
  });

  it('re-evaluates on engine change with the facts the grant was decided on (no upcall), narrowing and revoking through the delivery', async () => {
    const engine = new StaticPolicyEngine([
      { caller: 'a', target: 'b', methods: ['x', 'y'] },
      { caller: 'operator', target: 'a', methods: ['z'] },
    ]);
    const { cap, log } = make(engine, recordingDelivery(), { sweepIntervalMs: 0, now: () => 0 });
    const ab = await cap.requestModule(request('a', 'b'));
    const oa = await cap.requestModule(request('operator', 'a', { channel: { operator: true } }));
    engine.asked.length = 0;
    log.length = 0;

    engine.setRules([{ caller: 'a', target: 'b', methods: ['y'] }]);
    await cap.settled();

    const seen = (caller: string): PolicyInput | undefined =>
      engine.asked.find((i) => i.subject.name === caller);
    expect(engine.asked).toHaveLength(2);
    expect(seen('a')).toEqual({
      subject: FACTS['a'],
      target: FACTS['b'],
      methods: [],
      context: { time: new Date(0).toISOString(), purpose: 'reevaluate' },
    });
    expect(seen('operator')).toEqual({
      subject: FACTS['operator'],
      target: FACTS['a'],
      methods: [],
      context: { time: new Date(0).toISOString(), purpose: 'reevaluate', operator: true },
    });
    // Grants are re-evaluated side by side; each one's own steps keep their order.
    expect([...log].sort()).toEqual(
      [
        `narrowAtTarget b ${idOf(ab.token)} [y]`,
        'narrowAtCaller a b [y]',
        `revokeAtTarget a ${idOf(oa.token)}`,
        'dropAtCaller operator a',
      ].sort(),
    );
    expect(log.indexOf(`narrowAtTarget b ${idOf(ab.token)} [y]`)).toBeLessThan(
      log.indexOf('narrowAtCaller a b [y]'),
    );
    expect(cap.grants().map((g) => [g.caller, g.target, g.methods])).toEqual([['a', 'b', ['y']]]);

    // Unchanged policy, second reload: still the stored facts, nothing delivered.
    engine.asked.length = 0;
    log.length = 0;
    engine.setRules([{ caller: 'a', target: 'b', methods: ['y'] }]);
    await cap.settled();
    expect(engine.asked.map((i) => [i.subject, i.target])).toEqual([[FACTS['a'], FACTS['b']]]);
    expect(log).toEqual([]);
  });

  it('a reload that lands while a grant is being issued, and denies it, fails the request: no dead token is returned', async () => {
    let ack: () => void = () => undefined;
    const acked = new Promise<void>((r) => (ack = r));
    const engine = new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x'] }]);
    const { cap, log } = make(engine, recordingDelivery({ ack: () => acked }));
    const pending = cap.requestModule(request('a', 'b'));
    await new Promise((r) => setTimeout(r, 5));
    engine.setRules([]); // the reload denies a→b while the target is still acknowledging
    ack();
    expect(await codeOf(pending)).toBe(ErrorCode.PERMISSION_DENIED);
    expect(cap.grants()).toEqual([]);
    expect(log.some((l) => l.startsWith('revokeAtTarget b'))).toBe(true);
  });

  it('keeps its own copy of the facts: a caller changing them later cannot change re-evaluation', async () => {
    const engine = new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x'] }]);
    const { cap } = make(engine);
    const req = request('a', 'b');
    req.subject = { ...req.subject, requires: [...req.subject.requires] }; // not the shared FACTS
    await cap.requestModule(req);
    req.subject.requires.push('tampered');
    engine.setRules([{ caller: 'a', target: 'b', methods: ['x'] }]);
    await cap.settled();
    const reevaluated = engine.asked.filter((i) => i.context.purpose === 'reevaluate');
    expect(reevaluated).toHaveLength(1);
    expect(reevaluated[0]?.subject.requires).not.toContain('tampered');
  });

  it('revokes expired grants on both sides and every grant of an unloaded module', async () => {
    let now = 0;
    const { cap, log } = make(
      new StaticPolicyEngine([
        { caller: 'a', target: 'b', methods: ['x'], ttlSeconds: 1 },
        { caller: 'b', target: 'a', methods: ['x'] },
      ]),
      recordingDelivery(),
      { sweepIntervalMs: 5, now: () => now },
    );
    const ab = await cap.requestModule(request('a', 'b'));
    await cap.requestModule(request('b', 'a'));
    now = 1000;
    await new Promise((r) => setTimeout(r, 30));
    expect(cap.grants().map((g) => g.caller)).toEqual(['b']);
    expect(log).toEqual(
      expect.arrayContaining([`revokeAtTarget b ${idOf(ab.token)}`, 'dropAtCaller a b']),
    );
    expect(await cap.revokeModule('a', 'unloaded')).toBe(1);
    expect(cap.grants()).toEqual([]);
    expect(log).toContain('dropAtCaller b a');
  });

  it('a target that never acknowledges a revoke delays no other revocation of a reload', async () => {
    const engine = new StaticPolicyEngine([
      { caller: 'a', target: 'stall', methods: ['x'] },
      { caller: 'a', target: 'b', methods: ['x'] },
    ]);
    const fake = recordingDelivery();
    let unstall = (): void => undefined;
    const never = new Promise<void>((r) => (unstall = r)); // until the end of the test
    const revokeAtTarget = fake.delivery.revokeAtTarget;
    fake.delivery.revokeAtTarget = (t, ids) => (t === 'stall' ? never : revokeAtTarget(t, ids));
    const { cap, events } = make(engine, fake);
    await cap.requestModule(request('a', 'stall'));
    await cap.requestModule(request('a', 'b'));
    engine.setRules([]); // revokes both; the stalled target comes first
    const revokedB = async () => {
      for (let i = 0; i < 100; i++) {
        if (events.some((e) => e.kind === 'revoked' && e.grant.target === 'b')) return true;
        await new Promise((r) => setTimeout(r, 5));
      }
      return false;
    };
    expect(await revokedB()).toBe(true);
    expect(cap.grants()).toEqual([]); // both gone from the live set at once
    unstall();
  });
});
