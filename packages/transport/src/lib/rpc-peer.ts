import {
  type CallFrame,
  type ControlFrame,
  ErrorCode,
  type EventFrame,
  type Frame,
  TesseraError,
  fromWireError,
  toWireError,
} from '@tessera/protocol';
import type { Connection } from './connection';
import { observeServedCall, tracedCall, wantsObservation } from './telemetry/rpc-observation';
import { nothingRegistered, tracing } from './telemetry/telemetry-state';

/** One call received from the peer. */
export interface IncomingCall {
  readonly id: number;
  readonly token: string;
  readonly method: string;
  readonly args: unknown[];
  /** The peer it arrived on: its connection carries the caller's identity. */
  readonly peer: RpcPeer;
  /** Aborted when the caller cancels. Created on first access. */
  readonly signal: AbortSignal;
}

/** Serves incoming calls. A throw or rejection becomes an error frame. */
export type CallHandler = (call: IncomingCall) => unknown;

/** Per-call options. */
export interface CallOptions {
  token?: string;
  /** Milliseconds before the call fails with `TIMEOUT`. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Called instead of rejecting when the peer answers with an error; the
   * call then settles as the returned promise does (one retry, say). Saves
   * a `.catch` on the success path.
   */
  recover?: (error: TesseraError) => Promise<unknown>;
}

export interface RpcPeerOptions {
  handler?: CallHandler;
  onEvent?: (event: EventFrame) => void;
  onControl?: (frame: ControlFrame, peer: RpcPeer) => void;
  onClose?: (error: TesseraError | undefined, peer: RpcPeer) => void;
  /** Default per-call timeout; 30 s. */
  defaultTimeoutMs?: number;
  /**
   * The module on the far side (a caller's peer) or served here (a door's
   * peer): names spans (`<service>/<method>`) and metric attributes
   * (`rpc.service`). Only read when OpenTelemetry is registered.
   */
  service?: string;
  /**
   * A served call threw something that is not a {@link TesseraError} (a bug
   * in the code behind `handler`): return the error the caller gets instead
   * (log the original here, at the target; its stack never crosses the
   * wire). Default: `INTERNAL: Internal error`.
   */
  onUnexpectedError?: (error: unknown, call: { id: number; method: string }) => TesseraError;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  recover?: (error: TesseraError) => Promise<unknown>;
  /** Deadline for calls on the default timeout, swept in insertion order. */
  deadline: number;
  timer?: ReturnType<typeof setTimeout>;
  signal?: AbortSignal;
  onAbort?: () => void;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const NO_OPTIONS: CallOptions = Object.freeze({});

/**
 * The RPC layer, written once above every carrier: correlation ids, timeouts,
 * cancel frames, events, and errors that survive the wire. Both ends of a
 * connection may call each other.
 */
export class RpcPeer {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Controllers of in-flight incoming calls whose `signal` was read (only those pay for one). */
  readonly controllers = new Map<number, AbortController>();
  /** Ids the peer cancelled; their answers are not sent. Bounded: stale ids are cleared. */
  private readonly cancelled = new Set<number>();
  private readonly defaultTimeoutMs: number;
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private closeError: TesseraError | undefined;
  private isClosed = false;

  constructor(
    readonly connection: Connection,
    private readonly options: RpcPeerOptions = {},
  ) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    connection.attach({
      onFrame: (frame) => this.onFrame(frame),
      onClose: (error) => this.onConnectionClosed(error),
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Number of calls waiting for an answer. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Call `method` on the peer. Rejects with a {@link TesseraError}. When the
   * app registered an OpenTelemetry tracer, the call is a client span and
   * its W3C trace context rides on the frame; otherwise neither exists.
   */
  call(
    method: string,
    args: unknown[],
    options: CallOptions = NO_OPTIONS,
    token = options.token ?? '',
  ): Promise<unknown> {
    if (!nothingRegistered() && tracing()) return tracedCall(this, method, args, options, token);
    return this.send(method, args, options, token);
  }

  /** The service name spans and metrics use (see {@link RpcPeerOptions.service}). */
  get service(): string | undefined {
    return this.options.service;
  }

  /** @internal A call, with the caller's trace context when it traces. */
  send(
    method: string,
    args: unknown[],
    options: CallOptions,
    token: string,
    trace?: string,
    traceState?: string,
  ): Promise<unknown> {
    if (this.isClosed) return Promise.reject(this.unavailable());
    const { signal } = options;
    if (signal?.aborted)
      return Promise.reject(new TesseraError(ErrorCode.CANCELLED, 'call cancelled'));
    const id = this.nextId++;
    const frame: CallFrame =
      trace === undefined
        ? { t: 'call', id, token, method, args }
        : traceState === undefined
          ? { t: 'call', id, token, method, args, trace }
          : { t: 'call', id, token, method, args, trace, traceState };
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve, reject, recover: options.recover, deadline: 0 };
      if (options.timeoutMs === undefined) {
        p.deadline = Date.now() + this.defaultTimeoutMs;
        this.ensureSweeper();
      } else {
        const ms = options.timeoutMs;
        p.timer = setTimeout(() => this.expire(id, ms), ms);
      }
      if (signal) {
        p.signal = signal;
        p.onAbort = () => this.abort(id);
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.pending.set(id, p);
      try {
        this.connection.send(frame);
      } catch (err) {
        this.settle(id)?.reject(callNotSent(err, method));
      }
    });
  }

