import { PolicyMonitor } from './api/policy-monitor';
import 'reflect-metadata';
import { observeCore } from './telemetry/core-metrics';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import {
  CAPABILITY_MODULE,
  GRANT_DELIVERY,
  registerCapability,
  type CapabilityOptions,
} from '@tessera/capability';
import {
  type LimitsConfig,
  type SandboxMode,
  TesseraError,
  resolveToken,
  typedToken,
} from '@tessera/protocol';
import {
  POLICY_ENGINE,
  type PolicyEngine,
  type ModuleFacts,
  registerPolicy,
} from '@tessera/policy';
import { SecurityTrail, type SecurityTrailOptions, watchPolicy } from './audit';
import { MODULE_PROXY_OPTIONS, registerProxy } from '@tessera/proxy';
import { TOKEN_MANAGER_FACTORY, registerTokenManager } from '@tessera/token-manager';
import {
  type ChannelIdentitySecret,
  TRANSPORT_REGISTRY,
  channelIdentityFrom,
  type TransportConfig,
  createChannelIdentity,
  loadTelemetry,
  withChannelAuth,
} from '@tessera/transport';
import { InProcHub, registerInProcTransport } from '@tessera/transport-inproc';
import { registerIpcTransport } from '@tessera/transport-ipc';
import { generateKeyPair, registerZeroMqTransport } from '@tessera/transport-zeromq';
import { KeyRing } from './remote/key-ring';
import { NetworkState, type NetworkStateOptions } from './remote/network-state';
import { fencedAs, refusedKeyReporter } from './remote/refused-keys';
import { checkHostListen } from './remote/safe-address';
import { OPERATOR, RESERVED_MODULE_NAMES } from './registry/core-facts';
import { Core } from './core/core';
import type { RestartPolicy } from './lifecycle/core-events';
import { GrantRouter } from './grants/grant-router';
import { ModuleRegistry, type ModuleEntry } from './registry/module-registry';
import { ProcessLauncher } from './launch/process-launcher';
import type { HostLauncher } from './launch/host-launcher';
import { InProcessLauncher } from './launch/inproc-launcher';
import type { SandboxLayers } from './launch/sandbox';

/** DI token for the running core. */
export const CORE = typedToken<Core>('Core');

export interface TesseraOptions {
  /** Where modules run: each in its own child process (default for apps), or in the core's process. */
  isolation?: 'process' | 'in-process';
  /** The carrier between modules and the core: `{kind, options}`. Default: `ipc` for process isolation, else `inproc`. */
  transport?: TransportConfig;
  /** The policy engine. Omitted: every request is denied. */
  policy?: PolicyEngine;
  /** `'empty'`: Logos compatibility, denied calls resolve to `undefined`. */
  deniedResult?: 'error' | 'empty';
  /** Modules to load at start, in any order. */
  modules?: ModuleEntry[];
  /** Non-module identities the policy may grant (e.g. the operator). */
  identities?: ModuleFacts[];
  /** Override how hosts start (process isolation plugs in here). */
  launcher?: (c: DependencyContainer) => HostLauncher;
  /** Extra registrations (more transport kinds) before anything resolves. */
  register?: (c: DependencyContainer) => void;
  defaultTimeoutMs?: number;
  /** Restart crashed or hung modules; default: no restarts. */
  restart?: RestartPolicy;
  /**
   * Limits the core's door enforces on every caller whatever the policy says
   * (config `limits`); default `DEFAULT_LIMITS`: `requestModule` 20 a second,
   * burst 40, per caller.
   */
  limits?: LimitsConfig;
  /** Process hosts: heartbeat interval; a host silent for 3 beats is killed as hung. Default 1000 ms. */
  heartbeatMs?: number;
  /**
   * Process hosts: how they are confined (docs/security.md), as a mode or
   * by layer. Default `auto`: the Node permission model, plus bubblewrap
   * when it can run.
   */
  sandbox?: SandboxMode | SandboxLayers;
  /** Each module's data dir is `<stateDir>/data/<module>` (0700); default a temporary dir removed at close. */
  stateDir?: string;
  /** Paths no module host may read or write besides the state dir: the policy bundle, the config file. */
  protect?: string[];
  capability?: CapabilityOptions;
  /**
   * The security trail (`core.trail`, `tessera audit`): where its lines go
   * (`sink`, e.g. a rotating `security.jsonl`), the node id on them, how
   * many recent events it keeps, and how long door refusals are folded into
   * one line. Default: in memory only.
   */
  trail?: SecurityTrailOptions & { denialWindowMs?: number };
  now?: () => number;
  /**
   * Pinned identity keys (channel-handshake mode, i.e. without `network`):
   * a module's host proves its pinned key instead of a fresh one, and a
   * non-module identity listed in `identities` may connect with its own.
   * Grants to that identity are bound to the key. Default: none; every host
   * gets a fresh key per start.
   */
  identityKeys?: Record<string, ChannelIdentitySecret>;
  /**
   * Spread modules across hosts: the core listens on `listen` (tcp://) with
   * CURVE; every host gets its own key pair, admitted by the core's ZAP
   * handler, and grants are bound to the caller's key. Needs
   * `transport.kind: 'zeromq'` and process isolation.
   */
  network?: {
    listen: string;
    /**
     * Where this core's own module hosts listen: remote hosts must reach it,
     * so it is loopback only when `listen` is, and never a wildcard.
     * Default: the host of `listen` (or `advertise`, when `listen` binds
     * 0.0.0.0), port 0.
     */
    hostListen?: string;
    /** The core's CURVE key pair; default: the one in `state`, else a fresh one per start. */
    keys?: { publicKey: string; secretKey: string };
    /**
     * Keep the core's key pair and its admitted remote keys across restarts,
     * sealed under a passphrase in this directory (`tessera run` uses
     * `<app>/.tessera/network`). Default: in memory only.
     */
    state?: NetworkStateOptions;
    /** Host name to put in join credentials when `listen` binds 0.0.0.0. */
    advertise?: string;
    /** Where `tessera admit` resolves module packages to pin their facts; default: the working directory. */
    appDir?: string;
  };
}

