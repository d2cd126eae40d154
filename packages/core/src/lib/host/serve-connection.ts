import { TesseraError } from '@tessera/protocol';
import type { ModuleProxy, VerifiedCache } from '@tessera/proxy';
import type { TokenManager } from '@tessera/token-manager';
import { type Connection, type IncomingCall, RpcPeer } from '@tessera/transport';

export interface ServeOptions {
  proxy: ModuleProxy;
  tokens: TokenManager;
  /** Called once, when the first valid token (or the carrier) binds the connection to a caller. */
  onBound?(caller: string, peer: RpcPeer): void;
  onClosed?(caller: string | undefined, peer: RpcPeer): void;
  /**
   * Bootstrap calls authenticated by the carrier alone (a remote host's
   * `join`/`attach`, identified by its CURVE key): return `{value}` to
   * answer a call here, `undefined` to pass it on to the token checks.
   */
  intercept?(call: IncomingCall, conn: Connection): { value: unknown } | undefined;
  defaultTimeoutMs?: number;
}

/**
 * Serve one inbound connection to a module. The connection's caller is the
 * identity the carrier authenticated (e.g. a CURVE key) or, failing that, the
 * caller of the first grant presented on it; from then on every call on the
 * connection must carry a token issued to that same caller.
 */
export function serveConnection(conn: Connection, options: ServeOptions): RpcPeer {
  const { proxy, tokens } = options;
  let caller: string | undefined = conn.peer.module;
  let bound = false;
  const subscriptions = new Map<string, () => void>();
  const key = conn.peer.key;
  const verified: VerifiedCache = key !== undefined ? { key } : {};

  const bind = (call: IncomingCall): boolean => {
    try {
      // With a carrier identity (CURVE), the first grant must be that identity's.
      caller = tokens.authenticate(call.token, caller, key).caller;
      bound = true;
    } catch (err) {
      if (proxy.deniedResult === 'empty') return false;
      throw err;
    }
    options.onBound?.(caller, peer);
    return true;
  };

  const internal = (call: IncomingCall): unknown => {
    const [event] = call.args;
    switch (call.method) {
      case '$describe':
        return proxy.describe(call.token, caller, key);
      case '$subscribe': {
        if (typeof event !== 'string')
          throw TesseraError.invalidArgument('$subscribe takes an event name');
        const off = proxy.subscribe(
          call.token,
          caller,
          event,
          (name, payload) => peer.emit(proxy.module, name, payload),
          key,
        );
        subscriptions.get(event)?.();
        subscriptions.set(event, off);
        return true;
      }
      case '$unsubscribe': {
        tokens.authenticate(call.token, caller, key);
        const off = typeof event === 'string' ? subscriptions.get(event) : undefined;
        off?.();
        if (typeof event === 'string') subscriptions.delete(event);
        return off !== undefined;
      }
      default:
        throw TesseraError.methodNotFound(`${proxy.module} has no method '${call.method}'`);
    }
  };

  const peer: RpcPeer = new RpcPeer(conn, {
    defaultTimeoutMs: options.defaultTimeoutMs,
    handler: (call) => {
      const taken = options.intercept?.(call, conn);
      if (taken) return taken.value;
      if (!bound && !bind(call)) return undefined;
      if (call.method.charCodeAt(0) === 36 /* $ */) return internal(call);
      return proxy.invoke(call.token, caller, call.method, call.args, call, verified);
    },
    onClose: () => {
      for (const off of subscriptions.values()) off();
      subscriptions.clear();
      options.onClosed?.(caller, peer);
    },
  });
  return peer;
}
