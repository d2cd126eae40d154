import {
  type CallFrame,
  type ControlFrame,
  ErrorCode,
  type EventFrame,
  type Frame,
  TesseraError,
  fromWireError,
  isSlotToken,
  isTokenSlot,
  toWireError,
} from '@tessera/protocol';
import type { Connection } from './connection';
import { PendingTable } from './pending-table';
import { InboundTokenSlots, OutboundTokenSlots } from './token-slots';
import { observeServedCall, tracedCall } from './telemetry/rpc-observation';
import { type RpcInstruments, rpcInstruments, tracing } from './telemetry/telemetry-state';

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
   * a `.catch` on the success path. It is given the call's method and
   * arguments, so one function can serve every call (no closure per call).
   */
  recover?: Recover;
}

/** See {@link CallOptions.recover}. */
export type Recover = (error: TesseraError, method: string, args: unknown[]) => Promise<unknown>;

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

/**
 * One call waiting for its answer. A class with every field set in the
 * constructor, so all pending calls share one shape.
 */
class Pending {
  resolve: (value: unknown) => void = noop;
  reject: (error: unknown) => void = noop;
  /**
   * For calls on the default timeout: the sweeper tick it was made in
   * (calls are swept in insertion order); -1 for calls with a timer.
   */
  tick: number;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;

  constructor(
    readonly id: number,
    readonly method: string,
    readonly args: unknown[],
    readonly recover: Recover | undefined,
    tick: number,
  ) {
    this.tick = tick;
  }
}

const noop = (): void => undefined;
const resolved = Promise.resolve();

/**
 * The Pending whose promise is being made: a promise's executor runs
 * synchronously inside `new Promise`, so one shared executor can hand the
 * settlers over, instead of a closure made for every call.
 */
