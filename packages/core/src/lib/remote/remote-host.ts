import { randomBytes } from 'node:crypto';
import { ErrorCode, TesseraError } from '@tessera/protocol';
import { TokenManager } from '@tessera/token-manager';
import { RpcPeer } from '@tessera/transport';
import { type CurveKeyPair, ZeroMqTransport, generateKeyPair } from '@tessera/transport-zeromq';
import { ModuleHost, loadDefinition } from '@tessera/host';
import { discoverOne, readPackageJson } from '../discovery';
import { factsOf } from '../registry/module-manifest';
import type { ModuleManifest } from '../registry/module-manifest';
import { resolvePassphrase } from '../secrets';
import { type HostIdentity, identityExists, loadIdentity, saveIdentity } from './host-identity';
import { decodeJoinCredential } from './join-credential';
import { factsMismatch } from './pinned-facts';
import { safeHostAddress } from './safe-address';

export interface RemoteHostOptions {
  /** The module package to host, found by npm name from `cwd`. */
  modulePackage: string;
  cwd: string;
  /**
   * A one-time join credential (first start), or how to read one: asked for
   * only when there is no identity file yet, or with `rejoin`.
   */
  credential?: string | (() => Promise<string | undefined>);
  /**
   * Keep this host's identity (its key pair) here, sealed (AES-256-GCM) and
   * 0600: a restarted host re-attaches with it, without a credential.
   */
  identityFile?: string;
  /** Join again with a new credential even though the identity file exists (it is replaced). */
  rejoin?: boolean;
  /** The passphrase sealing the identity file; default from the environment or a prompt. */
  passphrase?: string;
  /** A file holding that passphrase (`--passphrase-file`). */
  passphraseFile?: string;
  /**
   * Where the module listens; default tcp://0.0.0.0:0, advertised as this
   * machine's address on its route to the core. Loopback only when the core
   * is on loopback too.
   */
  listen?: string;
  /** Host name or address other machines reach this one by (never 0.0.0.0; loopback only with a loopback core). */
  advertise?: string;
  /** Liveness on every connection of this host: the beat, and the silent beats that mean lost. */
  heartbeatIntervalMs?: number;
  heartbeatMisses?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /**
   * The core fenced this process (the operator replaced or evicted the host,
   * or another process with this key attached after it): the module is
   * stopped already; the process should exit, saying `reason`.
   */
  onFenced?: (reason: string) => void;
  /**
   * The module hung: this process was busy (not frozen from outside) for
   * longer than the liveness budget, so the core has declared it lost and
   * revoked its grants. The module is stopped already; the process should
   * exit and be started afresh.
   */
  onHung?: (reason: string) => void;
}

export interface RunningRemoteHost {
  readonly module: string;
  readonly publicKey: string;
  /** Stop the module and close every connection. */
  stop(): Promise<void>;
}

const BACKOFF_MS = [200, 500, 1000, 2000, 5000];

/** Attach refusals no retry can change: the key is not admitted for this, or the package differs. */
const FATAL = new Set<string>([
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.PERMISSION_DENIED,
  ErrorCode.INVALID_ARGUMENT,
]);

/**
 * Host one module for a core on another machine, over ZeroMQ with CURVE.
 * First start: join with the credential's one-time key, registering this
 * host's own public key (its secret never leaves this process). Then attach:
 * the core admits our key, issues the core token over the encrypted channel,
 * and the module runs exactly as a local host's would.
 *
 * The module outlives the core channel: when it drops (core restarted, link
 * cut), the module keeps its instance, its listener and the grants it holds,
 * serving callers on those grants until they expire, while new grants fail
 * with `UNAVAILABLE`. The host re-attaches with the same key, with backoff,
 * and registers the same instance at the same address. A first attach that
 * meets "already attached" or a missing dependency retries likewise.
 */
