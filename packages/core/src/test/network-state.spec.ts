import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const relayPackage = JSON.parse(
  readFileSync(require.resolve(`${RELAY}/package.json`), 'utf8'),
) as unknown;
const PASS = 'state directory passphrase';

/**
 * The core's network state across restarts: its key pair and admitted keys
 * sealed in a state directory, reopened by the next core, refused under a
 * wrong passphrase; and the fencing that goes with it (epochs, replaced
 * keys told why). Hosts speak the protocol by hand over real CURVE sockets.
 */
describe('persistent core identity and admission state', () => {
  let dir: string;
  let app: Tessera | undefined;
  const transports: ZeroMqTransport[] = [];

  const start = (passphrase = PASS) =>
    createTessera({
      isolation: 'process',
      transport: { kind: 'zeromq', options: { heartbeatIntervalMs: 200 } },
      network: { listen: 'tcp://127.0.0.1:0', state: { dir: join(dir, 'network'), passphrase } },
      policy: new StaticPolicyEngine([
        ...['echo', 'relay'].map((caller) => ({
          caller,
          target: 'core',
          methods: [...CORE_MODULE_METHODS],
        })),
      ]),
      identities: [{ name: 'operator', provides: {}, requires: [] }],
      capability: { sweepIntervalMs: 0 },
    });
  const load = (a: Tessera) =>
    a.core.load([
      {
        manifest: { name: 'echo' },
        packageName: '@tessera-test/echo',
        entryPath: require.resolve('@tessera-test/echo'),
      },
    ]);

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-netstate-'))));
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
    await app?.close();
    app = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const dial = async (a: Tessera, keys: CurveKeyPair, coreKey: string): Promise<RpcPeer> => {
    const t = new ZeroMqTransport({ logger: quiet, curve: { ...keys, serverKey: coreKey } });
    transports.push(t);
    return new RpcPeer(await t.connect(a.core.address, { timeoutMs: 2000 }), {
      defaultTimeoutMs: 5000,
    });
  };
  /** Mint, spend: a host key admitted for relay, and the core's public key. */
  const admitRelay = async (a: Tessera) => {
    const cred = decodeJoinCredential(await a.core.createJoinCredential(RELAY));
    const own = generateKeyPair();
    await (
      await dial(a, { publicKey: cred.publicKey, secretKey: cred.secretKey }, cred.coreKey)
    ).call('join', [{ publicKey: own.publicKey }]);
    return { own, coreKey: cred.coreKey };
  };
  const coreKeyOf = async (a: Tessera) =>
    decodeJoinCredential(await a.core.createJoinCredential(RELAY, { replace: true })).coreKey;

  it('a restarted core has the same key and still admits the hosts that joined; the files are sealed, 0600', async () => {
    app = await start();
    await load(app);
    const { own, coreKey } = await admitRelay(app);
    await (
      await dial(app, own, coreKey)
    ).call('attach', [{ packageJson: relayPackage, instance: 'process-A' }]);
    const incarnation = app.core.module('relay')?.incarnation;
    await app.close();
    app = undefined;

    const files = readdirSync(join(dir, 'network')).sort();
    expect(files).toEqual(['admissions', 'core.key']);
    expect(statSync(join(dir, 'network')).mode & 0o777).toBe(0o700);
    for (const f of files) {
      expect(statSync(join(dir, 'network', f)).mode & 0o777).toBe(0o600);
      const text = readFileSync(join(dir, 'network', f), 'utf8');
      expect(text).not.toContain(own.publicKey); // even public keys are not in the clear
      expect(text).not.toContain(coreKey);
    }

    app = await start();
    await load(app);
    // Same key pair: the host's pinned server key still fits, and its own key is still admitted.
    const host = await dial(app, own, coreKey);
    const attached = (await host.call('attach', [
      { packageJson: relayPackage, instance: 'process-A' },
    ])) as { coreToken: string; epoch: number; dropGrants: boolean };
    expect(attached.coreToken).toEqual(expect.any(String));
    expect(attached.epoch).toBe(2);
    // Grants the old core minted stay good: this core never revoked them.
    expect(attached.dropGrants).toBe(false);
    // The same host process: the same incarnation, so its callers hear of no restart…
    expect(app.core.module('relay')?.incarnation).toBe(incarnation);
    // …and another process of it is a new one, even though this core counts from scratch.
    await (
      await dial(app, own, coreKey)
    ).call('attach', [{ packageJson: relayPackage, instance: 'process-B' }]);
    expect(app.core.module('relay')?.incarnation).toBe((incarnation as number) + 1);
  });

  it('a wrong passphrase stops the core with a clear error and changes nothing', async () => {
    app = await start();
    await app.close();
    app = undefined;
    const before = readFileSync(join(dir, 'network', 'core.key'));
    const err = await errorOf(start('not the right passphrase'));
    expect(err.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(err.message).toMatch(/core\.key: wrong passphrase, or the file was altered/);
    expect(err.message).not.toContain('not the right passphrase');
    expect(readFileSync(join(dir, 'network', 'core.key'))).toEqual(before);
  });

  it('fences: a stale epoch, and a replaced key, are told so instead of being let back in', async () => {
    app = await start();
    await load(app);
    const { own, coreKey } = await admitRelay(app);
    const first = (await (
      await dial(app, own, coreKey)
    ).call('attach', [{ packageJson: relayPackage }])) as { epoch: number };
    // A second process with the same key (a copy of the identity file) attaches: it wins.
    const second = (await (
      await dial(app, own, coreKey)
    ).call('attach', [{ packageJson: relayPackage }])) as { epoch: number; dropGrants: boolean };
    expect(second.epoch).toBe(first.epoch + 1);
    // This core took the first one's place away (and its grants): the newcomer is told to drop what it holds.
    expect(second).toMatchObject({ dropGrants: true });
    // The first one comes back with its old epoch: fenced, with why.
    const stale = await errorOf(
      (await dial(app, own, coreKey)).call('attach', [
        { packageJson: relayPackage, epoch: first.epoch },
      ]),
    );
    expect(stale.code).toBe(ErrorCode.FAILED_PRECONDITION);
    expect(stale.data).toMatchObject({ fenced: true });
    expect(stale.message).toMatch(/another process with its key attached after it/);

    // The operator replaces the host: the old key may still connect, only to hear it was fenced.
    await coreKeyOf(app);
    const told = await errorOf(
      (await dial(app, own, coreKey)).call('attach', [
        { packageJson: relayPackage, epoch: second.epoch },
      ]),
    );
    expect(told.data).toMatchObject({ fenced: true });
    expect(told.message).toMatch(/replaced by a newly admitted host/);
    // …and nothing else: no other method, no grant.
    expect(
      await codeOf((await dial(app, own, coreKey)).call('requestModule', [{ to: 'echo' }])),
    ).toBe(ErrorCode.FAILED_PRECONDITION);
    // The refused handshake is on the trail, with the reason and a fingerprint, not the key.
    const refused = app.core.trail
      .recent()
      .filter((e) => e.kind === 'host.refused' && /handshake refused for key/.test(e.reason));
    expect(refused[0]?.reason).toMatch(/replaced by a newly admitted host/);
    expect(refused[0]?.reason).not.toContain(own.publicKey);
  });
});
