import { ErrorCode } from '@tessera/protocol';
import { codeOf } from '@tessera/protocol/testing';
import type { ModuleFacts } from '@tessera/policy';
import { StaticPolicyEngine, type StaticRule } from '@tessera/policy/testing';
import type { GrantInfo } from '@tessera/token-manager';
import { CapabilityModule } from '../capability-module';
import type { GrantDelivery } from '../grant-delivery';
import type { CapabilityEvent } from '../live-grant';
import type { DelegationRequest, HandedOverGrant } from './delegation-request';

const facts = (name: string): ModuleFacts => ({ name, provides: {}, requires: [] });

/** a holds b's x, y, z; a may hand c x and y; c may hand d x. */
const RULES: StaticRule[] = [
  { caller: 'a', target: 'b', methods: ['x', 'y', 'z', 'event:e'], ttlSeconds: 600 },
  { caller: 'c', target: 'b', methods: ['x', 'y'], delegatedBy: 'a', ttlSeconds: 3600 },
  { caller: 'd', target: 'b', methods: ['x'], delegatedBy: 'c' },
];

function delivery() {
  const log: string[] = [];
  const handed: { to: string; grant: HandedOverGrant }[] = [];
  const informed: { target: string; info: GrantInfo }[] = [];
  const d: GrantDelivery = {
    informTarget: async (target, _token, info) => void informed.push({ target, info }),
    revokeAtTarget: async (t, ids) => void log.push(`revokeAtTarget ${t} ${ids.join(',')}`),
    narrowAtTarget: async (t, id, m) => void log.push(`narrowAtTarget ${t} ${id} [${m.join(',')}]`),
    narrowAtCaller: async (c, t, m) => void log.push(`narrowAtCaller ${c} ${t} [${m.join(',')}]`),
    dropAtCaller: async (c, t) => void log.push(`dropAtCaller ${c} ${t}`),
    handOver: async (to, grant) => void handed.push({ to, grant }),
  };
  return { d, log, handed, informed };
}

