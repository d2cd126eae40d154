import 'reflect-metadata';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import {
  CAPABILITY_MODULE,
  GRANT_DELIVERY,
  registerCapability,
  type CapabilityOptions,
} from '@tessera/capability';
import { TesseraError, resolveToken, typedToken } from '@tessera/protocol';
import { type PolicyEngine, type ModuleFacts, registerPolicy } from '@tessera/policy';
import { MODULE_PROXY_OPTIONS, registerProxy } from '@tessera/proxy';
import { TOKEN_MANAGER_FACTORY, registerTokenManager } from '@tessera/token-manager';
import { TRANSPORT_REGISTRY, type TransportConfig } from '@tessera/transport';
import { InProcHub, registerInProcTransport } from '@tessera/transport-inproc';
import { registerIpcTransport } from '@tessera/transport-ipc';
import { generateKeyPair, registerZeroMqTransport } from '@tessera/transport-zeromq';
import { KeyRing } from './remote/key-ring';
import { OPERATOR } from './registry/core-facts';
import { Core } from './core/core';
import type { RestartPolicy } from './lifecycle/core-events';
import { GrantRouter } from './grants/grant-router';
import { ModuleRegistry, type ModuleEntry } from './registry/module-registry';
import { ProcessLauncher } from './launch/process-launcher';
import type { HostLauncher } from './launch/host-launcher';
import { InProcessLauncher } from './launch/inproc-launcher';

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
  /** Process hosts: heartbeat interval; a host silent for 3 beats is killed as hung. Default 1000 ms. */
  heartbeatMs?: number;
  capability?: CapabilityOptions;
  now?: () => number;
  /**
   * Spread modules across hosts: the core listens on `listen` (tcp://) with
   * CURVE; every host gets its own key pair, admitted by the core's ZAP
   * handler, and grants are bound to the caller's key. Needs
   * `transport.kind: 'zeromq'` and process isolation.
   */
  network?: {
    listen: string;
    /** Where local module hosts listen; default tcp://127.0.0.1:0. */
    hostListen?: string;
    /** The core's CURVE key pair; default: a fresh one per start. */
    keys?: { publicKey: string; secretKey: string };
    /** Host name to put in join credentials when `listen` binds 0.0.0.0. */
    advertise?: string;
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
  let keyRing: KeyRing | undefined;
  let coreKeys: { publicKey: string; secretKey: string } | undefined;
  if (options.network) {
    if (transportConfig.kind !== 'zeromq' || options.isolation !== 'process') {
      throw TesseraError.invalidArgument(
        'network.listen needs transport.kind "zeromq" and isolation "process"',
        { field: 'network' },
      );
    }
    const ring = (keyRing = new KeyRing());
    coreKeys = options.network.keys ?? generateKeyPair();
    ring.admit(coreKeys.publicKey, OPERATOR); // the core's own outbound calls act for the operator
    transportConfig = {
      kind: 'zeromq',
      options: {
        ...transportConfig.options,
        curve: { ...coreKeys, authorize: (key: string) => ring.identityOf(key) },
      },
    };
  }
  const transport = resolveToken(c, TRANSPORT_REGISTRY).create(transportConfig);
  if (options.isolation === 'process' && transport.kind === 'inproc') {
    await transport.close();
    throw TesseraError.invalidArgument(
      'isolation "process" needs a transport that crosses processes (ipc or zeromq), not "inproc"',
      {
        field: 'transport.kind',
      },
    );
  }
  const launcher =
    options.launcher?.(c) ??
    (options.isolation === 'process'
      ? new ProcessLauncher({
          transport: options.transport ?? { kind: 'ipc' }, // the config without the core's own CURVE keys
          heartbeatMs: options.heartbeatMs,
          deniedResult: options.deniedResult,
          callTimeoutMs: options.defaultTimeoutMs,
          curve:
            keyRing && coreKeys
              ? {
                  keyRing,
                  coreServerKey: coreKeys.publicKey,
                  hostListen: options.network?.hostListen ?? 'tcp://127.0.0.1:0',
                }
              : undefined,
        })
      : new InProcessLauncher(
          transport,
          tokenFactory,
          resolveToken(c, MODULE_PROXY_OPTIONS),
          options.defaultTimeoutMs,
        ));
  // Built bottom-up, no cycles: registry → router → capability → core.
  const registry = new ModuleRegistry(options.identities);
  const router = new GrantRouter(registry);
  c.register(GRANT_DELIVERY, { useValue: router });
  const core = new Core({
    transport,
    tokens: tokenFactory('core'),
    launcher,
    registry,
    router,
    capability: resolveToken(c, CAPABILITY_MODULE),
    restart: options.restart,
    address: options.network?.listen,
    ...(keyRing && coreKeys
      ? {
          remote: {
            keyRing,
            publicKey: coreKeys.publicKey,
            advertise: options.network?.advertise,
          },
        }
      : {}),
  });
  c.register(CORE, { useValue: core });
  await core.start();
  const app: Tessera = {
    core,
    container: c,
    close: async () => {
      await core.close();
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
