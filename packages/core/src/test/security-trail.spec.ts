import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, resolveToken } from '@tessera/protocol';
import {
  JsonLinesAuditSink,
  type PolicyDecision,
  type PolicyInput,
  silentPolicyLogger,
} from '@tessera/policy';
import { StaticPolicyEngine, type StaticRule } from '@tessera/policy/testing';
import { RpcPeer, TRANSPORT_REGISTRY, type Transport } from '@tessera/transport';
import { IpcTransport } from '@tessera/transport-ipc';
import { CORE_MANAGER_METHODS, CORE_MODULE_METHODS } from '../index';
import type { SecurityEvent } from '../lib/audit';
import { OperatorEndpoint, createOperatorCredential } from '../lib/operator/operator-endpoint';
import { createTessera, type Tessera } from '../lib/tessera';
import { connectAs, pinnedKeys } from './identities';
import { packageEntry as entry } from './fixtures/module-packages';

/** eve's requests for relay are put to the operator; everything else is the static table's. */
class AskingEngine extends StaticPolicyEngine {
  override async decide(input: PolicyInput): Promise<PolicyDecision> {
    const d = await super.decide(input);
    if (input.subject.name !== 'eve' || input.target.name !== 'relay') return d;
    return { ...d, allow: 'ask', reason: 'eve may read relay if the operator says so' };
  }
}

const RULES: StaticRule[] = [
  ...['echo', 'relay', 'courier'].map((caller) => ({
    caller,
    target: 'core',
    methods: [...CORE_MODULE_METHODS],
  })),
  { caller: 'eve', target: 'core', methods: ['listModules'] },
  { caller: 'operator', target: 'core', methods: [...CORE_MANAGER_METHODS, 'event:security'] },
  { caller: 'eve', target: 'echo', methods: ['echo', 'pid', 'dieMidCall'] },
  { caller: 'eve', target: 'relay', methods: ['notices'] },
  { caller: 'eve', target: 'courier', methods: ['delegate', 'callOn'] },
  { caller: 'mallory', target: 'courier', methods: ['delegate'], ttlSeconds: 0.3 },
  { caller: 'courier', target: 'echo', methods: ['echo', 'pid'] },
  { caller: 'relay', target: 'echo', methods: ['echo'], delegatedBy: 'courier' },
];

/**
 * The security trail through real hosts on ipc: every kind of event lands
 * in the trail's file as one JSON line, with no secret in it; a flood of
 * refused calls becomes a bounded number of lines with counts.
 */
