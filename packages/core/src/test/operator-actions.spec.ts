import type { PolicyEngine } from '@tessera/policy';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { contractClient } from '@tessera/host';
import type { Client } from '@tessera/sdk';
import { RpcPeer } from '@tessera/transport';
import { tokenId } from '@tessera/token-manager';
import { IpcTransport } from '@tessera/transport-ipc';
import { CORE_MANAGER_METHODS, CORE_MODULE_METHODS, type CoreApi } from '../index';
import { createTessera, type Tessera } from '../lib/tessera';
import { OperatorEndpoint, createOperatorCredential } from '../lib/operator/operator-endpoint';
import { packageEntry as entry } from './fixtures/module-packages';

/** An engine whose next reload can be refused, as a broken bundle is (`onError`). */
class ReloadingPolicy extends StaticPolicyEngine {
  private readonly errors = new Set<(e: Error) => void>();
  onError(listener: (e: Error) => void): () => void {
    this.errors.add(listener);
    return () => this.errors.delete(listener);
  }
  reject(message: string): void {
    for (const l of this.errors) l(new Error(message));
  }
}

const input = (methods: string[], subject = 'relay', target = 'echo') => ({
  subject: { name: subject, requires: [], provides: {} },
  target: { name: target, requires: [], provides: {} },
  methods,
  context: { time: new Date().toISOString(), purpose: 'request' as const },
});

/**
 * Operator sessions on the real operator socket: each state-changing call
 * is on the trail as `operator.action` with its session's grant id, and the
 * policy page's two calls (status, eval) answer the operator alone.
 */
describe('operator actions on the trail, policyStatus and policyEval', () => {
  let app: Tessera;
  let policy: ReloadingPolicy;
  let endpoint: OperatorEndpoint;
  const sessions: { peer: RpcPeer; transport: IpcTransport; op: Client<CoreApi>; grant: string }[] =
    [];
  const rules = [
    ...['echo', 'relay'].map((caller) => ({
      caller,
      target: 'core',
      methods: [...CORE_MODULE_METHODS],
    })),
    { caller: 'relay', target: 'echo', methods: ['echo', 'pid'] },
    { caller: 'operator', target: 'core', methods: [...CORE_MANAGER_METHODS] },
  ];

  const login = async (credential: string) => {
    const transport = new IpcTransport();
    const peer = new RpcPeer(await transport.connect(endpoint.address));
    const { token } = (await peer.call('login', [{ credential }])) as { token: string };
    const s = {
      peer,
      transport,
      op: contractClient<CoreApi>(peer, { token }),
      grant: tokenId(token) ?? '',
    };
    sessions.push(s);
    return s;
  };

  beforeAll(async () => {
    policy = new ReloadingPolicy(rules);
    app = await createTessera({
      isolation: 'process',
      transport: { kind: 'ipc' },
      policy: policy as PolicyEngine,
      identities: [{ name: 'operator', provides: {}, requires: [] }],
    });
    await app.core.load([
      entry('@tessera-test/echo', 'echo'),
      entry('@tessera-test/relay', 'relay', { dependencies: ['echo'] }),
    ]);
    const credential = createOperatorCredential();
    endpoint = new OperatorEndpoint(app.core, new IpcTransport(), credential);
    await endpoint.start();
    await login(credential);
    await login(credential);
  }, 60_000);

  afterAll(async () => {
    for (const s of sessions) {
      await s.peer.close();
      await s.transport.close();
    }
    await endpoint?.close();
    await app?.close();
  });

  it("names the session's grant on each action, the same id its operator.session line has", async () => {
    const [a, b] = sessions;
    await app.core.issueToken('relay', 'echo', []);
    expect(await a!.op.revoke('relay', 'echo', 'test')).toBe(1);
    await expect(b!.op.approve('no-such-request')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const actions = app.core.trail.recent({ kind: 'operator.action' });
    expect(actions).toEqual([
      expect.objectContaining({
        outcome: 'success',
        subject: 'operator',
        target: 'echo',
        methods: ['revoke'],
        grant: a!.grant,
        reason: 'revoke relay → echo',
      }),
      expect.objectContaining({
        outcome: 'failure',
        methods: ['approve'],
        grant: b!.grant,
        code: 'NOT_FOUND',
      }),
    ]);
    const logins = app.core.trail.recent({ kind: 'operator.session' }).map((e) => e.grant);
    expect(logins).toEqual(expect.arrayContaining([a!.grant, b!.grant]));
    expect(a!.grant).not.toBe(b!.grant);
  });

  it('policyStatus: the revision in force and the last reload, accepted or rejected', async () => {
    const op = sessions[0]!.op;
    expect(await op.policyStatus()).toEqual({ revision: 1 });
    policy.setRules(rules);
    expect(await op.policyStatus()).toMatchObject({
      revision: 2,
      lastReload: { ok: true, revision: 2 },
    });
    policy.reject('bundle policies/build/policy.wasm: not a wasm module');
    expect(await op.policyStatus()).toMatchObject({
      revision: 2,
      lastReload: { ok: false, error: 'bundle policies/build/policy.wasm: not a wasm module' },
    });
  });

  it('policyEval: what the policy in force decides, without a grant; a bad input is a typed error', async () => {
    const op = sessions[0]!.op;
    const before = app.core.capability.grants().length;
    expect(await op.policyEval(input(['echo']))).toMatchObject({
      allow: true,
      methods: expect.arrayContaining(['echo']),
    });
    expect(await op.policyEval(input(['echo'], 'echo', 'relay'))).toMatchObject({ allow: false });
    expect(app.core.capability.grants()).toHaveLength(before);
    await expect(op.policyEval({ subject: 'x' } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(
        /^policyEval takes a policy input .*subject must be an object/,
      ),
    });
  });
});