export async function runRemoteHost(options: RemoteHostOptions): Promise<RunningRemoteHost> {
  const log = options.log ?? (() => undefined);
  const found = await discoverOne(options.modulePackage, options.cwd);
  const packageJson = await readPackageJson(found.packageDir, options.modulePackage);
  const definition = loadDefinition(found.entryPath, found.manifest.name);
  // Checked before a credential is spent: peers must be able to reach what this host advertises.
  let address: Awaited<ReturnType<typeof safeHostAddress>> | undefined;
  const identity = await establishIdentity(options, found.manifest, log, async (core) => {
    address = await safeHostAddress({
      core,
      ...(options.listen ? { listen: options.listen } : {}),
      ...(options.advertise ? { advertise: options.advertise } : {}),
    });
  });
  const where = address as NonNullable<typeof address>;
  if (where.derived)
    log(
      `advertising ${where.derived} (this machine's address on the route to the core; --advertise to choose)`,
    );
  // This process's instance of the module: the core keeps its incarnation while it is the same.
  const instance = randomBytes(12).toString('base64url');

  const tokens = new TokenManager(identity.module);
  const transport = new ZeroMqTransport({
    curve: {
      secretKey: identity.secretKey,
      publicKey: identity.publicKey,
      serverKey: identity.coreKey,
      authorize: (k) => tokens.callerForKey(k),
    },
    ...(options.heartbeatIntervalMs ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
    ...(options.heartbeatMisses ? { heartbeatMisses: options.heartbeatMisses } : {}),
  });
  let host: ModuleHost | undefined;
  let stopped = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lostAt: number | undefined;
  /** The epoch of this process's last attach: a re-attach older than the key's latest is fenced. */
  let epoch: number | undefined;

  const attach = async (): Promise<void> => {
    const peer = new RpcPeer(await transport.connect(identity.core), { defaultTimeoutMs: 20_000 });
    let reply: { coreToken: string; dropGrants?: boolean; epoch?: number };
    try {
      reply = (await peer.call('attach', [
        { packageJson, instance, ...(epoch !== undefined ? { epoch } : {}) },
      ])) as typeof reply;
    } finally {
      await peer.close();
    }
    if (typeof reply.epoch === 'number') epoch = reply.epoch;
    if (host) {
      await host.reattach(reply.coreToken, { dropGrants: reply.dropGrants === true });
      const away = lostAt === undefined ? '' : ` after ${Date.now() - lostAt} ms away`;
      lostAt = undefined;
      attempt = 0;
      log(
        `${identity.module} re-attached to ${identity.core}${away}, same instance at ${host.advertisedAddress}`,
      );
      return;
    }
    const h = new ModuleHost({
      definition,
      transport,
      tokens,
      ...(found.manifest.resources ? { resources: found.manifest.resources } : {}),
      coreAddress: identity.core,
      coreToken: reply.coreToken,
      listenAddress: where.listen,
      serverKey: identity.publicKey,
      advertise: where.advertise,
      onCoreLost: () => {
        lostAt = Date.now();
        log(
          `connection to the core lost; ${identity.module} keeps serving on the grants it holds, re-attaching`,
        );
        schedule();
      },
    });
    try {
      await h.start();
    } catch (err) {
      await h.stop().catch(() => undefined);
      throw err;
    }
    host = h;
    attempt = 0;
    log(`${identity.module} attached to ${identity.core}, serving at ${h.advertisedAddress}`);
  };
  const schedule = (): void => {
    if (stopped || timer) return;
    const ms = BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)] as number;
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped || (host && !host.coreLost)) return;
      attach().catch((err: unknown) => {
        if (isFenced(err)) {
          void fence((err as TesseraError).message);
          return;
        }
        log(`attach failed: ${describe(err)}; retrying`);
        schedule();
      });
    }, ms);
  };

  // A module that blocks this process's event loop past the liveness budget is fenced by the
  // core (lost, grants revoked); when it wakes it must not carry on as if nothing happened.
  // Busy (CPU time spent meanwhile) tells a hung module from a process frozen from outside
  // (SIGSTOP, a suspended VM), which resumes like a link cut.
  const budgetMs = (options.heartbeatIntervalMs ?? 1000) * (options.heartbeatMisses ?? 5);
  let lastTick = performance.now();
  let lastCpu = process.cpuUsage();
  const watchdog = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const gapMs = now - lastTick;
    const busyMs = (cpu.user - lastCpu.user + (cpu.system - lastCpu.system)) / 1000;
    lastTick = now;
    lastCpu = cpu;
    // A busy loop gets a share of a loaded machine's CPU; a stopped process gets none.
    if (gapMs > budgetMs && busyMs > gapMs / 10) {
      const reason = `module ${identity.module} hung for ${Math.round(gapMs)} ms, longer than the ${budgetMs} ms liveness budget: the core has revoked its grants`;
      void stopAll(`hung: ${reason}; stopping it`).then(() => options.onHung?.(reason));
    }
  }, 250);
  watchdog.unref();

  const stopAll = async (why: string): Promise<void> => {
    if (stopped) return;
    stopped = true;
    clearInterval(watchdog);
    if (timer) clearTimeout(timer);
    log(why);
    await host?.stop().catch(() => undefined);
    await transport.close().catch(() => undefined);
  };

  /** Fenced: stop serving at once (another host holds the module now) and say so. */
  const fence = async (reason: string): Promise<void> => {
    if (stopped) return;
    await stopAll(`fenced: ${reason}`);
    options.onFenced?.(reason);
  };

  try {
    await firstAttach(attach, log, () => stopped);
  } catch (err) {
    clearInterval(watchdog);
    await transport.close();
    throw err;
  }
  return {
    module: identity.module,
    publicKey: identity.publicKey,
    stop: async () => {
      stopped = true;
      clearInterval(watchdog);
      if (timer) clearTimeout(timer);
      await host?.stop();
      await transport.close();
    },
  };
}

