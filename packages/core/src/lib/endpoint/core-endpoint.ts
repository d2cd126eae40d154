import { CORE_MODULE_METHODS } from '@tessera/host';
import { TesseraError } from '@tessera/protocol';
import {
  ModuleProxy,
  openInboundSession,
  type InboundSession,
  type InboundSessionOptions,
} from '@tessera/proxy';
import type { TokenManager } from '@tessera/token-manager';
import type { Connection, Listener, Transport } from '@tessera/transport';
import { CORE_MANAGER_METHODS, type CoreApi } from '../api/core-api';
import type { Served } from '../api/core-surface';
import { OPERATOR_EVENTS } from '../operator/operator-events';
import { SECURITY_EVENT_SPEC } from '../audit/security-event';

/**
 * The core's dispatch table: every {@link CoreApi} method, each given the
 * proven caller, and the events the operator may subscribe to.
 */
export function coreProxy(surface: Served<CoreApi>, tokens: TokenManager): ModuleProxy {
  const methods = [...CORE_MODULE_METHODS, ...CORE_MANAGER_METHODS].map((name) => ({
    name,
    params: [],
    withContext: true,
  }));
  const events = [...OPERATOR_EVENTS, SECURITY_EVENT_SPEC];
  return new ModuleProxy('core', surface, { methods, events }, tokens);
}

/**
 * Where modules (and remote hosts) reach the core; every connection goes
 * through the door. Sessions are kept by the carrier key that authenticated
 * them, so revoking a key can close what it opened ({@link closeSessionsOf}).
 */
export class CoreEndpoint {
  private listener: Listener | undefined;
  private readonly byKey = new Map<string, Set<InboundSession>>();

  constructor(
    private readonly transport: Transport,
    private readonly door: Omit<InboundSessionOptions, 'identity'>,
  ) {}

  get address(): string {
    if (!this.listener) throw TesseraError.unavailable('core not started');
    return this.listener.address;
  }

  async start(address?: string): Promise<void> {
    this.listener = await this.transport.listen(address, (conn) => this.serve(conn));
  }

  /** Open sessions authenticated by `key` (0 for keys with none). */
  sessionsOf(key: string): number {
    return this.byKey.get(key)?.size ?? 0;
  }

  /** Close every open session authenticated by `key`: its admission was revoked, replaced or expired. */
  async closeSessionsOf(key: string): Promise<number> {
    const sessions = [...(this.byKey.get(key) ?? [])];
    this.byKey.delete(key);
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
    return sessions.length;
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.byKey.clear();
  }

  private serve(conn: Connection): void {
    const key = conn.peer.key;
    const session = openInboundSession(conn, {
      ...this.door,
      onClosed: (caller, s) => {
        if (key !== undefined) this.forget(key, s);
        this.door.onClosed?.(caller, s);
      },
    });
    if (key === undefined || conn.closed) return;
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    set.add(session);
  }

  private forget(key: string, session: InboundSession): void {
    const set = this.byKey.get(key);
    if (!set?.delete(session)) return;
    if (set.size === 0) this.byKey.delete(key);
  }
}
