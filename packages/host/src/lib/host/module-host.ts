import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '@tessera/protocol';
import {
  ModuleProxy,
  type ModuleProxyOptions,
  openInboundSession,
  type InboundSession,
} from '@tessera/proxy';
import { logUnexpected } from './log-unexpected';
import {
  type CallerInfo,
  type Client,
  LIFECYCLE_HOOKS,
  type LifecycleHook,
  type LifecycleHooks,
  type ModuleContext,
  type ModuleDefinition,
  type ModuleLogger,
  type ModuleSpec,
  specOf,
} from '@tessera/sdk';
import type { Grant, TokenManager } from '@tessera/token-manager';
import {
  type ChannelIdentity,
  type Listener,
  RpcPeer,
  type Transport,
  withChannelAuth,
} from '@tessera/transport';
import { ModuleCaller, type ModuleCallerOptions } from '../caller/module-caller';
import { createClient } from '../caller/create-client';
import { contractCall, contractClient } from '../contracts/contract-client';
import type { ModuleCoreApi } from '../contracts/module-core-api';
import { hostControlHandler, type HostState } from './host-control-handler';
import { consoleLogger } from './console-logger';
import { DenialReporter } from './denial-reporter';

export interface ModuleHostOptions {
  definition: ModuleDefinition;
  transport: Transport;
  /** The core's endpoint, handed over privately. */
  coreAddress: string;
  /** The module's core token, handed over privately (never argv/env). */
  coreToken: string;
  tokens: TokenManager;
  /**
   * The host's identity key, handed over privately: every connection it
   * opens or accepts proves it (or the peer's) in the channel handshake, and
   * only callers whose key holds a live grant here get past the handshake.
   * Omitted when the carrier itself proves keys (CURVE).
   */
  identity?: ChannelIdentity;
  /** The core's identity key: the core channel is opened only to the holder of it. */
  coreKey?: string;
  proxyOptions?: ModuleProxyOptions;
  /** Where to listen for other modules; default: a fresh private address. */
  listenAddress?: string;
  /** Our public carrier key (CURVE), advertised with our address. */
  serverKey?: string;
  /** Host name to advertise instead of the bound one (e.g. when listening on 0.0.0.0). */
  advertise?: string;
  /** Called when the channel to the core is lost while the module runs. */
  onCoreLost?: () => void;
  defaultTimeoutMs?: number;
  /**
   * The module's private data directory (`ctx.dataDir`), made by whoever
   * launches the host; default `./.tessera/data/<name>`, created (0700) at start.
   */
  dataDir?: string;
  /** How lost subscriptions are restored (backoff); see {@link ModuleCallerOptions}. */
  resubscribe?: ModuleCallerOptions['resubscribe'];
  /** The module's logger (`ctx.log`); default one line per message on stderr. */
  log?: ModuleLogger;
  /**
   * The manifest's `tessera.resources` (method → resource parameters), which
   * the core resolved: added to the definition's own for the door's
   * constraint checks.
   */
  resources?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Runs one module: its TokenManager, its ModuleProxy behind the door on its
 * own endpoint, its private channel to the core (serving {@link HostControl},
 * calling {@link ModuleCoreApi}) and its client runtime. The same code runs in
 * the core's process (in-process isolation) or in a child.
 */
export class ModuleHost {
  private corePeer: RpcPeer | undefined;
  private listener: Listener | undefined;
  private instance: object | undefined;
  private proxy: ModuleProxy | undefined;
  private readonly state: HostState;
  private readonly inbound = new Set<InboundSession>();
  /** Counts what this host's door refuses and reports it to the core (the audit trail). */
  private denials: DenialReporter | undefined;
  private stopped = false;
  spec: ModuleSpec | undefined;

  private readonly transport: Transport;
  private readonly log: ModuleLogger;

  constructor(private readonly options: ModuleHostOptions) {
    this.state = { tokens: options.tokens };
    this.log = options.log ?? consoleLogger(options.definition.name);
    const tokens = options.tokens;
    this.transport = options.identity
      ? withChannelAuth(options.transport, {
          identity: options.identity,
          authorize: (key) => tokens.callerForKey(key),
        })
      : options.transport;
  }

  get name(): string {
    return this.options.definition.name;
  }

  get address(): string | undefined {
    return this.listener?.address;
  }

