import { randomBytes, timingSafeEqual } from 'node:crypto';
import { TesseraError } from '@tessera/protocol';
import { type InboundSession, openInboundSession } from '@tessera/proxy';
import type { Listener, Transport } from '@tessera/transport';
import { tokenId } from '@tessera/token-manager';
import type { Core } from '../core/core';
import { OPERATOR } from '../registry/core-facts';

/** A fresh per-run operator credential: 256 random bits, base64url. */
export function createOperatorCredential(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The operator's door into a running app: a Unix socket in a private
 * runtime directory (0700 dir, 0600 socket). Reaching the socket is not
 * enough: a connection's first call is `login({credential})`, and the
 * credential is a per-run secret the app writes to a 0600 file in its
 * state directory, which no sandboxed module host can read. Each login gets
 * a grant of its own from the policy (so two `tessera` commands and a
 * long-running session coexist), bound to that connection alone and
 * released when it closes.
 * Every later call carries that token and passes the same door as any
 * module's call to the core.
 */
export class OperatorEndpoint {
  private listener: Listener | undefined;
  private readonly sessions = new Set<InboundSession>();
  private readonly credential: Buffer;

  constructor(
    private readonly core: Core,
    private readonly transport: Transport,
    credential: string,
  ) {
    if (typeof credential !== 'string' || credential.length < 32)
      throw TesseraError.invalidArgument('the operator credential must be at least 32 characters');
    this.credential = Buffer.from(credential);
  }

  get address(): string {
    if (!this.listener) throw TesseraError.unavailable('operator endpoint not started');
    return this.listener.address;
  }

  async start(address?: string): Promise<string> {
    this.listener = await this.transport.listen(address, (conn) => {
      const sessionId = randomBytes(12).toString('base64url');
      // The session's grant is bound to this key, which only this connection
      // carries: a token from another session (or before login) is refused here.
      const key = `operator-session:${sessionId}`;
      let loggedIn = false;
      let closed = false;
      const session = openInboundSession(conn, {
        proxy: this.core.proxy,
        tokens: this.core.tokens,
        identity: { caller: OPERATOR, key },
        bootstrap: (call) => {
          if (call.method !== 'login') return undefined;
          if (loggedIn)
            return { value: Promise.reject(TesseraError.failedPrecondition('already logged in')) };
          if (!this.matches(call.args[0])) {
            this.core.trail.record({
              kind: 'operator.refused',
              outcome: 'denied',
              target: 'core',
              reason: "login without this run's operator credential",
            });
            return {
              value: Promise.reject(
                TesseraError.unauthenticated(
                  'login needs {credential}: the operator credential of this run (.tessera/run/<config file name>/operator.key)',
                ),
              ),
            };
          }
          loggedIn = true;
          const issued = this.login(sessionId, key);
          // A connection that closed while its grant was issued must not leave it behind.
          void issued.then(
            (grant) => {
              this.core.trail.record({
                kind: 'operator.session',
                outcome: 'success',
                subject: OPERATOR,
                target: 'core',
                reason: 'operator session opened',
                grant: tokenId(grant.token),
              });
              if (closed) this.release(sessionId);
            },
            () => undefined,
          );
          return { value: issued };
        },
        onDenied: (denial) => this.core.deniedAtCore(denial),
        onClosed: (_caller, s) => {
          closed = true;
          this.sessions.delete(s);
          if (loggedIn) this.release(sessionId);
        },
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

  private matches(arg: unknown): boolean {
    const presented = (arg as { credential?: unknown } | undefined)?.credential;
    if (typeof presented !== 'string') return false;
    const b = Buffer.from(presented);
    return b.length === this.credential.length && timingSafeEqual(b, this.credential);
  }

  private async login(
    id: string,
    key: string,
  ): Promise<{ token: string; expiresAt: number; methods: string[] }> {
    const issued = await this.core.issueToken(OPERATOR, 'core', [], { id, key });
    return { token: issued.token, expiresAt: issued.expiresAt, methods: issued.methods };
  }

  private release(id: string): void {
    void this.core.capability
      .release(OPERATOR, 'core', 'operator session closed', id)
      .catch(() => undefined);
  }
}
