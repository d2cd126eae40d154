import { ErrorCode, TesseraError } from '@tessera/protocol';
import type { Listener, Transport } from '../lib/connection';
import { type IncomingCall, RpcPeer } from '../lib/rpc-peer';

/**
 * The server side of the transport contract: a small service with one
 * method per behaviour under test. It has no jest dependency, so a child
 * process can serve it for transports that cross process boundaries.
 */
export function contractHandler(state: { aborted: number }) {
  return (call: IncomingCall): unknown => {
    const [a, b, c] = call.args;
    switch (call.method) {
      case 'echo':
        return a;
      case 'token':
        return call.token;
      case 'echoArgs':
        return { count: call.args.length, args: call.args };
      case 'throwTessera':
        throw new TesseraError(a as ErrorCode, String(b), c as Record<string, unknown>);
      case 'throwError':
        throw new Error(`secret internals at /home/user/.ssh: ${String(a)}`);
      case 'throwValue':
        throw a;
      case 'rejectValue':
        return Promise.reject(a);
      case 'sleep': {
        const signal = call.signal;
        return new Promise((resolve) => {
          const timer = setTimeout(() => resolve(b ?? 'slept'), Number(a));
          signal.addEventListener('abort', () => clearTimeout(timer));
        });
      }
      case 'waitForAbort': {
        const signal = call.signal;
        return new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            state.aborted++;
            resolve('aborted');
          });
        });
      }
      case 'abortedCount':
        return state.aborted;
      case 'unencodable':
        return unencodable(a);
      case 'throwUnencodable':
        throw new TesseraError(ErrorCode.NOT_FOUND, 'gone', { detail: unencodable(a) });
      case 'emitUnencodable':
        // What each emit returned: the bad payload is not sent, the next one is.
        return [
          call.peer.emit('contract', 'tick', unencodable(a)),
          call.peer.emit('contract', 'tick', 'after'),
        ];
      case 'emit': {
        for (let i = 0; i < Number(a); i++) call.peer.emit('contract', 'tick', i);
        return Number(a);
      }
      case 'closeConnection':
        setTimeout(() => void call.peer.close(), 0);
        return new Promise(() => undefined); // never answers: the close must reject it
      case 'exitProcess':
        setTimeout(() => process.exit(Number(a ?? 1)), 0);
        return new Promise(() => undefined);
      default:
        throw TesseraError.methodNotFound(`no method ${call.method}`);
    }
  };
}

/** A value of the named kind that msgpack cannot carry. */
export function unencodable(kind: unknown): unknown {
  switch (kind) {
    case 'function':
      return { nested: [() => 'not data'] };
    case 'symbol':
      return Symbol('not data');
    case 'bigint':
      return 2n ** 64n;
    case 'cycle': {
      const node: Record<string, unknown> = {};
      node['self'] = node;
      return node;
    }
    default:
      throw TesseraError.invalidArgument(`no unencodable kind '${String(kind)}'`);
  }
}

/** Serve the contract service on `transport` at `address`; returns the listener. */
export async function serveContract(transport: Transport, address?: string): Promise<Listener> {
  const state = { aborted: 0 };
  const handler = contractHandler(state);
  return transport.listen(address, (conn) => {
    new RpcPeer(conn, { handler });
  });
}
