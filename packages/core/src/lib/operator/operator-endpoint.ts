import { TesseraError } from '@tessera/protocol';
import { type InboundSession, openInboundSession } from '@tessera/proxy';
import type { Listener, Transport } from '@tessera/transport';
import type { Core } from '../core/core';
import { OPERATOR } from '../registry/core-facts';

/**
 * The operator's door into a running app: a Unix socket in a private
 * runtime directory (0700 dir, 0600 socket), so only the user who runs the
 * app can open it; that is the authentication, as for a Docker socket. A
 * connection is the operator; its first call is `login`, which asks the
 * policy for an operator token on the core. Every later call carries that
 * token and passes the same door as any module's call to the core.
 */
export class OperatorEndpoint {
  private listener: Listener | undefined;
  private readonly sessions = new Set<InboundSession>();

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
      const session = openInboundSession(conn, {
        proxy: this.core.proxy,
        tokens: this.core.tokens,
        identity: { caller: OPERATOR },
        bootstrap: (call) => (call.method === 'login' ? { value: this.login() } : undefined),
        onClosed: (_caller, s) => this.sessions.delete(s),
      });
      this.sessions.add(session);
    });
    return this.listener.address;
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.close()));
    await this.listener?.close();
    await this.transport.close();
  }

  private async login(): Promise<{ token: string; expiresAt: number; methods: string[] }> {
    const issued = await this.core.issueToken(OPERATOR, 'core');
    return { token: issued.token, expiresAt: issued.expiresAt, methods: issued.methods };
  }
}
