import type { GrantDelivery } from '@tessera/capability';
import { CONTROL_TIMEOUT_MS, type HostControl, contractClient } from '@tessera/host';
import { TesseraError } from '@tessera/protocol';
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

  constructor(private readonly registry: ModuleRegistry) {}

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

  async narrowAtTarget(target: string, grantId: string, methods: string[]): Promise<void> {
    await this.sinkOf(target)?.narrow(grantId, methods);
  }

  async narrowAtCaller(caller: string, target: string, methods: string[]): Promise<void> {
    await this.sinkOf(caller)?.narrowOutbound(target, methods);
  }

  async dropAtCaller(caller: string, target: string): Promise<void> {
    await this.sinkOf(caller)?.dropOutbound(target);
  }

  private sinkOf(identity: string): GrantSink | undefined {
    const local = this.local.get(identity);
    if (local) return local;
    const channel = this.registry.get(identity)?.channel;
    return channel && contractClient<HostControl>(channel, { timeoutMs: CONTROL_TIMEOUT_MS });
  }
}