/** A running app: the core, and the DI container that owns everything. */
export interface Tessera {
  readonly core: Core;
  readonly container: DependencyContainer;
  close(): Promise<void>;
}

/**
 * The composition root: wires token manager, proxy, policy, capability,
 * transports and core into a child container, starts the core endpoint and
 * loads the given modules. `close()` stops everything and disposes the container.
 */
export async function createTessera(
  options: TesseraOptions = {},
  parent: DependencyContainer = rootContainer,
): Promise<Tessera> {
  // The core reports its metrics through the OpenTelemetry API anyway: load it
  // now, so the per-call "is anyone tracing?" check is the cheapest one.
  loadTelemetry();
  const c = parent.createChildContainer();
  registerTokenManager(c, options.now ? { now: options.now } : {});
  registerProxy(c, { deniedResult: options.deniedResult });
  registerPolicy(c, { engine: options.policy });
  registerInProcTransport(c, { hub: new InProcHub() });
  registerIpcTransport(c);
  registerZeroMqTransport(c);
  registerCapability(c, { ...options.capability, ...(options.now ? { now: options.now } : {}) });
  options.register?.(c);

  const tokenFactory = resolveToken(c, TOKEN_MANAGER_FACTORY);
  // Processes need a carrier that crosses them: IPC by default, as in tessera.config.json.
  let transportConfig = options.transport ?? {
    kind: options.isolation === 'process' ? 'ipc' : 'inproc',
  };
  // Who every key stands for: hosts' identity keys (or CURVE keys) and the core's own.
  const keyRing = new KeyRing();
  const trail = new SecurityTrail(options.trail);
  let coreKeys: { publicKey: string; secretKey: string } | undefined;
  let networkState: NetworkState | undefined;
  if (options.network) {
    if (transportConfig.kind !== 'zeromq' || options.isolation !== 'process') {
      throw TesseraError.invalidArgument(
        'network.listen needs transport.kind "zeromq" and isolation "process"',
        { field: 'network' },
      );
    }
    const ring = keyRing;
    checkHostListen(options.network); // before anything is opened: a clear error, nothing to undo
    if (options.network.state && options.network.keys)
      throw TesseraError.invalidArgument('network: give keys or state, not both', {
        field: 'network',
      });
    if (options.network.state)
      networkState = await NetworkState.open(options.network.state, keyRing);
    coreKeys = networkState?.coreKeys ?? options.network.keys ?? generateKeyPair();
    ring.admit(coreKeys.publicKey, OPERATOR); // the core's own outbound calls act for the operator
    const refused = refusedKeyReporter(ring, (e) => trail.record(e));
    transportConfig = {
      kind: 'zeromq',
      options: {
        ...transportConfig.options,
        curve: {
          ...coreKeys,
          // A replaced or evicted host's key gets in only to be told it was fenced.
          authorize: (key: string) => ring.identityOf(key) ?? refused(key) ?? fencedAs(ring, key),
        },
      },
    };
  }
  const carrier = resolveToken(c, TRANSPORT_REGISTRY).create(transportConfig);
  if (options.isolation === 'process' && carrier.kind === 'inproc') {
    await carrier.close();
    throw TesseraError.invalidArgument(
      'isolation "process" needs a transport that crosses processes (ipc or zeromq), not "inproc"',
      {
        field: 'transport.kind',
      },
    );
  }
  // Without CURVE, every connection proves an identity key in the channel
  // handshake instead: the core's own acts for the operator, as in CURVE mode.
  const coreIdentity = coreKeys ? undefined : createChannelIdentity().identity;
  if (coreIdentity) keyRing.admit(coreIdentity.publicKey, OPERATOR);
  const pinned = checkPinnedKeys(options.identityKeys ?? {}, coreIdentity !== undefined);
  for (const [name, secret] of Object.entries(pinned)) keyRing.admit(secret.publicKey, name);
  const transport = coreIdentity
    ? withChannelAuth(carrier, {
        identity: coreIdentity,
        authorize: (key) => keyRing.identityOf(key),
        owns: true,
      })
    : carrier;
  const channel = coreIdentity ? { keyRing, coreKey: coreIdentity.publicKey, pinned } : undefined;
  const launcher =
    options.launcher?.(c) ??
    (options.isolation === 'process'
      ? new ProcessLauncher({
          transport: options.transport ?? { kind: 'ipc' }, // the config without the core's own CURVE keys
          heartbeatMs: options.heartbeatMs,
          deniedResult: options.deniedResult,
          callTimeoutMs: options.defaultTimeoutMs,
          channel,
          sandbox: options.sandbox,
          stateDir: options.stateDir,
          protect: options.protect,
          curve: coreKeys
            ? {
                keyRing,
                coreServerKey: coreKeys.publicKey,
                hostListen: checkHostListen(options.network as NonNullable<typeof options.network>),
              }
            : undefined,
        })
      : new InProcessLauncher(
          carrier,
          tokenFactory,
          resolveToken(c, MODULE_PROXY_OPTIONS),
          options.defaultTimeoutMs,
          channel,
          options.stateDir,
        ));
  const unwatchPolicy = watchPolicy(trail, resolveToken(c, POLICY_ENGINE));
  const policyMonitor = new PolicyMonitor(resolveToken(c, POLICY_ENGINE));
  // Built bottom-up, no cycles: registry → router → capability → core.
  const registry = new ModuleRegistry(options.identities);
  const router = new GrantRouter(registry, (module) => keyRing.keyOf(module));
  c.register(GRANT_DELIVERY, { useValue: router });
  const core = new Core({
    transport,
    tokens: tokenFactory('core'),
    launcher,
    registry,
    router,
    capability: resolveToken(c, CAPABILITY_MODULE),
    policy: policyMonitor,
    restart: options.restart,
    ...(options.limits ? { limits: options.limits } : {}),
    trail,
    ...(options.trail?.denialWindowMs !== undefined
      ? { denialWindowMs: options.trail.denialWindowMs }
      : {}),
    address: options.network?.listen,
    keyRing,
    ...(coreKeys
      ? {
          remote: {
            keyRing,
            publicKey: coreKeys.publicKey,
            advertise: options.network?.advertise,
            appDir: options.network?.appDir,
          },
        }
      : {}),
  });
  c.register(CORE, { useValue: core });
  await core.start();
  const unobserve = observeCore(core);
  const app: Tessera = {
    core,
    container: c,
    close: async () => {
      unobserve();
      unwatchPolicy();
      policyMonitor.dispose();
      await core.close();
      await networkState?.close();
      await c.dispose();
    },
  };
  if (options.modules?.length) {
    try {
      await core.load(options.modules);
    } catch (err) {
      await app.close();
      throw err;
    }
  }
  return app;
}

