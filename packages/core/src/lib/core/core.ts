import { TesseraError, assertValidName } from '@tessera/protocol';
import type { CapabilityModule, ModuleDirectory } from '@tessera/capability';
import type { ModuleFacts } from '@tessera/policy';
import { ModuleProxy, type ModuleDescription } from '@tessera/proxy';
import type { ModuleDefinition, ModuleSpec } from '@tessera/sdk';
import type { GrantInfo, TokenManager } from '@tessera/token-manager';
import type { Listener, RpcPeer, Transport } from '@tessera/transport';
import { serveConnection } from '../host/serve-connection';
import { loadLevels, loadOrder } from '../manifest/load-order';
import { type ModuleManifest, factsOf } from '../manifest/module-manifest';
import {
  CORE_FACTS,
  CORE_MANAGER_METHODS,
  CORE_MODULE_METHODS,
  OPERATOR,
  RESERVED_MODULE_NAMES,
} from './core-facts';
import { ModuleCaller, type ModuleRoute } from '@tessera/sdk';
import { RpcPeer as Peer } from '@tessera/transport';
import { TokenManager as OperatorTokens } from '@tessera/token-manager';
import { coreSurface } from './core-surface';
import type { HostLauncher } from './host-launcher';
import type { HostStats, ModuleRecord, RunningHost } from './module-record';
import type { KeyRing } from '../remote/key-ring';
import { RemoteAdmission } from '../remote/remote-admission';
import type { ModuleManifest as Manifest } from '../manifest/module-manifest';

/** A module the app knows how to load. */
export interface ModuleEntry {
  manifest: ModuleManifest;
  definition?: ModuleDefinition;
  packageName?: string;
  /** Absolute path of the package's entry file, for process hosts. */
  entryPath?: string;
}

/** Restart policy for crashed or hung modules. */
export interface RestartPolicy {
  maxRestarts: number;
  backoffMs: number;
  maxBackoffMs: number;
}

/** Lifecycle events, for progress output and supervision tests. */
export type CoreEvent =
  | { kind: 'loading'; module: string }
  | { kind: 'ready'; module: string; ms: number; pid?: number }
  | { kind: 'crashed'; module: string; reason: string; revoked: number }
  | { kind: 'restarting'; module: string; attempt: number; inMs: number }
  | { kind: 'failed'; module: string; reason: string }
  | { kind: 'unloaded'; module: string };

export interface CoreOptions {
  transport: Transport;
  tokens: TokenManager;
  launcher: HostLauncher;
  capability: () => CapabilityModule;
  /** Facts of non-module identities (e.g. the CLI operator). */
  identities?: ModuleFacts[];
  /** How long to wait for a host to register; default 20 s. */
  readyTimeoutMs?: number;
  /** Address of the core endpoint; default: a fresh one. */
  address?: string;
  /** Default: no restarts. */
  restart?: RestartPolicy;
  /** CURVE mode (zeromq over tcp): the keys the core admits. */
  keyRing?: KeyRing;
  /** The core's own CURVE public key, put in join credentials. */
  publicKey?: string;
  /** Address to put in join credentials when the core listens on 0.0.0.0. */
  advertise?: string;
}

/**
 * Loads modules in dependency order, hands each its core token, keeps the
 * registry of endpoints, and is the {@link ModuleDirectory} through which the
 * capability module informs and revokes over each module's private channel.
 */
export class Core implements ModuleDirectory {
  private readonly records = new Map<string, ModuleRecord>();
  private readonly known = new Map<string, ModuleEntry>();
  private readonly waiting = new Map<string, (ok: boolean) => void>();
  private readonly identities: Map<string, ModuleFacts>;
  private readonly restarts = new Map<string, number>();
  private readonly restartTimers = new Set<ReturnType<typeof setTimeout>>();
  private readonly eventListeners = new Set<(e: CoreEvent) => void>();
  private listener: Listener | undefined;
  private closed = false;
  /** The operator's outbound tokens and client runtime, for relayed calls. */
  private readonly operatorTokens = new OperatorTokens(OPERATOR);
  private operatorCaller: ModuleCaller | undefined;
  private readonly remote: RemoteAdmission | undefined;

  constructor(private readonly options: CoreOptions) {
    this.identities = new Map((options.identities ?? []).map((f) => [f.name, f]));
    if (options.keyRing)
      this.remote = new RemoteAdmission(
        this,
        options.keyRing,
        options.publicKey ?? '',
        options.advertise,
      );
  }