  /** Start the module and register it with the core. */
  async start(): Promise<void> {
    const { definition } = this.options;
    const transport = this.transport;
    const timeoutMs = this.options.defaultTimeoutMs;
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    await this.connectCore();
    this.denials = new DenialReporter(async (batch) => this.core().reportDenials(batch));
    const state = this.state;
    const caller = new ModuleCaller(
      definition.name,
      {
        // With the waiting call's timeout and signal: the core may hold it for the operator.
        requestModule: async (to, wait = {}) =>
          contractCall<ModuleCoreApi, 'requestModule'>(
            this.liveCorePeer(),
            'requestModule',
            [{ to }],
            { ...wait, token: state.coreToken ?? this.options.coreToken },
          ),
      },
      async (address, onEvent, serverKey, onClose, target) =>
        new RpcPeer(await transport.connect(address, serverKey ? { serverKey } : {}), {
          onEvent,
          defaultTimeoutMs: timeoutMs,
          ...(target !== undefined ? { service: target } : {}),
          ...(onClose ? { onClose: () => onClose() } : {}),
        }),
      this.state.tokens,
      {
        log: this.log,
        ...(this.options.resubscribe ? { resubscribe: this.options.resubscribe } : {}),
      },
    );
    this.state.caller = caller;
    const instance = await definition.create(this.context(caller));
    if (typeof instance !== 'object' || instance === null) {
      throw TesseraError.invalidArgument(
        `module ${definition.name}: create() must return an object`,
      );
    }
    this.instance = instance;
    this.spec = specOf(definition, instance, this.options.resources);
    const proxy = (this.proxy = new ModuleProxy(
      definition.name,
      instance,
      this.spec,
      this.state.tokens,
      this.options.proxyOptions,
    ));
    this.listener = await transport.listen(this.options.listenAddress, (conn) => {
      this.inbound.add(
        openInboundSession(conn, {
          proxy,
          tokens: this.state.tokens,
          defaultTimeoutMs: timeoutMs,
          onDenied: (denial) => this.denials?.add(denial),
          onUnexpectedError: (failure) => logUnexpected(this.log, definition.name, failure),
          onClosed: (_caller, session) => this.inbound.delete(session),
        }),
      );
    });
    await this.register();
  }

  /** True while the channel to the core is down (the module keeps serving its callers). */
  get coreLost(): boolean {
    return this.corePeer === undefined || this.corePeer.closed;
  }

  /**
   * The core is back (or a restarted core admitted us again): open a new
   * core channel with `coreToken` and register the same instance at the
   * same address. Nothing of the module restarts; its listener, inbound
   * sessions, subscriptions and (unless `dropGrants`) grants carry on.
   * `dropGrants`: the core revoked this module's grants while it was away,
   * so the ones it still holds are dropped too.
   */
  async reattach(coreToken: string, options: { dropGrants?: boolean } = {}): Promise<void> {
    if (this.stopped) throw TesseraError.unavailable(`module ${this.name} is stopped`);
    if (!this.coreLost) await this.corePeer?.close();
    this.state.coreToken = coreToken;
    // Revoked at the core while we were away. (Our own tokens elsewhere are refused at their
    // targets, which closed the sessions: calls and subscriptions ask for new ones by themselves.)
    if (options.dropGrants) this.state.tokens.revokeAll();
    await this.connectCore();
    await this.register();
  }

  private async connectCore(): Promise<void> {
    const { coreKey } = this.options;
    const coreConn = await this.transport.connect(
      this.options.coreAddress,
      coreKey ? { serverKey: coreKey } : {},
    );
    const corePeer = new RpcPeer(coreConn, {
      handler: hostControlHandler(this.state),
      defaultTimeoutMs: this.options.defaultTimeoutMs,
      onClose: () => {
        if (!this.stopped && this.corePeer === corePeer) this.options.onCoreLost?.();
      },
    });
    this.corePeer = corePeer;
  }

  /** The address other modules are told to dial: the bound one, with the advertised host. */
  get advertisedAddress(): string | undefined {
    const address = this.listener?.address;
    if (!address || !this.options.advertise) return address;
    return address.replace(/^tcp:\/\/[^:]+:/, `tcp://${this.options.advertise}:`);
  }

  private async register(): Promise<void> {
    const address = this.advertisedAddress;
    if (!address || !this.spec) return;
    await this.core().register({
      address,
      spec: this.spec,
      ...(this.options.serverKey ? { serverKey: this.options.serverKey } : {}),
    });
  }