/** Register a started core into `container` (for apps composing their own root). */
export function registerCore(container: DependencyContainer, core: Core): void {
  container.register(CORE, { useValue: core });
}

/**
 * `identityKeys` as given, or `INVALID_ARGUMENT`: only in handshake mode,
 * never for a reserved identity, one name per key, and each a real key pair
 * (so a pinned key cannot make one identity speak for another).
 */
function checkPinnedKeys(
  keys: Record<string, ChannelIdentitySecret>,
  handshake: boolean,
): Record<string, ChannelIdentitySecret> {
  const entries = Object.entries(keys);
  if (entries.length === 0) return {};
  const bad = (message: string) =>
    TesseraError.invalidArgument(`identityKeys: ${message}`, { field: 'identityKeys' });
  if (!handshake) throw bad('pinned keys need the channel handshake (not network mode)');
  const seen = new Map<string, string>();
  for (const [name, secret] of entries) {
    if (RESERVED_MODULE_NAMES.has(name)) throw bad(`'${name}' is reserved and cannot be pinned`);
    try {
      channelIdentityFrom(secret);
    } catch (err) {
      throw bad(`'${name}': ${(err as Error).message}`);
    }
    const other = seen.get(secret.publicKey);
    if (other !== undefined) throw bad(`'${name}' and '${other}' share one key`);
    seen.set(secret.publicKey, name);
  }
  return keys;
}