  /**
   * Send an event frame to the peer: fire and forget, never throws. Returns
   * false when it was not sent: the connection is closed or full, or the
   * payload is something msgpack cannot carry (a function, a cycle...), which
   * an emitter able to report it should check.
   */
  emit(source: string, name: string, payload: unknown): boolean {
    if (this.isClosed) return false;
    try {
      this.connection.send({ t: 'event', source, name, payload });
      return true;
    } catch {
      // A closed peer's close handler cleans up subscriptions; a bad payload
      // must not look like a broken subscriber to whoever fans events out.
      return false;
    }
  }

  /** Send a control frame. */
  control(op: ControlFrame['op'], data?: Record<string, unknown>): void {
    const frame: ControlFrame =
      data === undefined ? { t: 'control', op } : { t: 'control', op, data };
    this.connection.send(frame);
  }

  /** Close the connection; pending calls reject with `UNAVAILABLE`. Idempotent. */
  async close(): Promise<void> {
    if (!this.isClosed) this.shutdown(TesseraError.unavailable('connection closed'));
    await this.connection.close();
  }

  private onFrame(frame: Frame): void {
    switch (frame.t) {
      case 'call':
        this.onCall(frame);
        return;
      case 'result':
        this.settle(frame.id)?.resolve(frame.value);
        return;
      case 'error': {
        const p = this.settle(frame.id);
        if (!p) return;
        const err = fromWireError(frame.error);
        if (p.recover) p.resolve(p.recover(err));
        else p.reject(err);
        return;
      }
      case 'cancel': {
        const ctl = this.controllers.get(frame.id);
        if (ctl) ctl.abort();
        else {
          if (this.cancelled.size >= 1024) this.cancelled.clear(); // ids of calls already answered
          this.cancelled.add(frame.id);
        }
        return;
      }
      case 'event':
        this.options.onEvent?.(frame);
        return;
      case 'control':
        if (frame.op === 'ping') this.safeSend({ t: 'control', op: 'pong' });
        this.options.onControl?.(frame, this);
        return;
      default: {
        const never: never = frame;
        return never;
      }
    }
  }

  private onCall(frame: CallFrame): void {
    const handler = this.options.handler;
    if (!handler) {
      this.safeSend({
        t: 'error',
        id: frame.id,
        error: toWireError(TesseraError.unavailable('peer serves no calls')),
      });
      return;
    }
    const { id, method } = frame;
    const call = new Incoming(id, frame.token, method, frame.args, this);
    if (frame.trace !== undefined || (!nothingRegistered() && wantsObservation())) {
      observeServedCall(this, frame, call, handler, (ok, value) =>
        this.reply(id, method, ok, value),
      );
      return;
    }
    let result: unknown;
    try {
      result = handler(call);
    } catch (err) {
      this.reply(id, method, false, err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value) => this.reply(id, method, true, value),
        (err) => this.reply(id, method, false, err),
      );
    } else {
      this.reply(id, method, true, result);
    }
  }

  private reply(id: number, method: string, ok: boolean, value: unknown): void {
    if (this.controllers.size > 0) {
      const ctl = this.controllers.get(id);
      if (ctl) {
        this.controllers.delete(id);
        if (ctl.signal.aborted) return; // cancelled: the caller stopped listening
      }
    }
    if (this.cancelled.size > 0 && this.cancelled.delete(id)) return;
    if (this.isClosed) return;
    try {
      this.connection.send(
        ok
          ? { t: 'result', id, value }
          : { t: 'error', id, error: this.wireError(value, id, method) },
      );
    } catch (err) {
      // Never leave the caller waiting for its timeout: say why instead.
      if (this.connection.closed || isUnavailable(err)) return;
      const error = answerNotSent(err, `${ok ? 'result' : 'error'} of '${method}'`);
      this.safeSend({ t: 'error', id, error: toWireError(error) });
    }
  }

