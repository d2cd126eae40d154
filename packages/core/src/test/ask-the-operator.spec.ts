import type { PolicyDecision, PolicyEngine, PolicyInput } from '@tessera/policy';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { contractClient } from '@tessera/host';
import { ErrorCode, type EventFrame, type TesseraError, resolveToken } from '@tessera/protocol';
import type { Client } from '@tessera/sdk';
import { RpcPeer, TRANSPORT_REGISTRY, type Transport } from '@tessera/transport';
import { IpcTransport } from '@tessera/transport-ipc';
import { CORE_MANAGER_METHODS, CORE_MODULE_METHODS, type CoreApi } from '../index';
import { createTessera, type Tessera } from '../lib/tessera';
import { OperatorEndpoint, createOperatorCredential } from '../lib/operator/operator-endpoint';
import { connectAs, pinnedKeys } from './identities';
import { packageEntry as entry } from './fixtures/module-packages';

/** The static rules, with `allow: "ask"` for the pairs named (as `data.tessera.ask` does). */
class AskingPolicy implements PolicyEngine {
  constructor(
    private readonly inner: StaticPolicyEngine,
    private readonly asks: Set<string>,
  ) {}
  get revision(): number {
    return this.inner.revision;
  }
  async decide(input: PolicyInput): Promise<PolicyDecision> {
    const d = await this.inner.decide(input);
    const pair = `${input.subject.name}->${input.target.name}`;
    return d.allow === true && this.asks.has(pair)
      ? { ...d, reason: `${pair} needs the operator`, allow: 'ask' }
      : d;
  }
  onChange(l: (revision: number) => void): () => void {
    return this.inner.onChange(l);
  }
  async close(): Promise<void> {
    await this.inner.close();
  }
}

type Change = Record<string, unknown> & { change: string };

/**
 * Ask the operator, end to end: real module hosts in their own processes
 * over ipc (relay asks for echo; the policy says "ask"), the operator on
 * its own socket with the core API, and the core's events.
 */
