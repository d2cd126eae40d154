import { TesseraError } from '@tessera/protocol';
import { type Listener, RpcPeer, type Transport } from '@tessera/transport';
import { OPERATOR } from '../core/core-facts';
import type { Core } from '../core/core';
import type { VerifiedCache } from '@tessera/proxy';

/**
 * The operator's door into a running app: a Unix socket in a private
 * runtime directory (0700 dir, 0600 socket), so only the user who runs the
 * app can open it; that is the authentication, as for a Docker socket. A
 * connection first calls `login`, which asks the policy for an operator
 * token on the core; every later call carries that token and is checked by
 * the core's proxy like any other.
 */
export class OperatorEndpoint {
  private listener: Listener | undefined;
  private readonly peers = new Set<RpcPeer>();

  constructor(
    private readonly core: Core,
    private readonly transport: Transport,
  ) {}

  get address(): string {
    if (!this.listener) throw TesseraError.unavailable('operator endpoint not started');
    return this.listener.address;
  }

  async start(address?: string): Promise<string> {
    this.listener = await this.transport.listen(address, (conn) => {
      const verified: VerifiedCache = {};
      const peer = new RpcPeer(conn, {
        handler: async (call) => {
          if (call.method === 'login') {
            const issued = await this.core.capability.requestModule(OPERATOR, 'core', [], {
              operator: true,
            });
            return { token: issued.token, expiresAt: issued.expiresAt, methods: issued.methods };
          }
          const proxy = this.core.proxy;
          if (!proxy) throw TesseraError.unavailable('core not started');
          return proxy.invoke(call.token, OPERATOR, call.method, call.args, call, verified);
        },
        onClose: () => this.peers.delete(peer),
      });
      this.peers.add(peer);
    });
    return this.listener.address;
  }

  async close(): Promise<void> {
    await Promise.all([...this.peers].map((p) => p.close()));
    await this.listener?.close();
    await this.transport.close();
  }
}