  /** The core channel, or UNAVAILABLE saying why not (new grants wait for the core). */
  private liveCorePeer(): RpcPeer {
    const peer = this.corePeer;
    if (!peer || peer.closed)
      throw TesseraError.unavailable(
        `the core is unreachable (module ${this.name} is reconnecting): new grants need the core; calls on grants already held go on`,
      );
    return peer;
  }

  /** The core's contract on the current channel; the host may replace that channel (core token from the core). */
  private core(): Client<ModuleCoreApi> {
    const state = this.state;
    return contractClient<ModuleCoreApi>(this.liveCorePeer(), {
      token: () => state.coreToken ?? this.options.coreToken,
    });
  }

  /** Stop the module: its own stop hook, then every connection. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      if (this.instance) await this.options.definition.stop?.(this.instance);
    } finally {
      await this.state.caller?.close();
      await this.listener?.close();
      await Promise.all([...this.inbound].map((s) => s.close()));
      this.denials?.close();
      await this.corePeer?.close();
      this.state.tokens.revokeAll();
      this.state.tokens.dropAllOutbound();
    }
  }

  /** Where the module keeps its own data (`ctx.dataDir`). */
  get dataDir(): string {
    return this.options.dataDir ?? join(process.cwd(), '.tessera', 'data', this.name);
  }

  private context(caller: ModuleCaller): ModuleContext {
    const active = (what: string) => {
      const call = this.proxy?.active();
      if (call === undefined)
        throw TesseraError.failedPrecondition(
          `ctx.${what} is known only while a call runs, before its first await: read it at the start of the method and keep it in a const`,
        );
      return call;
    };
    return {
      get caller(): CallerInfo {
        return callerInfo(active('caller').grant);
      },
      get signal(): AbortSignal {
        return active('signal').signal ?? NEVER_ABORTED;
      },
      name: this.name,
      dataDir: this.dataDir,
      log: this.log,
      // One runtime client for both typed overloads: the types differ, the calls do not.
      client: ((target: string) => createClient(caller, target)) as ModuleContext['client'],
      call: (target, method, args = [], opts) => caller.call(target, method, args, opts),
      on: onOf(caller),
      // Through the core channel: the core checks it against this module's own live grant.
      delegate: async (target, options) =>
        this.core().delegate({
          target,
          to: options?.to,
          methods: options?.methods,
          ...(options?.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
        }),
      emit: (event: string, payload?: unknown) => {
        if (!this.proxy)
          throw TesseraError.unavailable(`module ${this.name} cannot emit before it is started`);
        this.proxy.emit(event, payload);
      },
    };
  }
}

/** What a call without a signal (a direct invoke) shows as `ctx.signal`. */
const NEVER_ABORTED = new AbortController().signal;

/** `ctx.caller`: the proven caller and its grant, as plain read-only data. */
function callerInfo(grant: Grant): CallerInfo {
  return Object.freeze({
    name: grant.caller,
    methods: Object.freeze([...grant.methods]),
    // Copies: what the module does with them never reaches the grant the door checks.
    ...(grant.constraints !== undefined ? { constraints: structuredClone(grant.constraints) } : {}),
    ...(grant.rateLimit !== undefined ? { rateLimit: structuredClone(grant.rateLimit) } : {}),
    expiresAt: grant.expiresAt,
  });
}

/**
 * `ctx.on`: three arguments subscribe to another module's event, two listen
 * to a lifecycle hook (`revoked`, `restarted`). A hook name that is not one
 * is an error, not a silent no-op.
 */
function onOf(caller: ModuleCaller): ModuleContext['on'] {
  function on(
    target: string,
    event: string,
    listener: (payload: unknown) => void,
  ): Promise<() => Promise<void>>;
  function on<H extends LifecycleHook>(hook: H, listener: LifecycleHooks[H]): () => void;
  function on(
    a: string,
    b: string | LifecycleHooks[LifecycleHook],
    c?: (payload: unknown) => void,
  ): Promise<() => Promise<void>> | (() => void) {
    if (c !== undefined) return caller.on(a, b as string, c);
    if (!(LIFECYCLE_HOOKS as readonly string[]).includes(a) || typeof b !== 'function') {
      throw TesseraError.invalidArgument(
        `ctx.on(hook, listener) takes one of ${LIFECYCLE_HOOKS.join(', ')} and a function; to subscribe to an event, pass (module, event, listener)`,
      );
    }
    return caller.onLifecycle(a as LifecycleHook, b as never);
  }
  return on;
}