  get capability(): CapabilityModule {
    return this.options.capability();
  }

  /** The core endpoint modules connect to. */
  get address(): string {
    if (!this.listener) throw TesseraError.unavailable('core not started');
    return this.listener.address;
  }

  /** Start serving the core endpoint. */
  /** The core's own proxy (the operator endpoint serves it too). */
  proxy: ModuleProxy | undefined;

  async start(): Promise<void> {
    const surface = coreSurface(this);
    const proxy = (this.proxy = new ModuleProxy(
      'core',
      surface,
      {
        methods: [...CORE_MODULE_METHODS, ...CORE_MANAGER_METHODS].map((name) => ({
          name,
          params: [],
          withContext: true,
        })),
        events: [],
      },
      this.options.tokens,
    ));
    this.listener = await this.options.transport.listen(this.options.address, (conn) => {
      serveConnection(conn, {
        proxy,
        tokens: this.options.tokens,
        onBound: (caller, peer) => this.bindChannel(caller, peer),
        intercept: this.remote ? (call, c) => this.remote?.intercept(call, c) : undefined,
        onClosed: (caller, peer) => {
          const r = caller ? this.records.get(caller) : undefined;
          if (r?.channel !== peer) return;
          r.channel = undefined;
          // A remote host lives as long as its connection: losing it is a crash.
          if (r.remote) void this.onHostExit(r, false, 'connection to the remote host lost');
        },
      });
    });
    void this.capability; // build it now: it subscribes to policy reloads
  }

