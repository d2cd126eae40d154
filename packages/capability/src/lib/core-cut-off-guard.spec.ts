import { ErrorCode } from '@tessera/protocol';
import { codeOf } from '@tessera/protocol/testing';
import { type ModuleFacts, type PolicyInput, type ReloadGuard, deny } from '@tessera/policy';
import { StaticPolicyEngine, type StaticRule } from '@tessera/policy/testing';
import { CapabilityModule } from './capability-module';
import type { GrantDelivery } from './grant-delivery';
import type { CapabilityEvent } from './live-grant';

const facts = (name: string): ModuleFacts => ({ name, provides: {}, requires: [] });
const toCore = (caller: string, methods = ['requestModule']): StaticRule => ({
  caller,
  target: 'core',
  methods,
});
const AB: StaticRule = { caller: 'a', target: 'b', methods: ['x'] };

/** Delivery that acknowledges at once, or when `holds[caller]` resolves; logs revocations. */
function delivery(holds: Record<string, Promise<void>> = {}) {
  const revoked: string[] = [];
  const d: GrantDelivery = {
    informTarget: async (_target, _token, info) => holds[info.caller],
    revokeAtTarget: async (target) => void revoked.push(target),
    narrowAtTarget: async () => undefined,
    narrowAtCaller: async () => undefined,
    dropAtCaller: async () => undefined,
  };
  return { d, revoked };
}

