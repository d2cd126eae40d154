import { TesseraError } from '@tessera/protocol';
import type { Client } from '@tessera/sdk';
import type { CallHandler, CallOptions, RpcPeer } from '@tessera/transport';

/** Options of {@link contractClient}. */
export interface ContractClientOptions {
  /** The token every call carries (e.g. the operator's), if the far side checks one. */
  token?: string | (() => string);
  timeoutMs?: number;
}

/**
 * A typed client for a contract `T` served on the other end of `peer`:
 * `client.grant(token, info)` sends the call `grant`. `then` and symbols are
 * not methods, so a client is never mistaken for a promise.
 */
export function contractClient<T extends object>(
  peer: RpcPeer,
  options: ContractClientOptions = {},
): Client<T> {
  const tokenOf =
    typeof options.token === 'function' ? options.token : () => options.token as string | undefined;
  return new Proxy(Object.create(null) as object, {
    get(_t, method) {
      if (typeof method !== 'string' || method === 'then') return undefined;
      return (...args: unknown[]) =>
        peer.call(method, args, { timeoutMs: options.timeoutMs, token: tokenOf() ?? '' });
    },
  }) as Client<T>;
}

type Method<T, K extends keyof T> = T[K] extends (...args: infer A) => infer R
  ? (...args: A) => R
  : never;

/**
 * One call of contract `T` with options of its own (a timeout, an
 * AbortSignal), typed like {@link contractClient}'s methods.
 */
export function contractCall<T extends object, K extends keyof T & string>(
  peer: RpcPeer,
  method: K,
  args: Parameters<Method<T, K>>,
  options: CallOptions,
): Promise<Awaited<ReturnType<Method<T, K>>>> {
  return peer.call(method, args, options) as Promise<Awaited<ReturnType<Method<T, K>>>>;
}

/**
 * Serve a contract from a dispatch table: only the listed methods of
 * `impl` are callable, whatever the call names.
 */
export function contractHandler<T extends object>(
  impl: T,
  methods: readonly (keyof T & string)[],
): CallHandler {
  const table = new Map<string, (...args: unknown[]) => unknown>();
  for (const m of methods) {
    const fn = impl[m];
    if (typeof fn !== 'function') throw TesseraError.invalidArgument(`'${m}' is not a function`);
    table.set(m, (fn as (...args: unknown[]) => unknown).bind(impl));
  }
  return (call) => {
    const fn = table.get(call.method);
    if (!fn) throw TesseraError.methodNotFound(`no control method '${call.method}'`);
    return fn(...call.args);
  };
}
