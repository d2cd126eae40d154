import { readFileSync } from 'node:fs';
import { ErrorCode } from '@tessera/protocol';
import { codeOf, errorOf } from '@tessera/protocol/testing';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { RpcPeer } from '@tessera/transport';
import { type CurveKeyPair, ZeroMqTransport, generateKeyPair } from '@tessera/transport-zeromq';
import { CORE_MODULE_METHODS } from '../index';
import { decodeJoinCredential } from '../lib/remote/join-credential';
import { createTessera, type Tessera } from '../lib/tessera';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const RELAY = '@tessera-test/relay';
const relayPackage = JSON.parse(readFileSync(require.resolve(`${RELAY}/package.json`), 'utf8')) as {
  name: string;
  tessera: { requires: string[]; provides: Record<string, string[]> };
};

/**
 * Remote admission through the real core and real ZeroMQ CURVE sockets,
 * from the side of a host that does not play by the rules: it speaks the
 * join/attach protocol by hand, with whatever package.json, timing and keys
 * it likes. Each case is one defence; each fails if that defence is removed.
 */
describe('remote admission takes nothing from the host', () => {
  let app: Tessera;
  let policy: StaticPolicyEngine;
  const coreKeys = generateKeyPair();
  const transports: ZeroMqTransport[] = [];

  beforeEach(async () => {
    policy = new StaticPolicyEngine([
      ...['echo', 'relay'].map((caller) => ({
        caller,
        target: 'core',
        methods: [...CORE_MODULE_METHODS],
      })),
      { caller: 'relay', target: 'echo', methods: ['echo'] },
      { caller: 'operator', target: 'echo', methods: ['echo'] },
    ]);
    app = await createTessera({
      isolation: 'process',
      transport: { kind: 'zeromq', options: { heartbeatIntervalMs: 200 } },
      network: { listen: 'tcp://127.0.0.1:0', keys: coreKeys },
      heartbeatMs: 200,
      policy,
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
  });

  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
    await app.close();
  });

  /** A CURVE connection to the core endpoint with `keys`, as any client could open. */
  const dial = async (keys: CurveKeyPair, onClose?: () => void): Promise<RpcPeer> => {
    const t = new ZeroMqTransport({
      logger: quiet,
      curve: { ...keys, serverKey: coreKeys.publicKey },
    });
    transports.push(t);
    const conn = await t.connect(app.core.address, { timeoutMs: 2000 });
    return new RpcPeer(conn, { defaultTimeoutMs: 5000, ...(onClose ? { onClose } : {}) });
  };
  const joinKeys = (credential: string): CurveKeyPair => {
    const { publicKey, secretKey } = decodeJoinCredential(credential);
    return { publicKey, secretKey };
  };
  /** Spend `credential` to register a fresh host key; returns that key pair. */
  const join = async (credential: string): Promise<CurveKeyPair> => {
    const own = generateKeyPair();
    await (await dial(joinKeys(credential))).call('join', [{ publicKey: own.publicKey }]);
    return own;
  };
  const refusedAtHandshake = async (keys: CurveKeyPair) =>
    expect(await codeOf(dial(keys))).toMatch(/UNAVAILABLE|TIMEOUT/);
  const waitFor = async (pred: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error('condition not reached in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const relayAsked = () => policy.asked.filter((i) => i.subject.name === 'relay');

  describe('facts are pinned at admission', () => {
    it('refuses a package.json that claims more than was pinned, naming the difference; policy sees only the pinned facts, marked remote', async () => {
      const own = await join(await app.core.createJoinCredential(RELAY));
      const host = await dial(own);
      const greedy = {
        ...relayPackage,
        tessera: {
          ...relayPackage.tessera,
          requires: [...relayPackage.tessera.requires, 'kv-write'],
          provides: { ...relayPackage.tessera.provides, admin: ['wipe'] },
        },
      };
      const err = await errorOf(host.call('attach', [{ packageJson: greedy }]));
      expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
      expect(err.message).toMatch(
        /does not match the facts pinned .*requires \+kv-write.*provides \+admin/,
      );
      expect(app.core.module('relay')).toBeUndefined();
      expect(relayAsked()).toEqual([]);

      // The same package in another order says the same: it attaches, and policy sees the pinned facts.
      const reordered = {
        ...relayPackage,
        tessera: {
          ...relayPackage.tessera,
          provides: {
            'relay-all': [...(relayPackage.tessera.provides['relay-all'] ?? [])].reverse(),
          },
        },
      };
      await expect(host.call('attach', [{ packageJson: reordered }])).resolves.toHaveProperty(
        'coreToken',
      );
      expect(relayAsked()[0]?.subject).toEqual({
        name: 'relay',
        provides: {
          'relay-all': [
            'loop',
            'relay',
            'relayCancelledAfter',
            'relayDie',
            'relayWithin',
            'whoAmI',
          ],
        },
        requires: ['echo-all'],
        remote: true,
      });
      expect(app.core.module('relay')?.facts.remote).toBe(true);
      // Local modules are not marked.
      const echoAsked = policy.asked.find((i) => i.subject.name === 'echo');
      expect(echoAsked?.subject).not.toHaveProperty('remote');
      await host.close();
    });

    it('pins the package.json the operator hands over, and refuses a host package that differs', async () => {
      const pinned = { ...relayPackage, tessera: { ...relayPackage.tessera, requires: [] } };
      const credential = await app.core.createJoinCredential('relay', { packageJson: pinned });
      const host = await dial(await join(credential));
      const err = await errorOf(host.call('attach', [{ packageJson: relayPackage }]));
      expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
      expect(err.message).toMatch(/requires \+echo-all/);
      await host.close();
    });

    it('says what to do when it cannot resolve the package to pin', async () => {
      const err = await errorOf(app.core.createJoinCredential('no-such-module-anywhere'));
      expect(err.code).toBe(ErrorCode.NOT_FOUND);
      expect(err.message).toMatch(/cannot pin the facts of 'no-such-module-anywhere'.*--manifest/);
    });
  });

  describe('a join credential is spent once, before it expires', () => {
    it('two concurrent joins with one credential: exactly one wins', async () => {
      const credential = await app.core.createJoinCredential(RELAY);
      const [a, b] = await Promise.all([dial(joinKeys(credential)), dial(joinKeys(credential))]);
      const keys = [generateKeyPair(), generateKeyPair()];
      const results = await Promise.allSettled([
        a.call('join', [{ publicKey: keys[0]?.publicKey }]),
        b.call('join', [{ publicKey: keys[1]?.publicKey }]),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect((lost.reason as { code: string }).code).toBe(ErrorCode.UNAUTHENTICATED);
      expect(String((lost.reason as Error).message)).toMatch(/spent or expired/);
      const loser = keys[results.indexOf(lost)] as CurveKeyPair;
      await refusedAtHandshake(loser);
      await refusedAtHandshake(joinKeys(credential)); // spent: the next handshake is refused
    });

    it('refuses a join on a session opened before the credential expired, and any new one after', async () => {
      const credential = await app.core.createJoinCredential(RELAY, { ttlMs: 400 });
      const stale = await dial(joinKeys(credential));
      await new Promise((r) => setTimeout(r, 600));
      const err = await errorOf(stale.call('join', [{ publicKey: generateKeyPair().publicKey }]));
      expect(err.code).toBe(ErrorCode.UNAUTHENTICATED);
      await refusedAtHandshake(joinKeys(credential));
    });

    it('refuses to bind a key the core already admitted (its own), spending the credential', async () => {
      const credential = await app.core.createJoinCredential(RELAY);
      const joiner = await dial(joinKeys(credential));
      const err = await errorOf(joiner.call('join', [{ publicKey: coreKeys.publicKey }]));
      expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
      await expect(app.core.operatorCall('echo', 'echo', ['still the operator'])).resolves.toBe(
        'still the operator',
      );
    });
  });

  describe('one live key per identity; reserved and local names are never admitted', () => {
    it.each([['core'], ['operator'], ['capability']])(
      "refuses the reserved name '%s'",
      async (name) => {
        const packageJson = { name, tessera: { name } };
        const err = await errorOf(app.core.createJoinCredential(name, { packageJson }));
        expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
        expect(err.message).toMatch(/reserved/);
      },
    );

    it("refuses a name the app's own modules hold", async () => {
      const err = await errorOf(app.core.createJoinCredential('@tessera-test/echo'));
      expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
      expect(err.message).toMatch(/'echo' is one of this app's own modules, loaded on this core/);
    });

    it('refuses a second credential or host for an identity with a live one, unless replaced', async () => {
      const first = await app.core.createJoinCredential(RELAY);
      const pending = await errorOf(app.core.createJoinCredential(RELAY));
      expect(pending.code).toBe(ErrorCode.FAILED_PRECONDITION);
      expect(pending.message).toMatch(/still unspent.*--replace/);
      const own = await join(first);
      await (await dial(own)).call('attach', [{ packageJson: relayPackage }]);
      const held = await errorOf(app.core.createJoinCredential(RELAY));
      expect(held.code).toBe(ErrorCode.FAILED_PRECONDITION);
      expect(held.message).toMatch(/already has an admitted remote host.*--replace/);
    });

    it('replacing revokes the old key: its open sessions close, its next handshake is refused, the newcomer attaches', async () => {
      const own = await join(await app.core.createJoinCredential(RELAY));
      let closed = false;
      const old = await dial(own, () => (closed = true));
      await old.call('attach', [{ packageJson: relayPackage }]);
      expect(app.core.sessionsOf(own.publicKey)).toBe(1);

      const credential = await app.core.createJoinCredential(RELAY, { replace: true });
      await waitFor(() => closed);
      expect(app.core.sessionsOf(own.publicKey)).toBe(0);
      expect(app.core.module('relay')).toBeUndefined();
      // The replaced key gets a channel only to hear it was fenced: attach, and anything else, refused.
      const stale = await dial(own);
      const told = await errorOf(stale.call('attach', [{ packageJson: relayPackage }]));
      expect(told.data).toMatchObject({ fenced: true });
      expect(told.message).toMatch(/replaced by a newly admitted host/);
      expect((await errorOf(stale.call('requestModule', [{ to: 'echo' }]))).data).toMatchObject({
        fenced: true,
      });
      expect(app.core.module('relay')).toBeUndefined();

      const next = await join(credential);
      await expect(
        (await dial(next)).call('attach', [{ packageJson: relayPackage }]),
      ).resolves.toHaveProperty('coreToken');
      expect(app.core.module('relay')?.state).toBe('starting');
    });
  });
});