  /** Subscribe to lifecycle events; returns an unsubscribe. */
  onEvent(listener: (e: CoreEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  private emit(e: CoreEvent): void {
    for (const l of this.eventListeners) {
      try {
        l(e);
      } catch {
        // a progress printer must not break loading
      }
    }
  }

  /** Make modules known without loading them. */
  addKnown(entries: ModuleEntry[]): void {
    for (const e of entries) {
      assertValidName(e.manifest.name, 'module name');
      if (RESERVED_MODULE_NAMES.has(e.manifest.name)) {
        throw TesseraError.invalidArgument(`module name '${e.manifest.name}' is reserved`);
      }
      if (e.definition && e.definition.name !== e.manifest.name) {
        throw TesseraError.invalidArgument(
          `module ${e.manifest.name}: definition is named '${e.definition.name}'`,
        );
      }
      this.known.set(e.manifest.name, e);
    }
  }

  /** Load modules (and make them known), dependencies first. */
  async load(entries: ModuleEntry[]): Promise<void> {
    this.addKnown(entries);
    const loaded = new Set([...this.records.keys()]);
    const order = loadOrder(
      entries.map((e) => e.manifest),
      loaded,
    );
    await this.startInLevels(order);
  }

  /** Start modules level by level: independent modules start together, dependents after. */
  private async startInLevels(order: string[]): Promise<void> {
    const levels = loadLevels(order, (n) => this.known.get(n)?.manifest.dependencies ?? []);
    for (const level of levels) {
      const results = await Promise.allSettled(level.map((n) => this.startModule(n)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /** Load one known module (and its not yet loaded dependencies). */
  async loadKnown(name: string): Promise<void> {
    const entry = this.known.get(name);
    if (!entry) throw TesseraError.notFound(`module '${name}' is not known`);
    if (this.records.has(name))
      throw TesseraError.failedPrecondition(`module '${name}' is already loaded`);
    const loaded = new Set([...this.records.keys()]);
    const order = loadOrder(
      [...this.known.values()].map((e) => e.manifest).filter((m) => !loaded.has(m.name)),
      loaded,
    );
    const needed = new Set<string>();
    const visit = (n: string): void => {
      if (needed.has(n) || loaded.has(n)) return;
      needed.add(n);
      for (const d of this.known.get(n)?.manifest.dependencies ?? []) visit(d);
    };
    visit(name);
    await this.startInLevels(order.filter((n) => needed.has(n)));
  }

  private async startModule(name: string): Promise<void> {
    if (this.closed) throw TesseraError.unavailable('core is closing');
    const entry = this.known.get(name) as ModuleEntry;
    const record: ModuleRecord = {
      name,
      manifest: entry.manifest,
      facts: factsOf(entry.manifest),
      definition: entry.definition,
      state: 'starting',
      startedAt: Date.now(),
    };
    this.records.set(name, record);
    this.emit({ kind: 'loading', module: name });
    try {
      let coreToken: string;
      try {
        coreToken = (await this.capability.requestModule(name, 'core', [])).token;
      } catch (err) {
        const why = err instanceof TesseraError ? err.message : 'policy error';
        throw TesseraError.permissionDenied(`module ${name} may not reach the core: ${why}`);
      }
      const ready = this.waitReady(name);
      const launched = this.options.launcher.launch({
        name,
        definition: entry.definition,
        packageName: entry.packageName,
        entryPath: entry.entryPath,
        coreAddress: this.address,
        coreToken,
      });
      // A host that fails before registering must not leave `ready` pending (or unobserved).
      const host = await Promise.race([launched, ready.then(() => launched)]);
      record.host = host;
      host.onExit?.((exit) => void this.onHostExit(record, exit.expected, exit.reason));
      await ready;
      record.state = 'ready';
      record.readyAt = Date.now();
      this.emit({
        kind: 'ready',
        module: name,
        ms: record.readyAt - record.startedAt,
        pid: host.pid,
      });
    } catch (err) {
      record.state = 'failed';
      this.waiting.get(name)?.(false);
      await this.teardown(record, 'failed to start');
      this.emit({
        kind: 'failed',
        module: name,
        reason: err instanceof Error ? err.message : String(err),
      });
      throw err;
    }
  }

  /** A host ended without being asked: revoke its grants everywhere, then maybe restart it. */
  private async onHostExit(record: ModuleRecord, expected: boolean, reason: string): Promise<void> {
    if (
      expected ||
      this.closed ||
      this.records.get(record.name) !== record ||
      record.state === 'stopping'
    )
      return;
    record.state = 'crashed';
    const revoked = await this.capability.revokeModule(record.name, `crashed: ${reason}`);
    this.emit({ kind: 'crashed', module: record.name, reason, revoked });
    await this.teardown(record, `crashed: ${reason}`);
    if (record.address && !record.remote)
      await this.options.transport.reclaim?.(record.address).catch(() => undefined);
    // A remote host is restarted by whoever runs it: it re-attaches by key on its own.
    const policy = record.remote ? undefined : this.options.restart;
    const attempt = (this.restarts.get(record.name) ?? 0) + 1;
    if (!policy || attempt > policy.maxRestarts) {
      this.emit({
        kind: 'failed',
        module: record.name,
        reason: `crashed (${reason}); no restarts left`,
      });
      return;
    }
    this.restarts.set(record.name, attempt);
    const inMs = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (attempt - 1));
    this.emit({ kind: 'restarting', module: record.name, attempt, inMs });
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.closed || this.records.has(record.name)) return;
      this.startModule(record.name).catch(() => undefined); // 'failed' is emitted by startModule
    }, inMs);
    this.restartTimers.add(timer);
  }

  private waitReady(name: string): Promise<void> {
    const ms = this.options.readyTimeoutMs ?? 20_000; // longer than a launcher's own ready timeout
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(name);
        reject(TesseraError.unavailable(`module ${name} did not register within ${ms} ms`));
      }, ms);
      this.waiting.set(name, (ok) => {
        clearTimeout(timer);
        this.waiting.delete(name);
        if (ok) resolve();
        else reject(TesseraError.unavailable(`module ${name} failed to start`));
      });
    });
  }

  /** Called by a host's `register` on its authenticated core channel. */
  registerHost(
    caller: string,
    info: { address: string; spec: ModuleSpec; serverKey?: string },
  ): boolean {
    const r = this.records.get(caller);
    if (!r || r.state !== 'starting')
      throw TesseraError.failedPrecondition(`module ${caller} is not starting`);
    if (typeof info?.address !== 'string')
      throw TesseraError.invalidArgument('register needs an address');
    r.address = info.address;
    r.spec = info.spec;
    if (typeof info.serverKey === 'string') r.serverKey = info.serverKey;
    this.waiting.get(caller)?.(true);
    return true;
  }

  /** Issue a token for `caller` to call `target`; `caller` comes from the channel. */
  async requestModule(caller: string, target: string, methods: string[]) {
    if (target === 'core')
      throw TesseraError.invalidArgument(
        'the core is reached through the core channel, not requested',
      );
    const record = this.records.get(target);
    if (!record || record.state !== 'ready' || !record.address) {
      throw TesseraError.notFound(`module '${target}' is not loaded`);
    }
    const issued = await this.capability.requestModule(caller, target, methods, {
      operator: caller === OPERATOR,
    });
    return {
      ...issued,
      address: record.address,
      ...(record.serverKey ? { serverKey: record.serverKey } : {}),
    };
  }

  /** Call a module as the operator: the policy decides, as for any caller. */
  operatorCall(module: string, method: string, args: unknown[]): Promise<unknown> {
    this.operatorCaller ??= new ModuleCaller(
      OPERATOR,
      {
        requestModule: (target) => this.requestModule(OPERATOR, target, []) as Promise<ModuleRoute>,
      },
      async (address, _onEvent, serverKey) =>
        new Peer(await this.options.transport.connect(address, serverKey ? { serverKey } : {})),
      this.operatorTokens,
    );
    return this.operatorCaller.call(module, method, args);
  }

  /** Unload a module: revoke its grants everywhere, then stop its host. */
  async unload(name: string, reason = 'unloaded'): Promise<boolean> {
    const r = this.records.get(name);
    if (!r) throw TesseraError.notFound(`module '${name}' is not loaded`);
    r.state = 'stopping';
    if (r.remote) this.options.keyRing?.revokeIdentity(name); // unloaded for good: its host may not re-attach
    await this.teardown(r, reason);
    this.emit({ kind: 'unloaded', module: name });
    return true;
  }

  private async teardown(r: ModuleRecord, reason: string): Promise<void> {
    await this.capability.revokeModule(r.name, reason);
    this.options.tokens.revokeByCaller(r.name);
    const channel = r.channel;
    await r.host?.stop().catch(() => undefined);
    await channel?.close();
    this.records.delete(r.name);
  }

  listModules(): { name: string; state: string; address?: string; loaded: boolean }[] {
    const out = [...this.known.keys()].map((name) => {
      const r = this.records.get(name);
      return r
        ? { name, state: r.state, address: r.address, loaded: true }
        : { name, state: 'known', loaded: false };
    });
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  describe(name: string): ModuleDescription {
    const r = this.records.get(name);
    if (!r?.spec) throw TesseraError.notFound(`module '${name}' is not loaded`);
    return { module: name, methods: r.spec.methods, events: r.spec.events };
  }

  /** Per-module state, restarts and resource use (process hosts report CPU and memory). */
  stats(): ({
    name: string;
    state: string;
    uptimeMs: number;
    restarts: number;
    isolation: 'process' | 'in-process' | 'remote';
  } & Partial<HostStats>)[] {
    const now = Date.now();
    return [...this.records.values()].map((r) => ({
      name: r.name,
      state: r.state,
      uptimeMs: now - (r.readyAt ?? now),
      restarts: this.restarts.get(r.name) ?? 0,
      isolation: r.remote ? 'remote' : r.host?.pid !== undefined ? 'process' : 'in-process',
      ...(r.host?.currentStats?.() ?? {}),
    }));
  }

  /** The record of a loaded module (tests, CLI inspection). */
  module(name: string): Readonly<ModuleRecord> | undefined {
    return this.records.get(name);
  }

  /** Stop every module (reverse load order) and the core endpoint. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.restartTimers) clearTimeout(t);
    this.restartTimers.clear();
    for (const r of [...this.records.values()].reverse())
      await this.teardown(r, 'core shutting down');
    await this.operatorCaller?.close();
    await this.capability.close();
    await this.options.launcher.close();
    await this.listener?.close();
    await this.options.transport.close();
  }

  /**
   * A remote host, admitted by key, attaches its module: the core records it,
   * issues its core token (a policy decision like any other) and waits for it
   * to register. The token goes back over the CURVE-authenticated channel.
   */
  async attachRemote(manifest: Manifest, host: RunningHost): Promise<string> {
    const name = manifest.name;
    if (this.records.has(name))
      throw TesseraError.failedPrecondition(`module '${name}' is already attached or loaded`);
    for (const dep of manifest.dependencies ?? []) {
      if (this.records.get(dep)?.state !== 'ready') {
        throw TesseraError.failedPrecondition(
          `module ${name} depends on ${dep}, which is not loaded`,
        );
      }
    }
    this.addKnown([{ manifest }]);
    const record: ModuleRecord = {
      name,
      manifest,
      facts: factsOf(manifest),
      state: 'starting',
      startedAt: Date.now(),
      remote: true,
      host,
    };
    this.records.set(name, record);
    this.emit({ kind: 'loading', module: name });
    let coreToken: string;
    try {
      coreToken = (await this.capability.requestModule(name, 'core', [])).token;
    } catch (err) {
      this.records.delete(name);
      throw TesseraError.permissionDenied(
        `module ${name} may not reach the core: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    this.waitReady(name).then(
      () => {
        record.state = 'ready';
        record.readyAt = Date.now();
        this.emit({ kind: 'ready', module: name, ms: record.readyAt - record.startedAt });
      },
      (err: Error) => {
        record.state = 'failed';
        void this.teardown(record, 'remote host did not register');
        this.emit({ kind: 'failed', module: name, reason: err.message });
      },
    );
    return coreToken;
  }

  /** Mint a one-time credential for a remote host to join as `module` (operator only). */
  createJoinCredential(module: string, ttlMs?: number): string {
    if (!this.remote) {
      throw TesseraError.failedPrecondition(
        'remote hosts need the zeromq transport with network.listen (CURVE over tcp)',
      );
    }
    return this.remote.createCredential(module, ttlMs);
  }

  // ----- ModuleDirectory: the capability module's private reach into modules -----

  keyOf(caller: string, target?: string): string | undefined {
    // The operator reaches the core itself over its private local socket (no
    // key); only the calls the core relays for it travel with the core's key.
    if (caller === OPERATOR && target === 'core') return undefined;
    return this.options.keyRing?.keyOf(caller);
  }

  facts(name: string): ModuleFacts | undefined {
    if (name === 'core') return CORE_FACTS;
    const r = this.records.get(name);
    if (r && r.state !== 'stopping') return r.facts;
    return this.identities.get(name);
  }

  async informTarget(target: string, token: string, info: GrantInfo): Promise<void> {
    if (target === 'core') {
      this.options.tokens.addGrant(token, info);
      return;
    }
    await this.channel(target).call('$inform', [token, info], { timeoutMs: 5000 });
  }

  async informCaller(
    caller: string,
    target: string,
    token: string,
    methods: string[],
    expiresAt: number,
  ): Promise<void> {
    if (caller === OPERATOR)
      return this.operatorTokens.setOutbound(target, token, methods, expiresAt);
    await this.records
      .get(caller)
      ?.channel?.call('$informCaller', [target, token, methods, expiresAt], { timeoutMs: 5000 });
  }

  async revokeAtTarget(target: string, grantIds: string[]): Promise<void> {
    if (target === 'core') {
      for (const id of grantIds) this.options.tokens.revoke(id);
      return;
    }
    await this.records.get(target)?.channel?.call('$revoke', [grantIds], { timeoutMs: 5000 });
  }

  async narrowAtTarget(target: string, grantId: string, methods: string[]): Promise<void> {
    if (target === 'core') {
      this.options.tokens.narrow(grantId, methods);
      return;
    }
    await this.records
      .get(target)
      ?.channel?.call('$narrow', [grantId, methods], { timeoutMs: 5000 });
  }

  async narrowAtCaller(caller: string, target: string, methods: string[]): Promise<void> {
    if (caller === OPERATOR) {
      const t = this.operatorTokens.outbound(target);
      if (t) this.operatorTokens.setOutbound(target, t.token, methods, t.expiresAt);
      return;
    }
    await this.records
      .get(caller)
      ?.channel?.call('$narrowCaller', [target, methods], { timeoutMs: 5000 });
  }

  async dropAtCaller(caller: string, target: string): Promise<void> {
    if (caller === OPERATOR) {
      if (this.operatorCaller) this.operatorCaller.forget(target);
      else this.operatorTokens.dropOutbound(target);
      return;
    }
    await this.records.get(caller)?.channel?.call('$drop', [target], { timeoutMs: 5000 });
  }

  /** The core's TokenManager (the operator endpoint verifies against it). */
  get tokens(): TokenManager {
    return this.options.tokens;
  }

  private bindChannel(caller: string, peer: RpcPeer): void {
    const r = this.records.get(caller);
    if (r && !r.channel) r.channel = peer;
  }

  private channel(name: string): RpcPeer {
    const ch = this.records.get(name)?.channel;
    if (!ch || ch.closed) throw TesseraError.unavailable(`module '${name}' has no core channel`);
    return ch;
  }
}