describe('ask the operator and operator controls (process isolation over ipc)', () => {
  let app: Tessera;
  let transport: Transport;
  let operator: OperatorEndpoint;
  let opPeer: RpcPeer;
  let op: Client<CoreApi>;
  let eve: RpcPeer;
  const changes: { event: string; change: Change }[] = [];
  const keys = pinnedKeys(['eve']);

  const relay = async (method: string, args: unknown[] = []) => {
    const token = (await app.core.issueToken('eve', 'relay', [])).token;
    return eve.call(method, args, { token, timeoutMs: 20_000 });
  };
  const until = async <T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, ms = 8000) => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (ok(v)) return v;
      if (Date.now() > end) throw new Error(`condition not reached in time: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const waitingRequest = async () =>
    (
      await until(
        () => op.approvals(),
        (a) => a.length === 1,
      )
    )[0]!;
  const seen = (event: string, change: string) =>
    changes.filter((c) => c.event === event && c.change.change === change).map((c) => c.change);

  beforeAll(async () => {
    const rules = new StaticPolicyEngine([
      ...['echo', 'relay'].map((caller) => ({
        caller,
        target: 'core',
        methods: [...CORE_MODULE_METHODS],
      })),
      { caller: 'relay', target: 'echo', methods: ['echo', 'pid'] },
      {
        caller: 'eve',
        target: 'relay',
        methods: ['relay', 'relayWithin', 'relayCancelledAfter', 'notices'],
      },
      { caller: 'eve', target: 'core', methods: [...CORE_MANAGER_METHODS] },
      {
        caller: 'operator',
        target: 'core',
        methods: [...CORE_MANAGER_METHODS, 'event:grantChanged', 'event:approvalChanged'],
      },
    ]);
    app = await createTessera({
      isolation: 'process',
      transport: { kind: 'ipc' },
      policy: new AskingPolicy(rules, new Set(['relay->echo'])),
      identities: [
        { name: 'eve', provides: {}, requires: [] },
        { name: 'operator', provides: {}, requires: [] },
      ],
      identityKeys: keys,
      capability: { sweepIntervalMs: 100 },
    });
    await app.core.load([
      entry('@tessera-test/relay', 'relay', { dependencies: ['echo'] }),
      entry('@tessera-test/echo', 'echo', { events: ['beat'] }),
    ]);
    transport = resolveToken(app.container, TRANSPORT_REGISTRY).create({ kind: 'ipc' });
    await app.core.issueToken('eve', 'relay', []); // relay's host admits keys holding a grant there
    eve = new RpcPeer(
      await connectAs(transport, keys, app.core.module('relay')?.address as string, 'eve'),
    );
    const credential = createOperatorCredential();
    operator = new OperatorEndpoint(app.core, new IpcTransport(), credential);
    const opTransport = new IpcTransport();
    opPeer = new RpcPeer(await opTransport.connect(await operator.start()), {
      onEvent: (e: EventFrame) => changes.push({ event: e.name, change: e.payload as Change }),
      onClose: () => void opTransport.close(),
    });
    const { token } = (await opPeer.call('login', [{ credential }])) as { token: string };
    op = contractClient<CoreApi>(opPeer, { token });
    // The operator's own session subscribes to the core's events, under its policy-issued grant.
    await opPeer.call('$subscribe', ['grantChanged'], { token });
    await opPeer.call('$subscribe', ['approvalChanged'], { token });
  }, 60_000);

  afterAll(async () => {
    await eve?.close();
    await opPeer?.close();
    await operator?.close();
    await transport?.close();
    await app?.close();
  });

  beforeEach(async () => {
    // Each case starts with no grant of relay on echo and nothing remembered for it.
    await op.revoke('relay', 'echo', 'next case');
    changes.length = 0;
  });

  it('holds the request; a wrong code is refused, the right one lets the call go on, never wider than offered', async () => {
    const call = relay('relay', ['hi']);
    const a = await waitingRequest();
    expect(a).toMatchObject({
      caller: 'relay',
      target: 'echo',
      methods: ['echo', 'pid'],
      reason: 'relay->echo needs the operator',
    });
    expect(a.code).toMatch(/^\d{6}$/);
    // The requesting module was told the same request and code (its log shows them).
    const notices = await until(
      async () => (await relay('notices')) as Record<string, unknown>[],
      (n) => n.some((x) => x['kind'] === 'awaitingApproval' && x['id'] === a.id),
    );
    expect(notices.find((x) => x['id'] === a.id)).toMatchObject({ target: 'echo', code: a.code });

    const wrong = a.code === '999999' ? '000000' : String(Number(a.code) + 1).padStart(6, '0');
    await expect(op.approve(a.id, { code: wrong })).rejects.toMatchObject({
      code: ErrorCode.PERMISSION_DENIED,
      message: expect.stringMatching(/verification code does not match/),
    });
    await expect(
      op.approve(a.id, { code: a.code, methods: ['echo', 'wipe'] }),
    ).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    expect(await op.approvals()).toHaveLength(1);
    await expect(op.approve(a.id, { code: a.code, methods: ['echo'] })).resolves.toMatchObject({
      outcome: 'approved',
      methods: ['echo'],
    });
    await expect(call).resolves.toBe('hi');
    expect(
      (await op.grants()).find((g) => g.caller === 'relay' && g.target === 'echo')?.methods,
    ).toEqual(['echo']);
    expect(seen('approvalChanged', 'asked')).toEqual([
      expect.objectContaining({ id: a.id, code: a.code }),
    ]);
    expect(seen('approvalChanged', 'approved')).toEqual([
      expect.objectContaining({ id: a.id, by: 'operator', methods: ['echo'] }),
    ]);
    // The operator's grant watch saw the grant come.
    expect(seen('grantChanged', 'granted')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ caller: 'relay', target: 'echo', methods: ['echo'] }),
      ]),
    );
  });

  it("denied: the operator's reason reaches the module as PERMISSION_DENIED", async () => {
    const call = relay('relay', ['no']).catch((e: TesseraError) => e);
    const a = await waitingRequest();
    await op.deny(a.id, 'not during the audit');
    const err = (await call) as TesseraError;
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).toBe(
      `the operator denied relay → echo (request ${a.id}): not during the audit`,
    );
    expect(seen('approvalChanged', 'denied-by-operator')).toEqual([
      expect.objectContaining({ id: a.id, reason: 'not during the audit' }),
    ]);
  });

  it("drops the waiting request when the caller's call times out or is cancelled", async () => {
    const timedOut = (await relay('relayWithin', ['late', 400]).catch(
      (e: unknown) => e,
    )) as TesseraError;
    expect(timedOut.code).toBe(ErrorCode.TIMEOUT);
    await until(
      () => op.approvals(),
      (a) => a.length === 0,
      3000,
    );
    expect(seen('approvalChanged', 'ask-withdrawn')).toEqual([
      expect.objectContaining({
        caller: 'relay',
        reason: 'the caller stopped waiting for the operator',
      }),
    ]);

    const cancelled = (await relay('relayCancelledAfter', ['never', 300]).catch(
      (e: unknown) => e,
    )) as TesseraError;
    expect(cancelled.code).toBe(ErrorCode.CANCELLED);
    await until(
      () => op.approvals(),
      (a) => a.length === 0,
      3000,
    );
    expect(seen('approvalChanged', 'ask-withdrawn')).toHaveLength(2);
    expect(seen('approvalChanged', 'approved')).toEqual([]);
  });

  it('a remembered approval lets the same request through without asking, until the operator revokes the pair', async () => {
    const first = relay('relay', [1]);
    const a = await waitingRequest();
    // A one-second grant, remembered for a minute: renewing it asks nobody.
    await op.approve(a.id, { code: a.code, ttlSeconds: 1, rememberForSeconds: 60 });
    await expect(first).resolves.toBe(1);
    await until(
      () => seen('grantChanged', 'revoked').some((c) => c['caller'] === 'relay'),
      (x) => x,
      5000,
    );
    await expect(relay('relay', [2])).resolves.toBe(2);
    expect(seen('approvalChanged', 'asked')).toHaveLength(1);
    expect(seen('approvalChanged', 'approved')).toEqual(
      expect.arrayContaining([expect.objectContaining({ by: 'remembered', id: a.id })]),
    );

    // Revoke on demand: the grant goes at once, the memory with it, and the next call waits again.
    const revoked = await op.revoke('relay', 'echo', 'enough for today');
    expect(revoked).toBe(1);
    expect(seen('grantChanged', 'revoked').at(-1)).toMatchObject({
      caller: 'relay',
      target: 'echo',
      reason: 'revoked by the operator: enough for today',
    });
    expect((await op.grants()).some((g) => g.caller === 'relay' && g.target === 'echo')).toBe(
      false,
    );
    const next = relay('relay', [3]).catch((e: TesseraError) => e);
    const b = await waitingRequest();
    expect(b.id).not.toBe(a.id);
    await op.deny(b.id, 'revoked means revoked');
    expect(await next).toMatchObject({ code: ErrorCode.PERMISSION_DENIED });
  });

  it('only the operator answers requests or revokes, whatever a policy grants a module', async () => {
    const token = (await app.core.issueToken('eve', 'core', [])).token;
    // eve's key reaches the core (an identity with a key and a grant there), as a module's would.
    const atCore = new RpcPeer(await connectAs(transport, keys, app.core.address, 'eve'));
    try {
      for (const [method, args] of [
        ['approvals', []],
        ['approve', ['x']],
        ['deny', ['x']],
        ['revoke', ['relay', 'echo']],
      ] as const)
        await expect(atCore.call(method, [...args], { token })).rejects.toMatchObject({
          code: ErrorCode.PERMISSION_DENIED,
          message: expect.stringMatching(/^only the operator/),
        });
      await expect(op.revoke('relay', 'core')).rejects.toMatchObject({
        code: ErrorCode.FAILED_PRECONDITION,
      });
    } finally {
      await atCore.close();
    }
  });
});
