import type { WireError } from '../errors/wire-error';

/**
 * Frames are the unit every transport carries: a discriminated union on `t`.
 * Correlation ids are per connection and per direction.
 */
export interface CallFrame {
  t: 'call';
  id: number;
  /** The capability token the door checks; empty for calls a carrier-proven identity makes without one (the core's control calls, bootstrap calls). */
  token: string;
  method: string;
  args: unknown[];
  /**
   * W3C trace context of the caller's span (`traceparent`), present only
   * when the caller traces: correlation for observability, never authority.
   */
  trace?: string;
  /** W3C `tracestate` that goes with {@link trace}, when the caller has one. */
  traceState?: string;
  /**
   * Carriers that encode frames (ipc, zeromq): the per-connection slot the
   * token travels in, so a token repeated on a connection crosses it once
   * (see {@link TOKEN_SLOTS}). With {@link bindsSlot} the frame carries
   * `token` in full and the receiver remembers it in this slot; without,
   * `token` is `''` on arrival until the receiver's RPC layer fills it in
   * from the slot. Never authority by itself: it names a token the same
   * peer sent earlier on the same connection, which is checked as if it
   * were sent in full.
   */
  tokenSlot?: number;
  /** With {@link tokenSlot}: this frame (re)binds the slot to `token`. */
  bindsSlot?: boolean;
}

/** Token slots per connection and direction; a slot number is below this. */
export const TOKEN_SLOTS = 256;
/** Longest token that may be bound to a slot (tokens are 45 characters; longer ones travel in full). */
export const MAX_SLOT_TOKEN_CHARS = 256;

/** A slot number: an integer in `[0, TOKEN_SLOTS)`. The decoder and the RPC layer both hold slots to it. */
export const isTokenSlot = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < TOKEN_SLOTS;

/** A token that may be bound to a slot: non-empty, at most {@link MAX_SLOT_TOKEN_CHARS} characters. */
export const isSlotToken = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= MAX_SLOT_TOKEN_CHARS;
export interface ResultFrame {
  t: 'result';
  id: number;
  value: unknown;
}
export interface ErrorFrame {
  t: 'error';
  id: number;
  error: WireError;
}
/** A module event delivered to a subscription made on this connection. */
export interface EventFrame {
  t: 'event';
  /** The target module that emitted it. */
  source: string;
  name: string;
  payload: unknown;
}
export interface CancelFrame {
  t: 'cancel';
  id: number;
}
/**
 * Connection-level control: a liveness ping and its pong, and the channel
 * handshake that proves each end's identity key before the first call
 * (`hello` → `challenge` → `proof` → `welcome` | `refused`).
 */
export interface ControlFrame {
  t: 'control';
  op: ControlOp;
  data?: Record<string, unknown>;
}

export type ControlOp = 'ping' | 'pong' | 'hello' | 'challenge' | 'proof' | 'welcome' | 'refused';

export type Frame = CallFrame | ResultFrame | ErrorFrame | EventFrame | CancelFrame | ControlFrame;
export type FrameKind = Frame['t'];
