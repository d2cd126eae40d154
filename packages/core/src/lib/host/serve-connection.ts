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
  const subscriptions = new Map<string, () => void>();
  const verified: VerifiedCache = {};

  const bind = (call: IncomingCall): boolean => {
    try {
      caller = tokens.authenticate(call.token, undefined).caller;
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
        return proxy.describe(call.token, caller);
      case '$subscribe': {
        if (typeof event !== 'string') throw TesseraError.invalidArgument('$subscribe takes an event name');
        const off = proxy.subscribe(call.token, caller, event, (name, payload) => peer.emit(proxy.module, name, payload));
        subscriptions.get(event)?.();
        subscriptions.set(event, off);
        return true;
      }
      case '$unsubscribe': {
        tokens.authenticate(call.token, caller);
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
      if (caller === undefined && !bind(call)) return undefined;
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