let capturing: Pending | undefined;
function captureSettlers(
  resolve: (value: unknown) => void,
  reject: (error: unknown) => void,
): void {
  const p = capturing as Pending;
  capturing = undefined;
  p.resolve = resolve;
  p.reject = reject;
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
  private readonly pending = new PendingTable<Pending>();
  /** Controllers of in-flight incoming calls whose `signal` was read (only those pay for one). */
  readonly controllers = new Map<number, AbortController>();
  /** Ids the peer cancelled; their answers are not sent. Bounded: stale ids are cleared. */
  private readonly cancelled = new Set<number>();
  private readonly defaultTimeoutMs: number;
  /** The RPC metrics of the meter provider registered when this peer was made, if any. */
  private readonly meters: RpcInstruments | undefined;
  private sweeper: ReturnType<typeof setInterval> | undefined;
  /** Sweeper ticks so far: a call on the default timeout records the tick it was made in, not a clock reading. */
  private tick = 0;
  /** When each tick from `tickBase` on began (Date.now()), for as long as a pending call needs it. */
  private tickBegan: number[] = [];
  private tickBase = 1;
  private readonly sweepEvery: number;
  private closeError: TesseraError | undefined;
  private isClosed = false;
  /** Tokens this end sent in slots; only on carriers that encode frames. */
  private readonly outSlots: OutboundTokenSlots | undefined;
  /** Tokens the peer bound to slots; made when it binds the first. */
  private inSlots: InboundTokenSlots | undefined;

  constructor(
    readonly connection: Connection,
    private readonly options: RpcPeerOptions = {},
  ) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.meters = rpcInstruments();
    this.sweepEvery = Math.min(1000, Math.max(10, Math.floor(this.defaultTimeoutMs / 10)));
    this.outSlots = connection.tokenSlots === true ? new OutboundTokenSlots() : undefined;
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
    if (tracing()) return tracedCall(this, method, args, options, token);
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
    const slots = this.outSlots;
    let frame: CallFrame;
    let bound = -1; // the slot this frame binds, undone if it is not sent
    if (slots === undefined || !isSlotToken(token)) {
      frame =
        trace === undefined
          ? { t: 'call', id, token, method, args }
          : traceState === undefined
            ? { t: 'call', id, token, method, args, trace }
            : { t: 'call', id, token, method, args, trace, traceState };
    } else {
      let tokenSlot = slots.slot(token);
      const bindsSlot = tokenSlot === undefined;
      if (tokenSlot === undefined) tokenSlot = bound = slots.bind(token);
      frame = { t: 'call', id, token, method, args, tokenSlot, bindsSlot };
      if (trace !== undefined) {
        frame.trace = trace;
        if (traceState !== undefined) frame.traceState = traceState;
      }
    }
    const ms = options.timeoutMs;
    const p = new Pending(id, method, args, options.recover, ms === undefined ? this.tick : -1);
    capturing = p;
    const promise = new Promise(captureSettlers);
    if (ms === undefined) {
      if (this.sweeper === undefined) this.startSweeper();
    } else {
      p.timer = setTimeout(() => this.expire(id, ms), ms);
    }
    if (signal) {
      p.signal = signal;
      p.onAbort = () => this.abort(id);
      signal.addEventListener('abort', p.onAbort, { once: true });
    }
    this.pending.add(p);
    try {
      this.connection.send(frame);
    } catch (err) {
      if (bound >= 0) slots?.unbind(bound);
      this.settle(id)?.reject(callNotSent(err, method));
    }
    return promise;
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
        // A retry runs in a microtask of its own: never inside the send that carried the answer.
        const recover = p.recover;
        if (recover) p.resolve(resolved.then(() => recover(err, p.method, p.args)));
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
    let token = frame.token;
    const slot = frame.tokenSlot;
    if (slot !== undefined) {
      const bound = this.slotToken(frame, slot);
      if (bound === undefined) return;
      token = bound;
    }
    const call = new Incoming(id, token, method, frame.args, this);
    if (frame.trace !== undefined || this.meters !== undefined || tracing()) {
      observeServedCall(this, frame, call, handler, this.meters, (ok, value) =>
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

  /**
   * The token a call's slot stands for, binding it first if the frame does.
   * Only on carriers that decode (and so validate) frames: anything else
   * naming a slot, or a slot the peer never bound (which an ordered carrier
   * with an honest peer never delivers), is a broken peer: it is told why
   * and its connection is closed. Returns undefined then.
   */
  private slotToken(frame: CallFrame, slot: number): string | undefined {
    let why: string | undefined;
    if (this.connection.tokenSlots !== true || !isTokenSlot(slot)) {
      why = 'this connection does not carry token slots';
    } else if (frame.bindsSlot === true) {
      if (isSlotToken(frame.token)) {
        (this.inSlots ??= new InboundTokenSlots()).bind(slot, frame.token);
        return frame.token;
      }
      why = 'a token slot must be bound to a token';
    } else {
      const bound = this.inSlots?.token(slot);
      if (bound !== undefined) return bound;
      why = `call names token slot ${slot}, which the caller never bound on this connection`;
    }
    this.safeSend({
      t: 'error',
      id: frame.id,
      error: toWireError(TesseraError.invalidArgument(why)),
    });
    void this.connection.close();
    return undefined;
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
    const p = this.pending.take(id);
    if (!p) return undefined; // late answer after timeout/cancel: dropped
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

  /**
   * One interval per peer instead of a timer (or a clock reading) per call:
   * calls on the default timeout are in the order they were made, each
   * tagged with the sweeper tick it was made in. A call made in tick `t` was
   * made before tick `t + 1` began, so once the default timeout has passed
   * since then it has surely passed since the call: never early, at most
   * about one period late (as a deadline checked on each sweep would be).
   */
  private startSweeper(): void {
    this.tickBegan = [];
    this.tickBase = this.tick + 1;
    this.sweeper = setInterval(() => this.sweep(), this.sweepEvery);
    this.sweeper.unref?.();
  }

  private sweep(): void {
    const now = Date.now();
    this.tick++;
    this.tickBegan.push(now);
    let keepFrom = this.tick + 1; // the first tick whose start a pending call still needs
    for (const p of this.pending.inOrder()) {
      if (p.tick < 0) continue;
      const next = this.tickBegan[p.tick + 1 - this.tickBase];
      if (next === undefined || now - next < this.defaultTimeoutMs) {
        keepFrom = p.tick + 1;
        break;
      }
      this.expire(p.id, this.defaultTimeoutMs);
    }
    if (keepFrom > this.tickBase) {
      this.tickBegan.splice(0, keepFrom - this.tickBase);
      this.tickBase = keepFrom;
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
    for (const p of this.pending.inOrder()) this.settle(p.id)?.reject(error);
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
