import type { CapabilityModule } from '@tessera/capability';
import {
  CONTROL_TIMEOUT_MS,
  type HostControl,
  type HostRegistration,
  contractClient,
} from '@tessera/host';
import { TesseraError } from '@tessera/protocol';
import type { TokenManager } from '@tessera/token-manager';
import type { RpcPeer, Transport } from '@tessera/transport';
import type { TokenIssuer } from '../grants/token-issuer';
import type { HostLauncher, RunningHost } from '../launch/host-launcher';
import { addressOutside } from '../launch/sandbox/host-address';
import type { KeyRing } from '../remote/key-ring';
import { factsOf, type ModuleManifest } from '../registry/module-manifest';
import type { ModuleRecord } from '../registry/module-record';
import type { ModuleRegistry } from '../registry/module-registry';
import { checkSpecMatchesManifest } from '../registry/spec-matches-manifest';
import { type CoreEvents, DEFAULT_RESET_AFTER_MS, type RestartPolicy } from './core-events';
import { ReadyWaiter } from './ready-waiter';

export interface SupervisorOptions {
  registry: ModuleRegistry;
  capability: CapabilityModule;
  issuer: TokenIssuer;
  launcher: HostLauncher;
  transport: Transport;
  /** The core's own grants (core tokens of modules). */
  coreTokens: TokenManager;
  events: CoreEvents;
  coreAddress: () => string;
  keyRing?: KeyRing;
  restart?: RestartPolicy;
  /** How long to wait for a host to register; default 20 s. */
  readyTimeoutMs?: number;
}

/**
 * Starts, watches and stops module hosts: record → core token → launch →
 * wait for `register`, for local and remote hosts alike; revokes a crashed
 * host's grants everywhere and restarts it under the restart policy.
 */
export class Supervisor {
  private readonly ready = new ReadyWaiter();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** Remote modules attached in this core's run: the host instance and the incarnation it had. */
  private readonly remoteInstances = new Map<string, { instance: string; incarnation: number }>();
  /** Remote modules attached at least once in this core's run (whose grants it revoked when they went). */
  private readonly attachedInRun = new Set<string>();
  private closed = false;

  constructor(private readonly o: SupervisorOptions) {
    // A module's core token lives as long as its channel; only a reload can
    // take it, and the next reload that allows it again gives it back.
    o.capability.onReevaluated(() => this.restoreCoreChannels());
  }

  /**
   * Every loaded host whose core token a reload revoked gets a new one on its
   * channel as soon as the policy allows it again; until then it stays cut
   * off from the core (its calls to other modules keep their own grants).
   */
  async restoreCoreChannels(): Promise<void> {
    if (this.closed) return;
    const holding = new Set(
      this.o.capability
        .grants()
        .filter((g) => g.target === 'core')
        .map((g) => g.caller),
    );
    const cutOff = [...this.o.registry.records.values()].filter(
      (r) => (r.state === 'ready' || r.state === 'starting') && r.channel && !holding.has(r.name),
    );
    await Promise.all(
      cutOff.map(async (r) => {
        let token: string;
        try {
          token = (await this.o.issuer.issue(r.name, 'core')).token;
        } catch {
          return; // still denied
        }
        const channel = r.channel;
        if (!channel) return;
        await contractClient<HostControl>(channel, { timeoutMs: CONTROL_TIMEOUT_MS })
          .coreToken(token)
          .catch(() => undefined); // the host is going; its exit revokes the grant
      }),
    );
  }

  /** Start a known module's host and resolve once it registered. */
  async start(name: string): Promise<void> {
    if (this.closed) throw TesseraError.unavailable('core is closing');
    const entry = this.o.registry.known.get(name);
    if (!entry) throw TesseraError.notFound(`module '${name}' is not known`);
    const record = this.begin(entry.manifest);
    try {
      const ready = this.ready.wait(name, this.o.readyTimeoutMs ?? 20_000);
      const launched = this.o.launcher.launch({
        name,
        definition: entry.definition,
        packageName: entry.packageName,
        entryPath: entry.entryPath,
        packageDir: entry.packageDir,
        incarnation: record.incarnation,
        sandbox: entry.manifest.sandbox,
        ...(entry.manifest.resources ? { resources: entry.manifest.resources } : {}),
        coreAddress: this.o.coreAddress(),
        // Issued by the launcher once the host's key is admitted, so the grant is bound to it.
        coreToken: () => this.coreToken(record),
        // Known before it registers, so `register` is checked against the host's own socket dir.
        onSpawned: (spawned) => {
          record.host = spawned;
        },
      });
      // A host that fails before registering must not leave `ready` pending (or unobserved).
      const host = await Promise.race([launched, ready.then(() => launched)]);
      record.host = host;
      host.onExit?.((exit) => void this.onHostExit(record, exit.expected, exit.reason));
      await ready;
      this.markReady(record);
    } catch (err) {
      record.state = 'failed';
      this.ready.settle(name, false);
      await this.teardown(record, 'failed to start');
      this.o.events.emit({
        kind: 'failed',
        module: name,
        reason: err instanceof Error ? err.message : String(err),
      });
      throw err;
    }
  }

