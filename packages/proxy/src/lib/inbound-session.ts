import { randomBytes } from 'node:crypto';
import { ErrorCode, TesseraError } from '@tessera/protocol';
import type { TokenManager } from '@tessera/token-manager';
import { type Connection, type IncomingCall, RpcPeer } from '@tessera/transport';
import { type CallDenial, denialOf } from './call-denial';
import type { ModuleProxy, VerifiedCache } from './module-proxy';

/** Who a connection is before any token is shown. */
export interface SessionIdentity {
  /** The proven identity of the peer (carrier-authenticated, or fixed by the endpoint). */
  caller?: string;
  /** The carrier key (e.g. CURVE) that key-bound grants must match. */
  key?: string;
}

/** Options of {@link openInboundSession}. */
export interface InboundSessionOptions {
  /** The dispatch table behind this endpoint (a module's, or the core's). */
  proxy: ModuleProxy;
  /** The endpoint owner's grants. */
  tokens: TokenManager;
  /**
   * Who the connection is. Default: what the carrier proved (`conn.peer`).
   * An endpoint that authenticates its peers by other means (the operator
   * socket) fixes it here.
   */
  identity?: SessionIdentity;
  /**
   * Calls answered before any token check, authenticated by the carrier
   * alone (a remote host's `join`/`attach`, the operator's `login`): return
   * `{value}` to answer, `undefined` to pass the call on to the door.
   */
  bootstrap?(call: IncomingCall, identity: SessionIdentity): { value: unknown } | undefined;
  /** Once, when the first valid grant is shown for the connection's caller. */
  onBound?(caller: string, session: InboundSession): void;
  onClosed?(caller: string | undefined, session: InboundSession): void;
  /**
   * Every call the door refuses before dispatch (unauthenticated, out of
   * scope, over the rate limit, outside a constraint), for the audit trail.
   * Called synchronously on the refusal path: keep it cheap (count, batch).
   */
  onDenied?(denial: CallDenial): void;
  /**
   * The module's code threw something that is not a framework error: log
   * it here, at the target, with its stack. The caller gets only
   * `INTERNAL` and the same `callId`, to match its report with this log.
   */
  onUnexpectedError?(failure: UnexpectedFailure): void;
  defaultTimeoutMs?: number;
}

/** An unexpected throw behind the door, as the target logs it (never sent to the caller). */
export interface UnexpectedFailure {
  /** Random, also in the caller's `INTERNAL` error (message and `data.callId`). */
  callId: string;
  /** The connection's proven caller. */
  caller: string | undefined;
  method: string;
  /** What was thrown. */
  error: unknown;
}

/** One served connection: its proven caller and the RPC peer that answers it. */
export interface InboundSession {
  readonly peer: RpcPeer;
  /** The caller this connection is bound to, once known. */
  readonly caller: string | undefined;
  close(): Promise<void>;
}

/**
 * The one door: every inbound call on every endpoint (module hosts, the core
 * endpoint, the operator endpoint) passes through here. The connection's
 * caller is the identity its carrier proved (the channel handshake, or CURVE
 * and ZAP) or the endpoint fixed (the operator socket, after its credential);
 * a connection with neither is answered only by `bootstrap`. Every call must
 * carry a token issued to that caller (and to its key, where grants are
 * key-bound): a token is never a bearer token. Token, scope and method table are checked by the
 * {@link ModuleProxy} before any module code runs; `$describe`,
 * `$subscribe` and `$unsubscribe` are served here under the same grants.
 */
export function openInboundSession(
  conn: Connection,
  options: InboundSessionOptions,
): InboundSession {
  const { proxy, tokens } = options;
  const identity: SessionIdentity = options.identity ?? {
    ...(conn.peer.module !== undefined ? { caller: conn.peer.module } : {}),
    ...(conn.peer.key !== undefined ? { key: conn.peer.key } : {}),
  };
  let caller = identity.caller;
  let bound = false;
  const verified: VerifiedCache = identity.key !== undefined ? { key: identity.key } : {};
  const subscriptions = new Map<string, () => void>();

  /** The first grant binds the connection; it is cached, so the call's own check is a recheck. */
  const bind = (call: IncomingCall): boolean => {
    let grant;
    try {
      grant = tokens.authenticate(call.token, caller, identity.key);
    } catch (err) {
      if (proxy.deniedResult === 'empty') return false;
      throw err;
    }
    caller = grant.caller;
    verified.token = call.token;
    verified.grant = grant;
    bound = true;
    options.onBound?.(caller, session);
    return true;
  };

  const internal = (call: IncomingCall): unknown => {
    const [event] = call.args;
    switch (call.method) {
      case '$describe':
        return proxy.describe(call.token, caller, identity.key);
      case '$subscribe': {
        if (typeof event !== 'string')
          throw TesseraError.invalidArgument('$subscribe takes an event name');
        const off = proxy.subscribe(
          call.token,
          caller,
          event,
          (name, payload) => peer.emit(proxy.module, name, payload),
          identity.key,
        );
        subscriptions.get(event)?.();
        subscriptions.set(event, off);
        return true;
      }
      case '$unsubscribe': {
        tokens.authenticate(call.token, caller, identity.key);
        const off = typeof event === 'string' ? subscriptions.get(event) : undefined;
        off?.();
        if (typeof event === 'string') subscriptions.delete(event);
        return off !== undefined;
      }
      default:
        throw TesseraError.methodNotFound(`${proxy.module} has no method '${call.method}'`);
    }
  };

  /** Identity, grant and scope, then dispatch: everything after the bootstrap calls. */
  const door = (call: IncomingCall): unknown => {
    if (caller === undefined)
      throw TesseraError.unauthenticated(
        'this connection proved no identity (the channel handshake names the caller); no token is honoured on it',
      );
    if (!bound && !bind(call)) return undefined;
    if (call.method.charCodeAt(0) === 36 /* $ */) return internal(call);
    return proxy.invoke(call.token, caller, call.method, call.args, call, verified);
  };

  const peer: RpcPeer = new RpcPeer(conn, {
    defaultTimeoutMs: options.defaultTimeoutMs,
    service: proxy.module,
    handler: (call) => {
      const early = options.bootstrap?.(call, identity);
      if (early) return early.value;
      if (!options.onDenied) return door(call);
      try {
        return door(call);
      } catch (err) {
        // Thrown before the module's code returned: the door's refusals are reported.
        const denial = denialOf(err, caller, call.method, call.token);
        if (denial) options.onDenied(denial);
        throw err;
      }
    },
    onUnexpectedError: (error, call) => {
      const callId = randomBytes(6).toString('hex');
      options.onUnexpectedError?.({ callId, caller, method: call.method, error });
      return new TesseraError(ErrorCode.INTERNAL, `Internal error (call id ${callId})`, { callId });
    },
    onClose: () => {
      for (const off of subscriptions.values()) off();
      subscriptions.clear();
      options.onClosed?.(caller, session);
    },
  });
  const session: InboundSession = {
    peer,
    get caller() {
      return caller;
    },
    close: () => peer.close(),
  };
  return session;
}