  /** What the caller learns of a failed call: a framework error as is, anything else as `INTERNAL`. */
  private wireError(err: unknown, id: number, method: string): ReturnType<typeof toWireError> {
    const unexpected = this.options.onUnexpectedError;
    if (unexpected === undefined || err instanceof TesseraError) return toWireError(err);
    try {
      return toWireError(unexpected(err, { id, method }));
    } catch {
      return toWireError(TesseraError.internal());
    }
  }

  private safeSend(frame: Frame): void {
    try {
      this.connection.send(frame);
    } catch {
      // Connection closed under us; onClose does the bookkeeping.
    }
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined; // late answer after timeout/cancel: dropped
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    if (p.signal && p.onAbort) p.signal.removeEventListener('abort', p.onAbort);
    return p;
  }

  private expire(id: number, ms: number): void {
    const p = this.settle(id);
    if (!p) return;
    this.safeSend({ t: 'cancel', id });
    p.reject(new TesseraError(ErrorCode.TIMEOUT, `call timed out after ${ms} ms`));
  }

  private abort(id: number): void {
    const p = this.settle(id);
    if (!p) return;
    this.safeSend({ t: 'cancel', id });
    p.reject(new TesseraError(ErrorCode.CANCELLED, 'call cancelled'));
  }

  /** One interval per peer instead of a timer per call: calls on the default timeout are in deadline order. */
  private ensureSweeper(): void {
    if (this.sweeper) return;
    const every = Math.min(1000, Math.max(10, Math.floor(this.defaultTimeoutMs / 10)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref?.();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, p] of this.pending) {
      if (p.timer) continue;
      if (p.deadline > now) break;
      this.expire(id, this.defaultTimeoutMs);
    }
    if (this.pending.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private onConnectionClosed(error: TesseraError | undefined): void {
    this.shutdown(error ?? TesseraError.unavailable('connection closed by peer'));
    this.options.onClose?.(error, this);
  }

  private shutdown(error: TesseraError): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = error;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error);
    for (const ctl of this.controllers.values()) ctl.abort();
    this.controllers.clear();
    this.cancelled.clear();
  }

  private unavailable(): TesseraError {
    return this.closeError ?? TesseraError.unavailable('connection closed');
  }
}

/** An incoming call; its AbortSignal is created only if the handler asks for it. */
class Incoming implements IncomingCall {
  constructor(
    readonly id: number,
    readonly token: string,
    readonly method: string,
    readonly args: unknown[],
    readonly peer: RpcPeer,
  ) {}

  get signal(): AbortSignal {
    let ctl = this.peer.controllers.get(this.id);
    if (!ctl) {
      ctl = new AbortController();
      if (this.peer.closed) ctl.abort();
      else this.peer.controllers.set(this.id, ctl);
    }
    return ctl.signal;
  }
}

// A carrier's send throws UNAVAILABLE once closed, RESOURCE_EXHAUSTED when
// full or too large, and passes on encodeFrame's INVALID_ARGUMENT for a value
// msgpack cannot carry, whose `data.reason` names the kind of value only.

const isUnavailable = (err: unknown): boolean =>
  err instanceof TesseraError && err.code === ErrorCode.UNAVAILABLE;

function unencodable(err: unknown): string | undefined {
  if (!(err instanceof TesseraError) || err.code !== ErrorCode.INVALID_ARGUMENT) return undefined;
  const reason = err.data?.['reason'];
  return typeof reason === 'string' ? `: ${reason}` : '';
}

/** Why a call did not go out: its own arguments, or the carrier. */
function callNotSent(err: unknown, method: string): TesseraError {
  const reason = unencodable(err);
  if (reason !== undefined)
    return TesseraError.invalidArgument(`arguments of '${method}' could not be encoded${reason}`);
  return err instanceof TesseraError ? err : TesseraError.unavailable('send failed');
}

/** The error the caller gets instead of an answer (`what`: "result of 'get'") that did not go out. */
function answerNotSent(err: unknown, what: string): TesseraError {
  const reason = unencodable(err);
  if (reason !== undefined)
    return new TesseraError(ErrorCode.INTERNAL, `${what} could not be encoded${reason}`);
  if (err instanceof TesseraError)
    return new TesseraError(err.code, `${what} was not sent: ${err.message}`);
  return new TesseraError(ErrorCode.INTERNAL, `${what} could not be sent`);
}