describe('CapabilityModule: a reload may not cut everyone off from the core', () => {
  const open: CapabilityModule[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  async function withCoreGrants(rules: StaticRule[], now = () => 0) {
    const engine = new StaticPolicyEngine(rules);
    const { d, revoked } = delivery();
    const cap = new CapabilityModule(engine, d, { sweepIntervalMs: 0, now });
    open.push(cap);
    const events: CapabilityEvent[] = [];
    cap.onEvent((e) => events.push(e));
    await cap.requestModule({ subject: facts('a'), target: facts('core') });
    await cap.requestModule({ subject: facts('b'), target: facts('core') });
    await cap.requestModule({
      subject: facts('operator'),
      target: facts('core'),
      channel: { operator: true },
    });
    await cap.requestModule({ subject: facts('a'), target: facts('b') });
    events.length = 0;
    return { engine, cap, events, revoked };
  }

  const everything = [toCore('a'), toCore('b'), toCore('operator'), AB];

  it('refuses a reload that would revoke every live grant to the core: nothing changes', async () => {
    const { engine, cap, events, revoked } = await withCoreGrants(everything);
    const before = cap.grants();

    const objection = engine.setRules([AB]);
    await cap.settled();

    expect(objection).toBe(
      'it would revoke all 3 live grants to the core (held by a, b, operator), ' +
        'leaving no module or operator able to reach it',
    );
    expect(engine.revision).toBe(1);
    expect(cap.grants()).toEqual(before);
    expect(events).toEqual([]);
    expect(revoked).toEqual([]);
  });

  it('lets a reload through that keeps one grant to the core, and revokes the rest as usual', async () => {
    const { engine, cap, events } = await withCoreGrants(everything);
    expect(engine.setRules([toCore('operator'), AB])).toBeUndefined();
    await cap.settled();
    expect(cap.grants().map((g) => `${g.caller}->${g.target}`)).toEqual(['operator->core', 'a->b']);
    expect(events.filter((e) => e.kind === 'revoked')).toHaveLength(2);
  });

  it('counts a grant as kept only when one of its methods survives, as the re-evaluation does', async () => {
    const { engine, cap } = await withCoreGrants(everything);
    const narrowedAway = [toCore('a', ['other']), toCore('b', []), toCore('operator', ['x']), AB];
    expect(engine.setRules(narrowedAway)).toMatch(/would revoke all 3 live grants/);
    expect(cap.grants()).toHaveLength(4);
  });

  it('revokes them all when forced', async () => {
    const { engine, cap, revoked } = await withCoreGrants(everything);
    expect(engine.setRules([AB], { force: true })).toBeUndefined();
    await cap.settled();
    expect(cap.grants().map((g) => g.target)).toEqual(['b']);
    expect(revoked.filter((t) => t === 'core')).toHaveLength(3);
  });

  it('asks the candidate with the re-evaluation input, operator flag included', async () => {
    const engine = new StaticPolicyEngine(everything);
    let guard: ReloadGuard | undefined;
    engine.guardReload = (g) => ((guard = g), () => undefined);
    const cap = new CapabilityModule(engine, delivery().d, { sweepIntervalMs: 0, now: () => 0 });
    open.push(cap);
    await cap.requestModule({ subject: facts('a'), target: facts('core') });
    await cap.requestModule({
      subject: facts('operator'),
      target: facts('core'),
      channel: { operator: true },
    });
    const asked: PolicyInput[] = [];
    const objection = guard?.({ decide: (input) => (asked.push(input), deny('no')) });
    const context = { time: new Date(0).toISOString(), purpose: 'reevaluate' };
    expect(asked).toEqual([
      { subject: facts('a'), target: facts('core'), methods: [], context },
      {
        subject: facts('operator'),
        target: facts('core'),
        methods: [],
        context: { ...context, operator: true },
      },
    ]);
    expect(objection).toMatch(/would revoke all 2 live grants to the core \(held by a, operator\)/);
  });

  it('does not object while no grant to the core is live, nor for expired ones', async () => {
    let now = 0;
    const { engine, cap } = await withCoreGrants(
      [
        { ...toCore('a'), ttlSeconds: 1 },
        { ...toCore('b'), ttlSeconds: 1 },
        { ...toCore('operator'), ttlSeconds: 1 },
        AB,
      ],
      () => now,
    );
    now = 1000; // every core grant expired, not yet swept
    expect(engine.setRules([AB])).toBeUndefined();
    await cap.settled();
    await cap.revokeModule('b', 'unloaded');
    expect(cap.grants()).toEqual([]);
    expect(engine.setRules([])).toBeUndefined();
  });

  it('stops guarding once closed', async () => {
    const { engine, cap } = await withCoreGrants(everything);
    await cap.close();
    open.splice(open.indexOf(cap), 1);
    expect(engine.setRules([AB])).toBeUndefined();
  });

  it('decides on the grants live at the swap; a grant still being acknowledged takes the usual race path', async () => {
    let ackB: () => void = () => undefined;
    const holds = { b: new Promise<void>((r) => (ackB = r)) };
    const engine = new StaticPolicyEngine([toCore('a'), toCore('b')]);
    const cap = new CapabilityModule(engine, delivery(holds).d, { sweepIntervalMs: 0 });
    open.push(cap);
    await cap.requestModule({ subject: facts('a'), target: facts('core') });
    const b = cap.requestModule({ subject: facts('b'), target: facts('core') });
    await new Promise((r) => setTimeout(r, 5)); // b's grant is decided, not yet acknowledged

    // Refused: a's grant is the only live one, and it would go. Nothing changes, b lands as decided.
    expect(engine.setRules([])).toMatch(/revoke the only live grant to the core \(held by a\)/);
    ackB();
    await expect(b).resolves.toMatchObject({ generation: 1 });
    expect(cap.grants().map((g) => g.caller)).toEqual(['a', 'b']);

    // Accepted (a's survives); b's next grant, in flight across the swap, is re-decided and refused.
    let ackB2: () => void = () => undefined;
    holds.b = new Promise<void>((r) => (ackB2 = r));
    const again = cap.requestModule({ subject: facts('b'), target: facts('core') });
    await new Promise((r) => setTimeout(r, 5));
    expect(engine.setRules([toCore('a')])).toBeUndefined();
    ackB2();
    expect(await codeOf(again)).toBe(ErrorCode.PERMISSION_DENIED);
    await cap.settled();
    expect(cap.grants().map((g) => g.caller)).toEqual(['a']);
  });
});