/**
 * The first attach, retried with backoff while the refusal may pass
 * ("already attached": the host this one replaces is still going;
 * a dependency not loaded yet; the core unreachable). Refusals no retry
 * changes (key not admitted, package not the one pinned) end it.
 */
async function firstAttach(
  attach: () => Promise<void>,
  log: (line: string) => void,
  stopped: () => boolean,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await attach();
      return;
    } catch (err) {
      if (stopped() || isFenced(err) || (err instanceof TesseraError && FATAL.has(err.code)))
        throw err;
      const ms = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] as number;
      log(`attach failed: ${describe(err)}; retrying in ${ms} ms`);
      await new Promise((r) => setTimeout(r, ms));
    }
  }
}

/** The core's answer to a replaced, evicted or stale process: stop, do not retry. */
function isFenced(err: unknown): boolean {
  return (
    err instanceof TesseraError && (err.data as { fenced?: unknown } | undefined)?.fenced === true
  );
}

function describe(err: unknown): string {
  return err instanceof TesseraError
    ? `${err.code}: ${err.message}`
    : err instanceof Error
      ? err.message
      : String(err);
}

async function establishIdentity(
  options: RemoteHostOptions,
  manifest: ModuleManifest,
  log: (l: string) => void,
  preflight: (core: string) => Promise<void>,
): Promise<HostIdentity> {
  const module = manifest.name;
  const file = options.identityFile;
  let passphrase: string | undefined = options.passphrase;
  const passphraseOf = async (): Promise<string> =>
    (passphrase ??= await resolvePassphrase({
      ...(options.passphraseFile ? { file: options.passphraseFile } : {}),
      what: `the identity file ${file ?? ''}`.trim(),
    }));
  if (file && !options.rejoin && (await identityExists(file))) {
    const { identity, migrated } = await loadIdentity(file, await passphraseOf(), module);
    if (migrated) log(`identity file ${file} was plain JSON: it is now encrypted`);
    await preflight(identity.core);
    return identity;
  }
  const text =
    typeof options.credential === 'function' ? await options.credential() : options.credential;
  if (!text)
    throw TesseraError.invalidArgument(
      file
        ? `no identity file at ${file} yet: the first start needs the join credential from 'tessera admit' on standard input`
        : 'a remote host needs a join credential (or an identity file from an earlier join)',
    );
  // Asked before joining, so a missing passphrase does not spend the credential.
  if (file) await passphraseOf();
  const cred = decodeJoinCredential(text);
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
  await preflight(cred.core);
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
  if (file) await saveIdentity(file, identity, await passphraseOf());
  return identity;
}
