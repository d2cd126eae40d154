import { readFile, writeFile } from 'node:fs/promises';
import { TesseraError } from '@tessera/protocol';
import { TokenManager } from '@tessera/token-manager';
import { RpcPeer } from '@tessera/transport';
import { type CurveKeyPair, ZeroMqTransport, generateKeyPair } from '@tessera/transport-zeromq';
import { ModuleHost, loadDefinition } from '@tessera/host';
import { discoverOne, readPackageJson } from '../discovery';
import { factsOf } from '../registry/module-manifest';
import type { ModuleManifest } from '../registry/module-manifest';
import { decodeJoinCredential } from './join-credential';
import { factsMismatch } from './pinned-facts';

/** What a remote host remembers to re-attach after a restart without a new credential. */
interface HostIdentity {
  core: string;
  coreKey: string;
  module: string;
  publicKey: string;
  secretKey: string;
}

export interface RemoteHostOptions {
  /** The module package to host, found by npm name from `cwd`. */
  modulePackage: string;
  cwd: string;
  /** A one-time join credential (first start). */
  credential?: string;
  /** Keep this host's identity (its key pair) here, mode 0600, to re-attach after a restart. */
  identityFile?: string;
  /** Where the module listens; default tcp://0.0.0.0:0. */
  listen?: string;
  /** Host name other machines reach this one by (default: as bound). */
  advertise?: string;
  heartbeatIntervalMs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface RunningRemoteHost {
  readonly module: string;
  readonly publicKey: string;
  stop(): Promise<void>;
}

const BACKOFF_MS = [200, 500, 1000, 2000, 5000];

/**
 * Host one module for a core on another machine, over ZeroMQ with CURVE.
 * First start: join with the credential's one-time key, registering this
 * host's own public key (its secret never leaves this process). Then attach:
 * the core admits our key, issues the core token over the encrypted channel,
 * and the module runs exactly as a local host's would. If the connection to
 * the core is lost, the module stops (the core has revoked its grants) and
 * the host re-attaches with the same key, with backoff.
 */
export async function runRemoteHost(options: RemoteHostOptions): Promise<RunningRemoteHost> {
  const log = options.log ?? (() => undefined);
  const found = await discoverOne(options.modulePackage, options.cwd);
  const packageJson = await readPackageJson(found.packageDir, options.modulePackage);
  const definition = loadDefinition(found.entryPath, found.manifest.name);
  const identity = await establishIdentity(options, found.manifest, log);

  const tokens = new TokenManager(identity.module);
  const transport = new ZeroMqTransport({
    curve: {
      secretKey: identity.secretKey,
      publicKey: identity.publicKey,
      serverKey: identity.coreKey,
      authorize: (k) => tokens.callerForKey(k),
    },
    ...(options.heartbeatIntervalMs ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
  });
  let host: ModuleHost | undefined;
  let stopped = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const attach = async (): Promise<void> => {
    const peer = new RpcPeer(await transport.connect(identity.core), { defaultTimeoutMs: 20_000 });
    let coreToken: string;
    try {
      ({ coreToken } = (await peer.call('attach', [{ packageJson }])) as { coreToken: string });
    } finally {
      await peer.close();
    }
    const h = new ModuleHost({
      definition,
      transport,
      tokens,
      ...(found.manifest.resources ? { resources: found.manifest.resources } : {}),
      coreAddress: identity.core,
      coreToken,
      listenAddress: options.listen ?? 'tcp://0.0.0.0:0',
      serverKey: identity.publicKey,
      advertise: options.advertise,
      onCoreLost: () => {
        log(`connection to the core lost; ${identity.module} stopped, re-attaching`);
        void h.stop().then(schedule);
      },
    });
    host = h;
    await h.start();
    attempt = 0;
    log(`${identity.module} attached to ${identity.core}, serving at ${h.address}`);
  };
  const schedule = (): void => {
    if (stopped) return;
    const ms = BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)] as number;
    timer = setTimeout(() => {
      attach().catch((err: unknown) => {
        log(`attach failed: ${err instanceof Error ? err.message : String(err)}; retrying`);
        schedule();
      });
    }, ms);
  };

  try {
    await attach();
  } catch (err) {
    await transport.close();
    throw err;
  }
  return {
    module: identity.module,
    publicKey: identity.publicKey,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await host?.stop();
      await transport.close();
    },
  };
}

async function establishIdentity(
  options: RemoteHostOptions,
  manifest: ModuleManifest,
  log: (l: string) => void,
): Promise<HostIdentity> {
  const module = manifest.name;
  if (!options.credential) {
    if (!options.identityFile)
      throw TesseraError.invalidArgument(
        'a remote host needs a join credential (or an identity file from an earlier join)',
      );
    const saved = JSON.parse(await readFile(options.identityFile, 'utf8')) as HostIdentity;
    if (saved.module !== module)
      throw TesseraError.invalidArgument(
        `identity file is for module ${saved.module}, not ${module}`,
      );
    return saved;
  }
  const cred = decodeJoinCredential(options.credential);
  if (cred.module !== module)
    throw TesseraError.invalidArgument(
      `the join credential admits module '${cred.module}', not '${module}'`,
    );
  if (Date.now() >= cred.expiresAt)
    throw TesseraError.unauthenticated(
      'the join credential has expired: ask the operator for a new one',
    );
  // Told before joining, so a mismatch does not spend the credential (the core checks at attach).
  const mismatch = cred.facts && factsMismatch(cred.facts, factsOf(manifest));
  if (mismatch)
    throw TesseraError.permissionDenied(
      `the package.json of module '${module}' does not match the facts pinned when it was admitted (${mismatch}): ` +
        'install the package version the operator admitted, or have this one admitted (tessera admit … --replace); the credential is not spent',
    );
  const own: CurveKeyPair = generateKeyPair();
  const joiner = new ZeroMqTransport({
    curve: { secretKey: cred.secretKey, publicKey: cred.publicKey, serverKey: cred.coreKey },
  });
  try {
    const peer = new RpcPeer(await joiner.connect(cred.core, { timeoutMs: 5000 }));
    await peer.call('join', [{ publicKey: own.publicKey }], { timeoutMs: 10_000 });
    await peer.close();
  } catch (err) {
    throw TesseraError.unauthenticated(
      `could not join ${cred.core}: ${err instanceof Error ? err.message : String(err)} (a credential works once, until it expires)`,
    );
  } finally {
    await joiner.close();
  }
  log(`joined ${cred.core} as ${module}`);
  const identity: HostIdentity = {
    core: cred.core,
    coreKey: cred.coreKey,
    module,
    publicKey: own.publicKey,
    secretKey: own.secretKey,
  };
  if (options.identityFile)
    await writeFile(options.identityFile, JSON.stringify(identity) + '\n', { mode: 0o600 });
  return identity;
}
