import type { ApprovalNotice, GrantDelivery, HandedOverGrant } from '@tessera/capability';
import { CONTROL_TIMEOUT_MS, type HostControl, contractClient } from '@tessera/host';
import { type GrantTerms, TesseraError } from '@tessera/protocol';
import type { GrantInfo } from '@tessera/token-manager';
import type { ModuleRegistry } from '../registry/module-registry';

/** A place grants are delivered to: a host's control channel, or a local identity's stores. */
export type GrantSink = {
  [K in keyof HostControl]: (
    ...args: Parameters<HostControl[K]>
  ) => ReturnType<HostControl[K]> | Promise<ReturnType<HostControl[K]>>;
};

/**
 * Delivers the capability module's decisions to whoever they concern, one
 * sink per identity kind: the core's and the operator's own stores (local
 * sinks), and every module host over its private control channel.
 */
export class GrantRouter implements GrantDelivery {
  private readonly local = new Map<string, GrantSink>();

  constructor(
    private readonly registry: ModuleRegistry,
    /** The carrier key the core admitted for a module (what a caller must find at its address). */
    private readonly serverKeyOf: (module: string) => string | undefined = () => undefined,
  ) {}

  /** Deliver grants for `identity` (the core, the operator) to a sink in this process. */
  addLocal(identity: string, sink: GrantSink): void {
    this.local.set(identity, sink);
  }

  async informTarget(target: string, token: string, info: GrantInfo): Promise<void> {
    const sink = this.sinkOf(target);
    if (!sink) throw TesseraError.unavailable(`module '${target}' has no core channel`);
    await sink.grant(token, info);
  }

  async revokeAtTarget(target: string, grantIds: string[]): Promise<void> {
    await this.sinkOf(target)?.revoke(grantIds);
  }

  async narrowAtTarget(
    target: string,
    grantId: string,
    methods: string[],
    terms?: GrantTerms,
  ): Promise<void> {
    const sink = this.sinkOf(target);
    if (terms === undefined) await sink?.narrow(grantId, methods);
    else await sink?.narrow(grantId, methods, terms);
  }

  async narrowAtCaller(caller: string, target: string, methods: string[]): Promise<void> {
    await this.sinkOf(caller)?.narrowOutbound(target, methods);
  }

  async dropAtCaller(caller: string, target: string): Promise<void> {
    await this.sinkOf(caller)?.dropOutbound(target);
  }

  async awaitingApproval(caller: string, notice: ApprovalNotice): Promise<void> {
    await this.sinkOf(caller)?.awaitingApproval(notice);
  }

  /**
   * A delegated token, to the host of the module that receives it: with
   * where the target listens (the address it registered, the key the core
   * admitted for it), as `requestModule` would answer.
   */
  async handOver(receiver: string, grant: HandedOverGrant): Promise<void> {
    const sink = this.sinkOf(receiver);
    if (!sink) throw TesseraError.unavailable(`module '${receiver}' has no core channel`);
    const record = this.registry.ready(grant.target);
    const serverKey = this.serverKeyOf(grant.target);
    await sink.delegated({
      target: grant.target,
      id: grant.id,
      token: grant.token,
      methods: grant.methods,
      expiresAt: grant.expiresAt,
      generation: grant.generation,
      ...(grant.incarnation !== undefined ? { incarnation: grant.incarnation } : {}),
      delegatedBy: grant.delegatedBy,
      address: record.address as string,
      ...(serverKey ? { serverKey } : {}),
    });
  }

  private sinkOf(identity: string): GrantSink | undefined {
    const local = this.local.get(identity);
    if (local) return local;
    const channel = this.registry.get(identity)?.channel;
    return channel && contractClient<HostControl>(channel, { timeoutMs: CONTROL_TIMEOUT_MS });
  }
}
