import type { CapabilityModule, IssuedToken } from '@tessera/capability';
import { TesseraError } from '@tessera/protocol';
import type { CallDenial, ModuleDescription, ModuleProxy } from '@tessera/proxy';
import { type SecurityTrail, deniedCall } from '../audit';
import type { TokenManager } from '@tessera/token-manager';
import { CoreEvents, type CoreEvent } from '../lifecycle/core-events';
import type { ModuleRecord } from '../registry/module-record';
import type { ModuleEntry, ModuleListing, ModuleStats } from '../registry/module-registry';
import type { JoinCredentialOptions } from '../remote/join-request';
import { assembleCore, type CoreOptions, type CoreParts } from './assemble-core';

export type { CoreOptions } from './assemble-core';

/**
 * The core, a facade over its roles: the registry of modules, the loader
 * and supervisor of their hosts, the token issuer, the grant router, the
 * operator relay, remote admission and the endpoint modules reach it on.
 */
export class Core {
  readonly capability: CapabilityModule;
  /** The core's dispatch table (the operator endpoint serves it too). */
  readonly proxy: ModuleProxy;
  private readonly events = new CoreEvents();
  private readonly parts: CoreParts;
  private closed = false;

  constructor(private readonly o: CoreOptions) {
    this.capability = o.capability;
    this.parts = assembleCore(o, this.events, () => this.address);
    this.proxy = this.parts.proxy;
  }

  /** The core endpoint modules connect to. */
  get address(): string {
    return this.parts.endpoint.address;
  }

  /** The core's own grants. */
  get tokens(): TokenManager {
    return this.o.tokens;
  }

  /** The security trail: every security-relevant event of this app, one stream. */
  get trail(): SecurityTrail {
    return this.parts.trail;
  }

  /** A call a door in this process refused (the operator socket's): folded into the trail. */
  deniedAtCore(denial: CallDenial): void {
    this.parts.denials.add('core', deniedCall(denial));
  }

  async start(): Promise<void> {
    await this.parts.endpoint.start(this.o.address);
  }

  /** Subscribe to lifecycle events; returns an unsubscribe. */
  onEvent(listener: (e: CoreEvent) => void): () => void {
    return this.events.on(listener);
  }

  /** Load modules (and make them known), dependencies first. */
  load(entries: ModuleEntry[]): Promise<void> {
    return this.parts.loader.load(entries);
  }

  /** Load one known module (and its not yet loaded dependencies). */
  loadKnown(name: string): Promise<void> {
    return this.parts.loader.loadKnown(name);
  }

  /** Unload a module: revoke its grants everywhere, then stop its host. */
  unload(name: string, reason?: string): Promise<boolean> {
    return this.parts.supervisor.unload(name, reason);
  }

  /** Ask the policy for a token of `caller` on `target`, as the core would for a request on the caller's channel. */
  issueToken(
    caller: string,
    target: string,
    methods: string[] = [],
    session?: { id: string; key: string },
  ): Promise<IssuedToken> {
    return this.parts.issuer.issue(caller, target, methods, session);
  }

  /** Call a module as the operator: the policy decides, as for any caller. */
  operatorCall(module: string, method: string, args: unknown[]): Promise<unknown> {
    return this.parts.relay.call(module, method, args);
  }

  /**
   * Mint a one-time credential for a remote host to join as the module of
   * package `module` (network mode only), pinning that module's facts.
   */
  async createJoinCredential(module: string, options?: JoinCredentialOptions): Promise<string> {
    if (!this.parts.remote)
      throw TesseraError.failedPrecondition('remote hosts need network.listen');
    return this.parts.remote.createCredential(module, options);
  }

  /** Open sessions at the core endpoint authenticated by carrier key `key` (tests, inspection). */
  sessionsOf(key: string): number {
    return this.parts.endpoint.sessionsOf(key);
  }

  listModules(): ModuleListing[] {
    return this.o.registry.listModules();
  }

  describe(name: string): ModuleDescription {
    return this.o.registry.describe(name);
  }

  stats(): ModuleStats[] {
    return this.o.registry.stats();
  }

  /** The record of a loaded module (tests, CLI inspection). */
  module(name: string): Readonly<ModuleRecord> | undefined {
    return this.o.registry.get(name);
  }

  /** Stop every module (reverse load order) and the core endpoint. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.parts.supervisor.close();
    this.parts.stopOperatorEvents();
    await this.parts.relay.close();
    await this.capability.close();
    await this.o.launcher.close();
    await this.parts.endpoint.close();
    await this.o.transport.close();
    // Last: what the shutdown revoked is on the trail too.
    this.parts.denials.close();
    this.parts.stopTrail();
    await this.parts.trail.close();
  }
}
