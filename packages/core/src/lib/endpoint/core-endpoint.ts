import { CORE_MODULE_METHODS } from '@tessera/host';
import { TesseraError } from '@tessera/protocol';
import { ModuleProxy, openInboundSession, type InboundSessionOptions } from '@tessera/proxy';
import type { TokenManager } from '@tessera/token-manager';
import type { Listener, Transport } from '@tessera/transport';
import { CORE_MANAGER_METHODS, type CoreApi } from '../api/core-api';
import type { Served } from '../api/core-surface';

/** The core's dispatch table: every {@link CoreApi} method, each given the proven caller. */
export function coreProxy(surface: Served<CoreApi>, tokens: TokenManager): ModuleProxy {
  const methods = [...CORE_MODULE_METHODS, ...CORE_MANAGER_METHODS].map((name) => ({
    name,
    params: [],
    withContext: true,
  }));
  return new ModuleProxy('core', surface, { methods, events: [] }, tokens);
}

/** Where modules (and remote hosts) reach the core; every connection goes through the door. */
export class CoreEndpoint {
  private listener: Listener | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly door: Omit<InboundSessionOptions, 'identity'>,
  ) {}

  get address(): string {
    if (!this.listener) throw TesseraError.unavailable('core not started');
    return this.listener.address;
  }

  async start(address?: string): Promise<void> {
    this.listener = await this.transport.listen(address, (conn) => {
      openInboundSession(conn, this.door);
    });
  }

  async close(): Promise<void> {
    await this.listener?.close();
  }
}
