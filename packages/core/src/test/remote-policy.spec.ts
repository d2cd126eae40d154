import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode } from '@tessera/protocol';
import { errorOf } from '@tessera/protocol/testing';
import { OpaPolicyEngine, buildBundle, silentPolicyLogger } from '@tessera/policy';
import { RpcPeer } from '@tessera/transport';
import { ZeroMqTransport, generateKeyPair } from '@tessera/transport-zeromq';
import { decodeJoinCredential } from '../lib/remote/join-credential';
import { createTessera, type Tessera } from '../lib/tessera';

const REPO = resolve(__dirname, '../../../..');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const pkg = (name: string) =>
  JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as {
    tessera: { provides: Record<string, string[]> };
  };

/**
 * The repository's own Rego (policies/), compiled by the pinned OPA, with a
 * deny-list entry that applies to remote subjects only: the core marks a
 * host admitted by a join credential `subject.remote: true`, so the entry
 * stops it and spares local callers of the same target.
 */
describe('the default policy tells remote subjects apart', () => {
  let dir: string;
  let app: Tessera;
  let engine: OpaPolicyEngine;
  const coreKeys = generateKeyPair();
  const transports: ZeroMqTransport[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-remote-policy-'));
    const opa = execFileSync('bash', [join(REPO, 'tools/opa.sh')], { encoding: 'utf8' }).trim();
    await buildBundle({ opa, sourceDir: join(REPO, 'policies'), outDir: dir });
    const data = JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8')) as {
      tessera: Record<string, unknown>;
    };
    data.tessera['deny'] = [
      { caller: '*', target: 'echo', remote: true, reason: 'echo serves this machine only' },
    ];
    writeFileSync(join(dir, 'data.json'), JSON.stringify(data));
  }, 300_000);

  beforeEach(async () => {
    ({ engine } = await OpaPolicyEngine.open({ bundle: dir, logger: silentPolicyLogger }));
    app = await createTessera({
      isolation: 'process',
      transport: { kind: 'zeromq', options: { heartbeatIntervalMs: 200 } },
      network: { listen: 'tcp://127.0.0.1:0', keys: coreKeys },
      policy: engine,
      identities: [{ name: 'operator', provides: {}, requires: [] }],
      capability: { sweepIntervalMs: 0 },
    });
    await app.core.load([
      {
        manifest: { name: 'echo', provides: pkg('@tessera-test/echo').tessera.provides },
        packageName: '@tessera-test/echo',
        entryPath: require.resolve('@tessera-test/echo'),
      },
    ]);
  });

  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
    await app.close();
    await engine.close();
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const dial = async (keys: { publicKey: string; secretKey: string }) => {
    const t = new ZeroMqTransport({
      logger: quiet,
      curve: { ...keys, serverKey: coreKeys.publicKey },
    });
    transports.push(t);
    return new RpcPeer(await t.connect(app.core.address, { timeoutMs: 2000 }), {
      defaultTimeoutMs: 5000,
    });
  };

  it('denies the remote relay what the same entry leaves to local callers', async () => {
    const credential = decodeJoinCredential(
      await app.core.createJoinCredential('@tessera-test/relay'),
    );
    const own = generateKeyPair();
    await (await dial(credential)).call('join', [{ publicKey: own.publicKey }]);
    const host = await dial(own);
    const packageJson = pkg('@tessera-test/relay');
    const { coreToken } = (await host.call('attach', [{ packageJson }])) as { coreToken: string };
    // What it registers must match the manifest it attached with (checked at load).
    const methods = Object.values(packageJson.tessera.provides as Record<string, string[]>)
      .flat()
      .map((name) => ({ name, params: [] }));
    await host.call('register', [{ address: 'tcp://127.0.0.1:9', spec: { methods, events: [] } }], {
      token: coreToken,
    });

    const denied = await errorOf(
      host.call('requestModule', [{ to: 'echo' }], { token: coreToken }),
    );
    expect(denied.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(denied.message).toMatch(
      /denied by deny list: \* -> echo \(echo serves this machine only\)/,
    );
    // The operator, local, is not stopped by the remote-only entry.
    await expect(app.core.operatorCall('echo', 'echo', ['local'])).resolves.toBe('local');
  });
});
