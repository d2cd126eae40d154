import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode } from '@tessera/protocol';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { RpcPeer } from '@tessera/transport';
import { ZeroMqTransport, generateKeyPair } from '@tessera/transport-zeromq';
import { createTessera, type Tessera } from '../lib/tessera';
import { CORE_MODULE_METHODS } from '../index';
import type { CoreEvent } from '../lib/lifecycle/core-events';
import { codeOf, errorOf } from '@tessera/protocol/testing';
import { decodeJoinCredential } from '../lib/remote/join-credential';
import { readSealedFile } from '../lib/secrets';

const ROOT = resolve(__dirname, '../../../..');
const PASS = 'multi-host test passphrase';
const REMOTE_MAIN = join(ROOT, 'packages/core/dist/lib/remote/remote-main.js');

/**
 * Modules on other hosts: the core and a local module host on one side, a
 * remote host admitted by a one-time join credential on the other, each a
 * separate process on 127.0.0.1 with its own CURVE key pair.
 */
describe('modules on other hosts over ZeroMQ with CURVE', () => {
  let app: Tessera;
  let policy: StaticPolicyEngine;
  let events: CoreEvent[];
  const coreKeys = generateKeyPair();
  const remotes: ChildProcess[] = [];
  const transports: ZeroMqTransport[] = [];
  let dir: string;

  const waitFor = async (pred: () => boolean, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error('condition not reached in time');
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  /** Start `tessera host` for relay as its own process; the credential goes in on stdin. */
  const startRemote = (credential: string | undefined, identityFile: string) => {
    const child = spawn(
      process.execPath,
      [
        REMOTE_MAIN,
        '--module',
        '@tessera-test/relay',
        '--listen',
        'tcp://127.0.0.1:0',
        '--identity-file',
        identityFile,
        '--heartbeat-ms',
        '200',
      ],
      // The identity file is sealed under this passphrase (never argv).
      {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, TESSERA_PASSPHRASE: PASS },
      },
    );
    child.stdin?.end(credential ?? '');
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    remotes.push(child);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    return { child, output: () => out, exited };
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-multihost-'));
    events = [];
    app = await createTessera({
      isolation: 'process',
      transport: { kind: 'zeromq', options: { heartbeatIntervalMs: 200 } },
      network: { listen: 'tcp://127.0.0.1:0', keys: coreKeys },
      heartbeatMs: 200,
      policy: (policy = new StaticPolicyEngine([
        ...['echo', 'relay'].map((caller) => ({
          caller,
          target: 'core',
          methods: [...CORE_MODULE_METHODS],
        })),
        { caller: 'relay', target: 'echo', methods: ['echo', 'pid'] },
        { caller: 'operator', target: 'relay', methods: ['relay', 'whoAmI'] },
        { caller: 'operator', target: 'echo', methods: ['echo'] },
      ])),
      identities: [{ name: 'operator', provides: {}, requires: [] }],
      capability: { sweepIntervalMs: 0 },
    });
    app.core.onEvent((e) => events.push(e));
    await app.core.load([
      {
        manifest: { name: 'echo' },
        packageName: '@tessera-test/echo',
        entryPath: require.resolve('@tessera-test/echo'),
      },
    ]);
  });

  afterEach(async () => {
    for (const c of remotes.splice(0))
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(transports.splice(0).map((t) => t.close()));
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function joinRelay() {
    const credential = await app.core.createJoinCredential('@tessera-test/relay');
    expect(credential).toMatch(/^tessera-join\./);
    const remote = startRemote(credential, join(dir, 'relay.identity'));
    await waitFor(() => app.core.module('relay')?.state === 'ready');
    return { credential, remote };
  }

  it('admits a remote module that calls and is called, over CURVE on tcp', async () => {
    const { remote } = await joinRelay();
    expect(app.core.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(app.core.module('relay')?.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const who = (await app.core.operatorCall('relay', 'whoAmI', [])) as {
      relay: number;
      echo: number;
    };
    expect(who.relay).toBe(remote.child.pid);
    // echo's pid as it sees it: a sandboxed local host may have a pid namespace of its own.
    expect(who.echo).toEqual(expect.any(Number));
    await expect(app.core.operatorCall('relay', 'relay', [{ over: 'tcp' }])).resolves.toEqual({
      over: 'tcp',
    });
    const grant = app.core.capability
      .grants()
      .find((g) => g.caller === 'relay' && g.target === 'echo');
    const identity = (await readSealedFile(join(dir, 'relay.identity'), PASS, 'host-identity')) as {
      publicKey: string;
    };
    expect(readFileSync(join(dir, 'relay.identity'), 'utf8')).not.toContain(
      (identity as { secretKey?: string }).secretKey,
    );
    expect(grant?.callerKey).toBe(identity.publicKey);
    expect(grant?.callerKey).toHaveLength(40);
    // Policy saw relay as remote, with the facts pinned at admission; echo and the operator as local.
    const asked = policy.asked.find((i) => i.subject.name === 'relay' && i.target.name === 'echo');
    expect(asked?.subject).toMatchObject({ requires: ['echo-all'], remote: true });
    expect(asked?.target).not.toHaveProperty('remote');
    const byOperator = policy.asked.find((i) => i.subject.name === 'operator');
    expect(byOperator?.subject).not.toHaveProperty('remote');
  });

  it('refuses a real host whose package says other than what was pinned, and tells its operator why', async () => {
    const pinned = JSON.parse(
      readFileSync(require.resolve('@tessera-test/relay/package.json'), 'utf8'),
    ) as { tessera: Record<string, unknown> };
    const credential = await app.core.createJoinCredential('relay', {
      packageJson: { ...pinned, tessera: { ...pinned.tessera, requires: [] } },
    });
    const remote = startRemote(credential, join(dir, 'relay.identity'));
    expect(await remote.exited).toBe(1);
    expect(remote.output()).toMatch(
      /PERMISSION_DENIED: the package.json of module 'relay' does not match the facts pinned when it was admitted \(requires \+echo-all\).*the credential is not spent/,
    );
    expect(app.core.module('relay')).toBeUndefined();

    // It said so before joining: the credential still works once, and the core makes the same check at attach.
    const cred = decodeJoinCredential(credential);
    const own = generateKeyPair();
    const joiner = new ZeroMqTransport({
      curve: { publicKey: cred.publicKey, secretKey: cred.secretKey, serverKey: cred.coreKey },
    });
    const host = new ZeroMqTransport({ curve: { ...own, serverKey: cred.coreKey } });
    transports.push(joiner, host);
    await new RpcPeer(await joiner.connect(cred.core)).call('join', [{ publicKey: own.publicKey }]);
    const packageJson = { ...pinned, name: '@tessera-test/relay' };
    const refused = await errorOf(
      new RpcPeer(await host.connect(cred.core)).call('attach', [{ packageJson }]),
    );
    expect(refused.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(refused.message).toMatch(/does not match the facts pinned .*\(requires \+echo-all\)/);
  });

  it('gives a client with an unknown key nothing, at the core or at a module', async () => {
    await joinRelay();
    const stranger = new ZeroMqTransport({
      curve: { ...generateKeyPair(), serverKey: coreKeys.publicKey },
    });
    transports.push(stranger);
    expect(await codeOf(stranger.connect(app.core.address, { timeoutMs: 1500 }))).toMatch(
      /UNAVAILABLE|TIMEOUT/,
    );
    const echo = app.core.module('echo');
    expect(
      await codeOf(
        stranger.connect(echo?.address as string, { serverKey: echo?.serverKey, timeoutMs: 1500 }),
      ),
    ).toMatch(/UNAVAILABLE|TIMEOUT/);
  });

  it('rejects a token replayed from another connection', async () => {
    await joinRelay();
    await app.core.operatorCall('relay', 'relay', ['warm']); // relay now holds a grant for echo, bound to its key
    const stolen = await app.core.issueToken('relay', 'echo', []); // a copy of relay's kind of token
    const own = await app.core.issueToken('operator', 'echo', []);
    const thief = new ZeroMqTransport({ curve: { ...coreKeys, serverKey: coreKeys.publicKey } });
    transports.push(thief);
    const echo = app.core.module('echo');
    const peer = new RpcPeer(
      await thief.connect(echo?.address as string, { serverKey: echo?.serverKey }),
    );
    expect(await codeOf(peer.call('echo', ['x'], { token: stolen.token }))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    await expect(peer.call('echo', ['mine'], { token: own.token })).resolves.toBe('mine');
    expect(await codeOf(peer.call('echo', ['x'], { token: stolen.token }))).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    await peer.close();
  });

  it("revokes a killed remote host's grants; it re-attaches by key, and a spent credential is refused", async () => {
    const { credential, remote } = await joinRelay();
    await app.core.operatorCall('relay', 'relay', ['before']);
    expect(app.core.capability.grants().some((g) => g.caller === 'relay')).toBe(true);
    remote.child.kill('SIGKILL');
    await waitFor(() => events.some((e) => e.kind === 'crashed' && e.module === 'relay'));
    expect(
      app.core.capability.grants().filter((g) => g.caller === 'relay' || g.target === 'relay'),
    ).toEqual([]);
    expect(await codeOf(app.core.operatorCall('relay', 'relay', ['gone']))).toBe(
      ErrorCode.NOT_FOUND,
    );

    const reused = startRemote(credential, join(dir, 'other.identity'));
    expect(await reused.exited).not.toBe(0);
    expect(reused.output()).toMatch(/could not join/);

    startRemote(undefined, join(dir, 'relay.identity')); // same key pair, no credential
    await waitFor(() => app.core.module('relay')?.state === 'ready');
    await expect(app.core.operatorCall('relay', 'relay', ['after'])).resolves.toBe('after');
  });
});