describe('the security trail, end to end over ipc', () => {
  let app: Tessera;
  let policy: AskingEngine;
  let transport: Transport;
  let dir: string;
  const peers: RpcPeer[] = [];
  const keys = pinnedKeys(['eve']);
  const tokensSeen: string[] = [];

  const file = () => join(dir, 'security.jsonl');
  /** Complete lines only: the sink may be mid-write, and a line counts once its newline is down. */
  const lines = (): SecurityEvent[] =>
    readFileSync(file(), 'utf8')
      .split('\n')
      .slice(0, -1)
      .filter(Boolean)
      .map((l) => JSON.parse(l) as SecurityEvent);
  /** Lines matching `pred`, once there are at least `n` of them (the file is written asynchronously). */
  const until = async (pred: (e: SecurityEvent) => boolean, n = 1, ms = 8000) => {
    const end = Date.now() + ms;
    for (;;) {
      const found = lines().filter(pred);
      if (found.length >= n) return found;
      if (Date.now() > end)
        throw new Error(
          `only ${found.length} of ${n} lines; the trail holds:\n${readFileSync(file(), 'utf8')}`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const kindIs =
    (kind: string, more: Partial<SecurityEvent> = {}) =>
    (e: SecurityEvent) =>
      e.kind === kind && Object.entries(more).every(([k, v]) => e[k as keyof SecurityEvent] === v);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-trail-'));
    policy = new AskingEngine(RULES);
    app = await createTessera({
      isolation: 'process',
      transport: { kind: 'ipc' },
      policy,
      heartbeatMs: 150,
      restart: { maxRestarts: 2, backoffMs: 50, maxBackoffMs: 100 },
      identities: [
        { name: 'eve', provides: {}, requires: [] },
        { name: 'mallory', provides: {}, requires: [] },
        { name: 'operator', provides: {}, requires: [] },
      ],
      identityKeys: keys,
      capability: { sweepIntervalMs: 50 },
      trail: {
        node: 'node-1',
        sink: new JsonLinesAuditSink<SecurityEvent>(join(dir, 'security.jsonl'), {
          logger: silentPolicyLogger,
        }),
        closeSink: true,
        denialWindowMs: 200,
      },
    });
    await app.core.load([
      entry('@tessera-test/echo', 'echo', { events: ['beat'] }),
      entry('@tessera-test/relay', 'relay', { dependencies: ['echo'] }),
      entry('@tessera-test/courier', 'courier'),
    ]);
    transport = resolveToken(app.container, TRANSPORT_REGISTRY).create({ kind: 'ipc' });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await transport?.close();
    await app?.close();
    // Never a token, whatever was issued during the run.
    const all = readFileSync(file(), 'utf8');
    for (const t of tokensSeen) expect(all).not.toContain(t.split('.')[1]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A connection to `module` (or the core) proving eve's key, and eve's token for it. */
  const asEve = async (module: string) => {
    const { token } = await app.core.issueToken('eve', module, []);
    tokensSeen.push(token);
    const address =
      module === 'core' ? app.core.address : (app.core.module(module)?.address as string);
    const peer = new RpcPeer(await connectAs(transport, keys, address, 'eve'));
    peers.push(peer);
    return { peer, token };
  };

  it('module loaded: one line per module, from the node that recorded it', async () => {
    const loaded = await until(kindIs('module.loaded'), 3);
    expect(loaded.map((e) => e.subject).sort()).toEqual(['courier', 'echo', 'relay']);
    expect(loaded[0]).toMatchObject({ node: 'node-1', outcome: 'success', target: 'core' });
    expect(loaded[0]?.seq).toEqual(expect.any(Number));
  });

  it('grant issued, narrowed (reload) and revoked (operator, expiry, reload), each with its cause; policy reloaded', async () => {
    const { token } = await asEve('echo');
    const issued = await until(kindIs('grant.issued', { subject: 'eve', target: 'echo' }));
    expect(issued.at(-1)).toMatchObject({ outcome: 'success', grant: token.split('.')[0] });
    // A reload narrows it, and says so.
    policy.setRules(
      RULES.map((r) =>
        r.caller === 'eve' && r.target === 'echo' ? { ...r, methods: ['echo', 'pid'] } : r,
      ),
    );
    await app.core.capability.settled();
    await until(kindIs('grant.narrowed', { subject: 'eve', target: 'echo', cause: 'reload' }));
    await until(kindIs('policy.reloaded'));
    policy.setRules(RULES);
    await app.core.capability.settled();
    // The operator revokes it.
    await app.core.capability.revokePair('eve', 'echo', 'revoked by the operator');
    await until(kindIs('grant.revoked', { subject: 'eve', target: 'echo', cause: 'operator' }));
    // A 0.3 s grant runs out.
    tokensSeen.push((await app.core.issueToken('mallory', 'courier')).token);
    await until(
      kindIs('grant.revoked', { subject: 'mallory', target: 'courier', cause: 'expiry' }),
    );
    // A reload that no longer allows a grant revokes it.
    await asEve('echo');
    policy.setRules(RULES.filter((r) => !(r.caller === 'eve' && r.target === 'echo')));
    await app.core.capability.settled();
    await until(kindIs('grant.revoked', { subject: 'eve', target: 'echo', cause: 'reload' }));
    expect(lines().filter(kindIs('grant.denied'))).toEqual([]);
    policy.setRules(RULES);
    await app.core.capability.settled();
  });

  it('grant denied: a request the policy refuses', async () => {
    await expect(app.core.issueToken('eve', 'courier', ['nowhere'])).rejects.toMatchObject({
      code: ErrorCode.PERMISSION_DENIED,
    });
    await until(kindIs('grant.denied', { subject: 'eve', target: 'courier', outcome: 'denied' }));
  });

  it('call denied: a flood of refused calls at a host and at the core is a few lines with counts', async () => {
    const { peer, token } = await asEve('echo');
    const refused = (p: Promise<unknown>) =>
      p.then(
        () => 'allowed',
        (e: { code: string }) => e.code,
      );
    const outOfScope = await Promise.all(
      Array.from({ length: 300 }, () => refused(peer.call('add', [1, 2], { token }))),
    );
    const unknownToken = await Promise.all(
      Array.from({ length: 50 }, () =>
        refused(peer.call('echo', [1], { token: 'x'.repeat(22) + '.' + 'y'.repeat(22) })),
      ),
    );
    expect(new Set(outOfScope)).toEqual(new Set([ErrorCode.PERMISSION_DENIED]));
    expect(new Set(unknownToken)).toEqual(new Set([ErrorCode.UNAUTHENTICATED]));
    const core = await asEve('core');
    const atCore = await Promise.all(
      Array.from({ length: 100 }, () =>
        refused(core.peer.call('stats', [], { token: core.token })),
      ),
    );
    expect(new Set(atCore)).toEqual(new Set([ErrorCode.PERMISSION_DENIED]));

    const total = (pred: (e: SecurityEvent) => boolean) =>
      lines()
        .filter(pred)
        .reduce((n, e) => n + (e.count ?? 0), 0);
    const scope = kindIs('call.denied', {
      subject: 'eve',
      target: 'echo',
      code: 'PERMISSION_DENIED',
    });
    const unauth = kindIs('call.denied', {
      subject: 'eve',
      target: 'echo',
      code: 'UNAUTHENTICATED',
    });
    const coreDoor = kindIs('call.denied', {
      subject: 'eve',
      target: 'core',
      code: 'PERMISSION_DENIED',
    });
    const end = Date.now() + 8000;
    while ((total(scope) < 300 || total(unauth) < 50 || total(coreDoor) < 100) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    expect([total(scope), total(unauth), total(coreDoor)]).toEqual([300, 50, 100]);
    // 450 refusals, a handful of lines: per host report (1 s) and window (200 ms).
    expect(lines().filter(kindIs('call.denied')).length).toBeLessThanOrEqual(9);
    const line = lines().find(scope);
    expect(line).toMatchObject({
      outcome: 'denied',
      methods: ['add'],
      reason: "'add' is not granted to eve on echo",
      grant: token.split('.')[0],
    });
    expect(lines().find(unauth)).not.toHaveProperty('grant');
  });

  it('request asked, approved and denied by the operator', async () => {
    const first = app.core.issueToken('eve', 'relay', []);
    const asked = await until(kindIs('request.asked', { subject: 'eve', target: 'relay' }));
    const id = asked.at(-1)?.request as string;
    expect(JSON.stringify(asked)).not.toMatch(/"code"/);
    app.core.capability.approve(id);
    tokensSeen.push((await first).token);
    await until(kindIs('request.approved', { subject: 'eve', target: 'relay', request: id }));
    await app.core.capability.revokePair('eve', 'relay', 'revoked by the operator');
    const second = app.core.issueToken('eve', 'relay', []).catch((e: { code: string }) => e.code);
    const again = await until(kindIs('request.asked', { subject: 'eve', target: 'relay' }), 2);
    app.core.capability.denyApproval(again.at(-1)?.request as string, 'not today');
    expect(await second).toBe(ErrorCode.PERMISSION_DENIED);
    await until(kindIs('request.denied', { subject: 'eve', target: 'relay', outcome: 'denied' }));
  });

  it('delegation granted and denied; the child revoked with its parent says why', async () => {
    const { peer, token } = await asEve('courier');
    // courier gets its own grant on echo first: that is what it hands on.
    await peer.call('callOn', ['echo', 'echo', ['warm']], { token });
    const ok = (await peer.call('delegate', ['echo', 'relay', ['echo']], { token })) as {
      ok: boolean;
    };
    expect(ok.ok).toBe(true);
    const granted = await until(kindIs('delegation.granted', { subject: 'relay', target: 'echo' }));
    expect(granted.at(-1)).toMatchObject({ chain: ['courier'], parent: expect.any(String) });
    const no = (await peer.call('delegate', ['echo', 'relay', ['pid']], { token })) as {
      ok: boolean;
    };
    expect(no.ok).toBe(false);
    await until(
      kindIs('delegation.denied', { subject: 'relay', target: 'echo', outcome: 'denied' }),
    );
    await app.core.capability.release('courier', 'echo');
    await until(
      kindIs('grant.revoked', { subject: 'relay', target: 'echo', cause: 'parent revoked' }),
    );
  });

  it('operator session opened, a login without the credential refused; the session follows the trail', async () => {
    const credential = createOperatorCredential();
    const operator = new OperatorEndpoint(app.core, new IpcTransport(), credential);
    const address = await operator.start();
    const t = new IpcTransport();
    try {
      const followed: SecurityEvent[] = [];
      const peer = new RpcPeer(await t.connect(address), {
        onEvent: (frame) => {
          if (frame.name === 'security') followed.push(frame.payload as SecurityEvent);
        },
      });
      await expect(peer.call('login', [{ credential: 'x'.repeat(43) }])).rejects.toMatchObject({
        code: ErrorCode.UNAUTHENTICATED,
      });
      await until(kindIs('operator.refused', { outcome: 'denied' }));
      const { token } = (await peer.call('login', [{ credential }])) as { token: string };
      tokensSeen.push(token);
      await until(kindIs('operator.session', { subject: 'operator', grant: token.split('.')[0] }));
      // The same stream, live, to a subscribed operator session; and the recent events on request.
      await peer.call('$subscribe', ['security'], { token });
      await app.core.unload('courier');
      await until(kindIs('module.unloaded', { subject: 'courier' }));
      await until(kindIs('grant.revoked', { subject: 'courier', cause: 'unload' }));
      const end = Date.now() + 3000;
      while (!followed.some(kindIs('module.unloaded')) && Date.now() < end)
        await new Promise((r) => setTimeout(r, 20));
      expect(followed.find(kindIs('module.unloaded'))).toMatchObject({
        subject: 'courier',
        node: 'node-1',
      });
      const recent = (await peer.call('auditEvents', [{ kind: 'module', limit: 50 }], {
        token,
      })) as SecurityEvent[];
      expect(recent.map((e) => e.kind)).toContain('module.unloaded');
      await peer.close();
    } finally {
      await t.close();
      await operator.close();
    }
  });

  it('module crashed and restarted; its grants revoked with the crash as cause', async () => {
    const { peer, token } = await asEve('echo');
    await peer.call('echo', ['warm'], { token });
    void peer.call('dieMidCall', [], { token }).catch(() => undefined);
    await until(kindIs('module.crashed', { subject: 'echo', outcome: 'failure' }));
    await until(kindIs('grant.revoked', { subject: 'eve', target: 'echo', cause: 'crash' }));
    await until(kindIs('module.restarted', { subject: 'echo' }), 1, 10_000);
  });
});
