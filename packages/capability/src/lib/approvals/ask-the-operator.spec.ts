import { ErrorCode, type TesseraError } from '@tessera/protocol';
import type { ModuleFacts, PolicyDecision, PolicyEngine, PolicyInput } from '@tessera/policy';
import { CapabilityModule, type CapabilityOptions } from '../capability-module';
import type { GrantDelivery } from '../grant-delivery';
import type { CapabilityEvent, CapabilityRequest } from '../live-grant';
import type { ApprovalNotice } from './approval';

const facts = (name: string): ModuleFacts => ({ name, provides: {}, requires: [] });
const request = (rest: Partial<CapabilityRequest> = {}): CapabilityRequest => ({
  subject: facts('a'),
  target: facts('b'),
  ...rest,
});
const ASK: PolicyDecision = {
  allow: 'ask',
  methods: ['x', 'y'],
  ttlSeconds: 600,
  reason: 'b is sensitive',
};

/** An engine whose answer a test sets, and changes as a reload would. */
class AskingEngine implements PolicyEngine {
  revision = 1;
  readonly asked: PolicyInput[] = [];
  private readonly listeners = new Set<(r: number) => void>();
  constructor(public answer: PolicyDecision = ASK) {}
  async decide(input: PolicyInput): Promise<PolicyDecision> {
    this.asked.push(input);
    return { ...this.answer, methods: [...this.answer.methods] };
  }
  reload(answer: PolicyDecision): void {
    this.answer = answer;
    this.revision++;
    for (const l of this.listeners) l(this.revision);
  }
  onChange(l: (r: number) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async close(): Promise<void> {}
}

function delivery() {
  const notices: { caller: string; notice: ApprovalNotice }[] = [];
  const log: string[] = [];
  const d: GrantDelivery = {
    informTarget: async (t, _token, info) =>
      void log.push(`inform ${t} [${info.methods.join(',')}]`),
    revokeAtTarget: async (t) => void log.push(`revoke ${t}`),
    narrowAtTarget: async (t, _id, m) => void log.push(`narrow ${t} [${m.join(',')}]`),
    narrowAtCaller: async () => undefined,
    dropAtCaller: async (c, t) => void log.push(`drop ${c} ${t}`),
    awaitingApproval: async (caller, notice) => void notices.push({ caller, notice }),
  };
  return { d, notices, log };
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('ask the operator (allow: "ask")', () => {
  const open: CapabilityModule[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  const clock = { now: 1_000_000 };
  const make = (engine = new AskingEngine(), options: CapabilityOptions = {}) => {
    const fake = delivery();
    const cap = new CapabilityModule(engine, fake.d, {
      sweepIntervalMs: 0,
      now: () => clock.now,
      ...options,
    });
    open.push(cap);
    const events: CapabilityEvent[] = [];
    cap.onEvent((e) => events.push(e));
    return { cap, engine, events, ...fake };
  };
  /** The one request waiting, once it is there. */
  const waiting = async (cap: CapabilityModule) => {
    for (let i = 0; i < 100 && cap.approvals().length === 0; i++) await tick(1);
    const [a] = cap.approvals();
    if (!a) throw new Error('nothing waits');
    return a;
  };

  it('holds the request, tells the caller the id and code, and issues what the operator approved', async () => {
    const { cap, events, notices, log } = make();
    const pending = cap.requestModule(request());
    const a = await waiting(cap);
    expect(a).toMatchObject({
      caller: 'a',
      target: 'b',
      methods: ['x', 'y'],
      requested: [],
      ttlSeconds: 600,
      reason: 'b is sensitive',
    });
    expect(a.code).toMatch(/^\d{6}$/);
    expect(a.id).toMatch(/^[0-9a-f]{8}$/);
    expect(notices).toEqual([
      {
        caller: 'a',
        notice: {
          id: a.id,
          code: a.code,
          target: 'b',
          methods: ['x', 'y'],
          reason: 'b is sensitive',
        },
      },
    ]);
    expect(log).toEqual([]); // nothing issued while it waits
    expect(cap.grants()).toEqual([]);

    expect(cap.approve(a.id, { code: a.code })).toMatchObject({
      outcome: 'approved',
      methods: ['x', 'y'],
      ttlSeconds: 600,
    });
    const issued = await pending;
    expect(issued.methods).toEqual(['x', 'y']);
    expect(issued.expiresAt).toBe(clock.now + 600_000);
    expect(log).toEqual(['inform b [x,y]']);
    expect(cap.grants()[0]?.reason).toBe(
      `b is sensitive · approved by the operator (request ${a.id})`,
    );
    expect(cap.approvals()).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(['asked', 'approved', 'granted']);
    expect(events[0]).toMatchObject({
      kind: 'asked',
      id: a.id,
      code: a.code,
      caller: 'a',
      target: 'b',
    });
    expect(events[1]).toMatchObject({
      kind: 'approved',
      id: a.id,
      by: 'operator',
      methods: ['x', 'y'],
    });
    expect(JSON.stringify(events)).not.toContain(issued.token.split('.')[1]);
  });

  it('refuses a wrong code and keeps waiting; five wrong codes deny the request', async () => {
    const { cap } = make();
    const pending = cap.requestModule(request()).catch((e: TesseraError) => e);
    const a = await waiting(cap);
    const wrong = a.code === '000000' ? '000001' : '000000';
    expect(() => cap.approve(a.id, { code: wrong })).toThrow(
      expect.objectContaining({
        code: ErrorCode.PERMISSION_DENIED,
        message: expect.stringMatching(/does not match/),
      }),
    );
    expect(cap.approvals()).toHaveLength(1);
    for (let i = 0; i < 3; i++) expect(() => cap.approve(a.id, { code: wrong })).toThrow();
    expect(() => cap.approve(a.id, { code: wrong })).toThrow(/5 wrong verification codes/);
    expect(await pending).toMatchObject({
      code: ErrorCode.PERMISSION_DENIED,
      message: expect.stringContaining('5 wrong verification codes'),
    });
    expect(cap.approvals()).toEqual([]);
  });

  it('lets the operator narrow methods and TTL, never widen them', async () => {
    const { cap, log } = make();
    const pending = cap.requestModule(request());
    const a = await waiting(cap);
    expect(() => cap.approve(a.id, { methods: ['x', 'z'] })).toThrow(
      expect.objectContaining({
        code: ErrorCode.INVALID_ARGUMENT,
        message: expect.stringMatching(/only narrow.*z is not in it/),
      }),
    );
    expect(() => cap.approve(a.id, { ttlSeconds: 601 })).toThrow(/longer than the policy offers/);
    expect(() => cap.approve(a.id, { methods: [] })).toThrow(/deny the request/);
    expect(() => cap.approve(a.id, { rememberForSeconds: 10 ** 9 })).toThrow(/longest remembered/);
    expect(cap.approvals()).toHaveLength(1); // still waiting after each refusal
    cap.approve(a.id, { methods: ['y'], ttlSeconds: 60 });
    const issued = await pending;
    expect([issued.methods, issued.expiresAt]).toEqual([['y'], clock.now + 60_000]);
    expect(log).toEqual(['inform b [y]']);
  });

  it("denies with the operator's reason: the caller gets PERMISSION_DENIED carrying it", async () => {
    const { cap, events, log } = make();
    const pending = cap.requestModule(request()).catch((e: TesseraError) => e);
    const a = await waiting(cap);
    expect(cap.denyApproval(a.id, 'not during the audit')).toMatchObject({
      outcome: 'denied',
      reason: 'not during the audit',
    });
    const err = (await pending) as TesseraError;
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).toBe(`the operator denied a → b (request ${a.id}): not during the audit`);
    expect(err.data).toMatchObject({ reason: 'not during the audit', approval: a.id });
    expect(log).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(['asked', 'denied-by-operator']);
    expect(() => cap.approve(a.id)).toThrow(expect.objectContaining({ code: ErrorCode.NOT_FOUND }));
  });

  it('drops the request when its caller stops waiting (signal), and when nobody answers in time', async () => {
    const { cap, events } = make(new AskingEngine(), { approvals: { maxWaitMs: 50 } });
    const ctl = new AbortController();
    const cancelled = cap
      .requestModule(request({ signal: ctl.signal }))
      .catch((e: TesseraError) => e);
    const a = await waiting(cap);
    ctl.abort();
    expect(await cancelled).toMatchObject({ code: ErrorCode.CANCELLED });
    expect(cap.approvals()).toEqual([]);
    expect(() => cap.approve(a.id)).toThrow(expect.objectContaining({ code: ErrorCode.NOT_FOUND }));
    expect(events.at(-1)).toMatchObject({
      kind: 'ask-withdrawn',
      id: a.id,
      reason: 'the caller stopped waiting for the operator',
    });

    const late = await cap.requestModule(request()).catch((e: TesseraError) => e);
    expect(late).toMatchObject({
      code: ErrorCode.TIMEOUT,
      message: expect.stringMatching(/no operator answered/),
    });
    expect(cap.approvals()).toEqual([]);
  });

  it('bounds the requests waiting per caller and overall', async () => {
    const { cap } = make(new AskingEngine(), { approvals: { perCaller: 2, total: 3 } });
    const held = [cap.requestModule(request()), cap.requestModule(request())].map((p) =>
      p.catch((e: TesseraError) => e),
    );
    await tick(10);
    expect(await cap.requestModule(request()).catch((e: TesseraError) => e)).toMatchObject({
      code: ErrorCode.RESOURCE_EXHAUSTED,
      message: 'a already has 2 requests waiting for the operator (at most 2)',
    });
    const other = cap.requestModule(request({ subject: facts('c') })).catch((e: TesseraError) => e);
    await tick(10);
    expect(
      await cap.requestModule(request({ subject: facts('d') })).catch((e: TesseraError) => e),
    ).toMatchObject({
      code: ErrorCode.RESOURCE_EXHAUSTED,
      message: '3 requests are already waiting for the operator (at most 3)',
    });
    await cap.close();
    for (const r of [...held, other])
      expect(await r).toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });

  it('remembers an approval for the pair for the stated time, only while the policy asks; revoke forgets it', async () => {
    const { cap, engine, events } = make();
    const first = cap.requestModule(request());
    const a = await waiting(cap);
    cap.approve(a.id, { methods: ['x'], rememberForSeconds: 60 });
    await first;

    // Asked again within the time: allowed at once, as narrow as approved.
    const again = await cap.requestModule(request());
    expect(again.methods).toEqual(['x']);
    expect(events.filter((e) => e.kind === 'asked')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ kind: 'granted' });
    expect(events.at(-2)).toMatchObject({
      kind: 'approved',
      by: 'remembered',
      id: a.id,
      methods: ['x'],
    });

    // The policy now denies: the memory does not override it.
    engine.reload({ allow: false, methods: [], ttlSeconds: 0, reason: 'b is closed' });
    await cap.settled();
    expect(await cap.requestModule(request()).catch((e: TesseraError) => e)).toMatchObject({
      code: ErrorCode.PERMISSION_DENIED,
      message: 'b is closed',
    });
    engine.reload(ASK);
    await cap.settled();
    expect((await cap.requestModule(request())).methods).toEqual(['x']);

    // Revoking the pair forgets it: the next request waits again.
    expect(await cap.revokePair('a', 'b', 'revoked by the operator')).toBe(1);
    const third = cap.requestModule(request());
    const b = await waiting(cap);
    expect(b.id).not.toBe(a.id);
    cap.approve(b.id);
    await third;

    // And it runs out.
    cap.approve((await waitingAfter(cap, () => cap.revokePair('a', 'b', 'again'))).id, {
      rememberForSeconds: 5,
    });
    await tick(5);
    clock.now += 5_000;
    const fourth = cap.requestModule(request());
    cap.approve((await waiting(cap)).id);
    await fourth;
  });

  it('keeps an approved grant through a reload that still asks, narrowed to the new offer', async () => {
    const { cap, engine } = make();
    const pending = cap.requestModule(request());
    cap.approve((await waiting(cap)).id);
    await pending;
    engine.reload({ ...ASK, methods: ['y'] });
    await cap.settled();
    expect(cap.grants().map((g) => g.methods)).toEqual([['y']]);
  });

  it('never holds a grant that lives with its channel (a core token): nobody waits for it', async () => {
    const { cap, events } = make();
    const err = await cap
      .requestModule(request({ channel: { lifetime: 'channel' } }))
      .catch((e: TesseraError) => e);
    expect(err).toMatchObject({
      code: ErrorCode.PERMISSION_DENIED,
      message: expect.stringMatching(/cannot wait: denied/),
    });
    expect(cap.approvals()).toEqual([]);
    expect(events.map((e) => e.kind)).not.toContain('asked');
  });

  it('withdraws the requests of a module that goes away', async () => {
    const { cap } = make();
    const pending = cap.requestModule(request()).catch((e: TesseraError) => e);
    await waiting(cap);
    await cap.revokeModule('b', 'unloaded');
    expect(await pending).toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      message: 'b went away while the request waited for the operator',
    });
    expect(cap.approvals()).toEqual([]);
  });
});

/** Run `act` (which revokes the pair), request again, and return the request that then waits. */
async function waitingAfter(cap: CapabilityModule, act: () => Promise<unknown>) {
  await act();
  void cap.requestModule(request()).catch(() => undefined);
  for (let i = 0; i < 100 && cap.approvals().length === 0; i++) await tick(1);
  const [a] = cap.approvals();
  if (!a) throw new Error('nothing waits');
  return a;
}
