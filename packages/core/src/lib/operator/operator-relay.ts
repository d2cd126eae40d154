import { type HostState, type ModuleRoute, ModuleCaller, hostControl } from '@tessera/host';
import { TokenManager } from '@tessera/token-manager';
import { RpcPeer, type Transport } from '@tessera/transport';
import { OPERATOR } from '../registry/core-facts';
import type { GrantSink } from '../grants/grant-router';

/**
 * The operator's calls into modules, made by the core on the operator's
 * behalf under the operator's own policy-issued grants: its outbound tokens
 * and connections, and the sink the capability module narrows and drops
 * them through.
 */
export class OperatorRelay {
  private readonly state: HostState = { tokens: new TokenManager(OPERATOR) };
  readonly sink: GrantSink = hostControl(this.state);

  constructor(
    private readonly route: (target: string) => Promise<ModuleRoute>,
    private readonly transport: Transport,
  ) {}

  /** Call `module.method(...args)` as the operator: the policy decides, as for any caller. */
  call(module: string, method: string, args: unknown[]): Promise<unknown> {
    this.state.caller ??= new ModuleCaller(
      OPERATOR,
      { requestModule: this.route },
      async (address, _onEvent, serverKey) =>
        new RpcPeer(await this.transport.connect(address, serverKey ? { serverKey } : {})),
      this.state.tokens,
    );
    return this.state.caller.call(module, method, args);
  }

  async close(): Promise<void> {
    await this.state.caller?.close();
  }
}
