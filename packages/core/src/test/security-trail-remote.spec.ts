import { readFileSync } from 'node:fs';
import { ErrorCode } from '@tessera/protocol';
import { errorOf } from '@tessera/protocol/testing';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { RpcPeer } from '@tessera/transport';
import { type CurveKeyPair, ZeroMqTransport, generateKeyPair } from '@tessera/transport-zeromq';
import { CORE_MODULE_METHODS } from '../index';
import { decodeJoinCredential } from '../lib/remote/join-credential';
import { createTessera, type Tessera } from '../lib/tessera';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const RELAY = '@tessera-test/relay';
const relayPackage = JSON.parse(readFileSync(require.resolve(`${RELAY}/package.json`), 'utf8')) as {
  tessera: { requires: string[] };
};

/**
 * The security trail records remote admission over real ZeroMQ CURVE
 * sockets: a join credential minted, spent, refused on reuse; a host whose
 * package says more than was pinned refused, and one that says the same
 * admitted. Never the credential itself.
 */
describe('the security trail: join credentials and remote hosts', () => {
  let app: Tessera;
  const coreKeys = generateKeyPair();
  const transports: ZeroMqTransport[] = [];

  beforeAll(async () => {
    app = await createTessera({
      isolation: 'process',
      transport: { kind: 'zeromq', options: { heartbeatIntervalMs: 200 } },
      network: { listen: 'tcp://127.0.0.1:0', keys: coreKeys },
      policy: new StaticPolicyEngine(
        ['echo', 'relay'].map((caller) => ({
          caller,
          target: 'core',
          methods: [...CORE_MODULE_METHODS],
        })),
      ),
      identities: [{ name: 'operator', provides: {}, requires: [] }],
      capability: { sweepIntervalMs: 0 },
    });
    await app.core.load([
      {
        manifest: { name: 'echo' },
        packageName: '@tessera-test/echo',
        entryPath: require.resolve('@tessera-test/echo'),
      },
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
    await app?.close();
  });

  const dial = async (keys: CurveKeyPair): Promise<RpcPeer> => {
    const t = new ZeroMqTransport({
      logger: quiet,
      curve: { ...keys, serverKey: coreKeys.publicKey },
    });
    transports.push(t);
    return new RpcPeer(await t.connect(app.core.address, { timeoutMs: 2000 }), {
      defaultTimeoutMs: 5000,
    });
  };
  const trail = () => app.core.trail.recent({ limit: 1000 });
  const kinds = () => trail().map((e) => `${e.kind} ${e.outcome} ${e.subject ?? '-'}`);

  it('join credential minted, spent, refused to a racing host; host refused, then admitted', async () => {
    const credential = await app.core.createJoinCredential(RELAY);
    const { publicKey, secretKey } = decodeJoinCredential(credential);
    // Two hosts race with one credential: one spends it, the other is refused.
    const [a, b] = await Promise.all([
      dial({ publicKey, secretKey }),
      dial({ publicKey, secretKey }),
    ]);
    const keys = [generateKeyPair(), generateKeyPair()];
    const results = await Promise.allSettled([
      a.call('join', [{ publicKey: keys[0]!.publicKey }]),
      b.call('join', [{ publicKey: keys[1]!.publicKey }]),
    ]);
    // Either may win the race; exactly one does.
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    expect((results[1 - winner] as PromiseRejectedResult).reason).toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
    });
    const own = keys[winner]!;

    const host = await dial(own);
    const greedy = {
      ...relayPackage,
      tessera: { ...relayPackage.tessera, requires: ['kv-write'] },
    };
    expect((await errorOf(host.call('attach', [{ packageJson: greedy }]))).code).toBe(
      ErrorCode.PERMISSION_DENIED,
    );
    await host.call('attach', [{ packageJson: relayPackage }]);
    const end = Date.now() + 5000;
    while (!kinds().includes('host.admitted success relay') && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20));

    expect(kinds()).toEqual(
      expect.arrayContaining([
        'join.minted success operator',
        'join.spent success relay',
        'join.refused denied relay',
        'host.refused denied relay',
        'host.admitted success relay',
      ]),
    );
    expect(trail().find((e) => e.kind === 'join.minted')).toMatchObject({
      target: 'relay',
      expiresAt: expect.any(Number),
    });
    expect(trail().find((e) => e.kind === 'host.refused')?.reason).toMatch(
      /does not match the facts pinned/,
    );
    // Never the credential, nor the secret key it carries.
    const all = JSON.stringify(trail());
    expect(all).not.toContain(secretKey);
    expect(all).not.toContain(credential.slice(20, 60));
  });
});