  /**
   * A remote host, admitted by key, attaches its module: the same record →
   * core token → wait-ready path as a local host; the token goes back over
   * the CURVE-authenticated channel and readiness is awaited in background.
   *
   * The same key attaching while its record is still here is that host
   * back over a new connection (the core had not yet noticed the old one
   * die): the old record goes as a lost host would. `dropGrants` tells the
   * host that this core revoked its grants while it was away (a restarted
   * core never did: grants its predecessor minted stay good until expiry).
   * A host that keeps its instance (`instance`, a random id per process)
   * keeps its incarnation, so callers are not told of a restart.
   */
  async attach(
    manifest: ModuleManifest,
    host: RunningHost,
    from: { key?: string; instance?: string } = {},
  ): Promise<{ coreToken: string; dropGrants: boolean }> {
    const name = manifest.name;
    const existing = this.o.registry.records.get(name);
    if (existing?.remote && from.key !== undefined && existing.remoteKey === from.key)
      await this.onHostExit(existing, false, 'its host attached again over a new connection');
    if (this.o.registry.records.has(name))
      throw TesseraError.failedPrecondition(`module '${name}' is already attached or loaded`);
    for (const dep of manifest.dependencies ?? []) {
      if (this.o.registry.get(dep)?.state !== 'ready')
        throw TesseraError.failedPrecondition(
          `module ${name} depends on ${dep}, which is not loaded`,
        );
    }
    this.o.registry.addKnown([{ manifest }]);
    const previous = this.remoteInstances.get(name);
    // What the key's last attach was, also before this core restarted (kept in the state directory).
    const saved = from.key !== undefined ? this.o.keyRing?.lookup(from.key) : undefined;
    const last =
      previous ??
      (saved?.instance !== undefined && saved.incarnation !== undefined
        ? { instance: saved.instance, incarnation: saved.incarnation }
        : undefined);
    const sameInstance = from.instance !== undefined && last?.instance === from.instance;
    const incarnation = sameInstance
      ? last?.incarnation
      : Math.max(this.o.registry.nextIncarnation(name), (last?.incarnation ?? 0) + 1);
    const record = this.begin(manifest, host, incarnation);
    record.remoteKey = from.key;
    if (from.instance !== undefined) {
      this.remoteInstances.set(name, { instance: from.instance, incarnation: record.incarnation });
      if (from.key !== undefined)
        this.o.keyRing?.noteInstance(from.key, from.instance, record.incarnation);
    }
    let coreToken: string;
    try {
      coreToken = await this.coreToken(record);
    } catch (err) {
      this.o.registry.records.delete(name);
      throw err;
    }
    this.ready.wait(name, this.o.readyTimeoutMs ?? 20_000).then(
      () => this.markReady(record),
      (err: Error) => {
        if (this.o.registry.get(name) !== record) return; // unloaded or replaced meanwhile
        record.state = 'failed';
        void this.teardown(record, 'remote host did not register');
        this.o.events.emit({ kind: 'failed', module: name, reason: err.message });
      },
    );
    // This core revoked whatever it granted the module's last attach.
    const dropGrants = this.attachedInRun.has(name);
    this.attachedInRun.add(name);
    return { coreToken, dropGrants };
  }

  /** A host's `register`, on its proven core channel. */
  register(caller: string, info: HostRegistration): boolean {
    const r = this.o.registry.get(caller);
    if (!r || r.state !== 'starting')
      throw TesseraError.failedPrecondition(`module ${caller} is not starting`);
    if (typeof info?.address !== 'string')
      throw TesseraError.invalidArgument('register needs an address');
    // A local host listens only where its launcher told it to: the core dials and reclaims this address.
    const host = r.remote ? undefined : r.host;
    const outside = host && addressOutside(info.address, host);
    if (outside)
      throw TesseraError.permissionDenied(
        `module ${caller} may not register ${info.address}: ${outside}`,
      );
    checkSpecMatchesManifest(r.manifest, info.spec);
    r.address = info.address;
    r.spec = info.spec;
    if (typeof info.serverKey === 'string') r.serverKey = info.serverKey;
    this.ready.settle(caller, true);
    return true;
  }

  /** The core channel of `caller` is proven: the core can now reach its host. */
  bindChannel(caller: string, peer: RpcPeer): void {
    const r = this.o.registry.get(caller);
    if (!r || r.channel) return;
    r.channel = peer;
  }

  channelClosed(caller: string | undefined, peer: RpcPeer): void {
    const r = caller ? this.o.registry.get(caller) : undefined;
    if (r?.channel !== peer) return;
    r.channel = undefined;
    // A remote host lives as long as its connection: losing it is a crash.
    if (r.remote) void this.onHostExit(r, false, 'connection to the remote host lost');
  }