describe('CapabilityModule.delegate: attenuation, consent, and dying with the parent', () => {
  let clock: number;
  let policy: StaticPolicyEngine;
  let fake: ReturnType<typeof delivery>;
  let cap: CapabilityModule;
  let events: CapabilityEvent[];

  beforeEach(async () => {
    clock = 1_000_000;
    policy = new StaticPolicyEngine(RULES);
    fake = delivery();
    cap = new CapabilityModule(policy, fake.d, { sweepIntervalMs: 0, now: () => clock });
    events = [];
    cap.onEvent((e) => events.push(e));
    await cap.requestModule({ subject: facts('a'), target: facts('b') });
  });
  afterEach(() => cap.close());

  const delegate = (over: Partial<DelegationRequest> = {}) =>
    cap.delegate({
      from: 'a',
      subject: facts('c'),
      target: facts('b'),
      methods: ['x'],
      ...over,
    });
  const childOf = (caller: string) => cap.grants().find((g) => g.caller === caller);

  it('hands on a subset of the parent, no longer than it, to the receiver alone', async () => {
    const parent = cap.grants()[0];
    const d = await delegate({ methods: ['x', 'y'], channel: { key: 'key-of-c' } });
    expect(d).toMatchObject({ to: 'c', target: 'b', methods: ['x', 'y'], chain: ['a'] });
    expect(d.parent).toBe(parent?.id);
    // The policy's TTL (3600 s) is cut to the parent's (600 s).
    expect(d.expiresAt).toBe(parent?.expiresAt);
    expect(fake.informed.at(-1)).toMatchObject({
      target: 'b',
      info: { caller: 'c', methods: ['x', 'y'], callerKey: 'key-of-c' },
    });
    expect(fake.handed).toEqual([
      {
        to: 'c',
        grant: expect.objectContaining({
          target: 'b',
          id: d.id,
          delegatedBy: 'a',
          methods: ['x', 'y'],
        }),
      },
    ]);
    expect(childOf('c')).toMatchObject({ parent: parent?.id, chain: ['a'], caller: 'c' });
    expect(policy.asked.at(-1)).toMatchObject({
      subject: { name: 'c' },
      methods: ['x', 'y'],
      delegation: { from: 'a', chain: ['a'] },
      context: { purpose: 'delegate' },
    });
  });

  it.each([
    [{ methods: ['x', 'w'] }, "cannot delegate w: a's grant on b has only"],
    [{ methods: ['event:e'] }, 'event scopes are not delegable'],
    [{ ttlSeconds: 601 }, 'a delegation cannot outlive its parent'],
    [{ methods: [] }, 'a delegation names the methods it hands on'],
    [{ subject: facts('a') }, 'a cannot delegate to itself'],
    [{ from: 'c' }, 'c holds no live grant on b to delegate'],
  ] as [Partial<DelegationRequest>, string][])(
    'refuses %j before the policy is asked: %s',
    async (over, reason) => {
      const asked = policy.asked.length;
      const err = await delegate(over).catch((e: Error & { code: string }) => e);
      expect(err).toMatchObject({ code: ErrorCode.PERMISSION_DENIED });
      expect((err as Error).message).toContain(reason);
      expect(policy.asked.length).toBe(asked);
      expect(fake.handed).toEqual([]);
      expect(events.at(-1)).toMatchObject({ kind: 'denied', delegatedBy: over.from ?? 'a' });
    },
  );

  it('refuses what the policy does not consent to, and never takes a request rule as consent', async () => {
    // d may be handed x by c, not by a; and no rule lets a hand anything to d.
    expect(await codeOf(delegate({ subject: facts('d') }))).toBe(ErrorCode.PERMISSION_DENIED);
    expect(events.at(-1)).toMatchObject({
      kind: 'denied',
      caller: 'd',
      delegatedBy: 'a',
      reason: 'no rule lets a delegate b to d',
    });
    expect(fake.handed).toEqual([]);
  });

  it('cuts the policy down to the parent: methods the policy offers beyond it never reach the child', async () => {
    policy.setRules([
      RULES[0] as StaticRule,
      { ...(RULES[1] as StaticRule), methods: ['x', 'y', 'w'] },
    ]);
    await cap.settled();
    const d = await delegate({ methods: ['x'] });
    expect(d.methods).toEqual(['x']);
  });

  it('revoking the parent revokes the child (and its child) at their targets, never the holders own tokens', async () => {
    const c = await delegate({ methods: ['x', 'y'] });
    const d = await cap.delegate({
      from: 'c',
      subject: facts('d'),
      target: facts('b'),
      methods: ['x'],
    });
    expect(d.chain).toEqual(['a', 'c']);
    fake.log.length = 0;
    expect(await cap.release('a', 'b', 'released')).toBe(true);
    expect(cap.grants()).toEqual([]);
    expect(fake.log).toEqual(
      expect.arrayContaining([
        `revokeAtTarget b ${c.id}`,
        `revokeAtTarget b ${d.id}`,
        'dropAtCaller a b',
      ]),
    );
    expect(fake.log).not.toContain('dropAtCaller c b');
    const revoked = events.filter((e) => e.kind === 'revoked');
    expect(revoked.map((e) => e.kind === 'revoked' && [e.grant.caller, e.reason])).toEqual([
      ['a', 'released'],
      ['c', 'parent revoked (a → b: released)'],
      ['d', expect.stringMatching(/^parent revoked \(c → b: parent revoked/)],
    ]);
  });

  it('unloading the delegator revokes what it handed on', async () => {
    await delegate();
    await cap.revokeModule('a', 'unloaded');
    expect(cap.grants()).toEqual([]);
  });

  it("survives the parent's renewal, reparented to the new grant", async () => {
    const child = await delegate({ methods: ['x', 'y'] });
    clock += 1000;
    await cap.requestModule({ subject: facts('a'), target: facts('b') });
    const parents = cap.grants().filter((g) => g.caller === 'a');
    expect(parents).toHaveLength(1);
    expect(childOf('c')).toMatchObject({
      id: child.id,
      parent: parents[0]?.id,
      methods: ['x', 'y'],
    });
    await cap.release('a', 'b');
    expect(childOf('c')).toBeUndefined();
  });

  it('a reload narrowing the parent narrows the child; one revoking it revokes the child', async () => {
    const child = await delegate({ methods: ['x', 'y'] });
    policy.setRules([{ ...(RULES[0] as StaticRule), methods: ['y', 'z'] }, RULES[1] as StaticRule]);
    await cap.settled();
    expect(childOf('c')?.methods).toEqual(['y']);
    expect(fake.log).toContain(`narrowAtTarget b ${child.id} [y]`);
    expect(fake.log).not.toContain('narrowAtCaller c b [y]');
    policy.setRules([RULES[1] as StaticRule]);
    await cap.settled();
    expect(cap.grants()).toEqual([]);
  });

  it('a reload withdrawing the consent revokes the child alone', async () => {
    await delegate();
    policy.setRules([RULES[0] as StaticRule]);
    await cap.settled();
    expect(cap.grants().map((g) => g.caller)).toEqual(['a']);
  });

  it("carries the parent's constraints and rate, tightened by the policy's, never looser", async () => {
    policy.setRules([
      {
        ...(RULES[0] as StaticRule),
        constraints: { x: { key: ['note:*'] } },
        rateLimit: { perSecond: 5, burst: 5 },
      },
      {
        ...(RULES[1] as StaticRule),
        constraints: { x: { key: ['*'] } },
        rateLimit: { perSecond: 50, burst: 1 },
      },
    ]);
    await cap.settled();
    await cap.release('a', 'b');
    await cap.requestModule({ subject: facts('a'), target: facts('b') });
    await delegate({ methods: ['x'] });
    expect(childOf('c')).toMatchObject({
      constraints: { x: { key: ['note:*'] } },
      rateLimit: { perSecond: 5, burst: 1 },
    });
    expect(fake.informed.at(-1)?.info).toMatchObject({
      caller: 'c',
      constraints: { x: { key: ['note:*'] } },
      rateLimit: { perSecond: 5, burst: 1 },
    });
  });

  it('keeps an asked TTL shorter than what is left of the parent', async () => {
    const child = await delegate({ ttlSeconds: 60 });
    expect(child.expiresAt).toBe(clock + 60_000);
  });
});