  /** Unload a module: revoke its grants everywhere, then stop its host. */
  async unload(name: string, reason = 'unloaded'): Promise<boolean> {
    const r = this.o.registry.get(name);
    if (!r) throw TesseraError.notFound(`module '${name}' is not loaded`);
    r.state = 'stopping';
    if (r.remote) this.o.keyRing?.revokeIdentity(name, `unloaded: ${reason}`); // for good: its host may not re-attach
    await this.teardown(r, reason);
    this.o.events.emit({ kind: 'unloaded', module: name });
    return true;
  }

  /** Stop every host, newest first. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const r of [...this.o.registry.records.values()].reverse())
      await this.teardown(r, 'core shutting down');
  }

  private begin(manifest: ModuleManifest, host?: RunningHost, incarnation?: number): ModuleRecord {
    const record: ModuleRecord = {
      name: manifest.name,
      manifest,
      facts: factsOf(manifest),
      definition: this.o.registry.known.get(manifest.name)?.definition,
      state: 'starting',
      incarnation: incarnation ?? this.o.registry.nextIncarnation(manifest.name),
      startedAt: Date.now(),
      ...(host ? { host, remote: true } : {}),
    };
    this.o.registry.records.set(manifest.name, record);
    this.o.events.emit({ kind: 'loading', module: manifest.name });
    return record;
  }

  private async coreToken(record: ModuleRecord): Promise<string> {
    try {
      return (await this.o.issuer.issue(record.name, 'core')).token;
    } catch (err) {
      const why = err instanceof TesseraError ? err.message : 'policy error';
      throw TesseraError.permissionDenied(`module ${record.name} may not reach the core: ${why}`);
    }
  }

  private markReady(record: ModuleRecord): void {
    record.state = 'ready';
    record.readyAt = Date.now();
    const ms = record.readyAt - record.startedAt;
    const pid = record.host?.pid;
    this.o.events.emit({
      kind: 'ready',
      module: record.name,
      ms,
      ...(pid ? { pid } : {}),
      ...(record.remote && record.address ? { remote: record.address } : {}),
    });
  }

  /** A host ended without being asked: revoke its grants everywhere, then maybe restart it. */
  private async onHostExit(record: ModuleRecord, expected: boolean, reason: string): Promise<void> {
    const { registry, events } = this.o;
    if (expected || this.closed || registry.get(record.name) !== record) return;
    if (record.state === 'stopping') return;
    record.state = 'crashed';
    const revoked = await this.o.capability.revokeModule(record.name, `crashed: ${reason}`);
    events.emit({ kind: 'crashed', module: record.name, reason, revoked });
    await this.teardown(record, `crashed: ${reason}`);
    // Only inside the host's own socket dir (re-checked: links may have changed since register).
    const host = record.host;
    if (record.address && !record.remote && !(host && addressOutside(record.address, host)))
      await this.o.transport.reclaim?.(record.address).catch(() => undefined);
    // A remote host is restarted by whoever runs it: it re-attaches by key on its own.
    if (record.remote) {
      events.emit({ kind: 'lost', module: record.name, reason });
      return;
    }
    const policy = this.o.restart;
    // A module that ran stably for `resetAfterMs` starts over with a full set of restarts.
    if (policy && ranStably(record, policy)) registry.restarts.delete(record.name);
    const attempt = (registry.restarts.get(record.name) ?? 0) + 1;
    if (!policy || attempt > policy.maxRestarts) {
      const why = `crashed (${reason}); no restarts left`;
      events.emit({ kind: 'failed', module: record.name, reason: why });
      return;
    }
    registry.restarts.set(record.name, attempt);
    const inMs = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (attempt - 1));
    events.emit({ kind: 'restarting', module: record.name, attempt, inMs });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed || registry.records.has(record.name)) return;
      this.start(record.name).catch(() => undefined); // 'failed' is emitted by start
    }, inMs);
    this.timers.add(timer);
  }

  private async teardown(r: ModuleRecord, reason: string): Promise<void> {
    await this.o.capability.revokeModule(r.name, reason);
    this.o.coreTokens.revokeByCaller(r.name);
    const channel = r.channel;
    await r.host?.stop().catch(() => undefined);
    await channel?.close();
    this.o.registry.records.delete(r.name);
    if (r.remote) this.ready.settle(r.name, false); // no register wait outlives its record
  }
}

/** Ready for at least the policy's `resetAfterMs` (default 60 s; 0: never) before it ended. */
function ranStably(record: ModuleRecord, policy: RestartPolicy): boolean {
  const resetAfterMs = policy.resetAfterMs ?? DEFAULT_RESET_AFTER_MS;
  if (resetAfterMs <= 0 || record.readyAt === undefined) return false;
  return Date.now() - record.readyAt >= resetAfterMs;
}
