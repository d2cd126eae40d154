import type { WireError } from '../errors';

/**
 * Frames are the unit every transport carries: a discriminated union on `t`.
 * Correlation ids are per connection and per direction.
 */
export interface CallFrame {
  t: 'call';
  id: number;
  /** The capability token; empty on the core channel, which is authenticated at hello. */
  token: string;
  method: string;
  args: unknown[];
}
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
/** Connection-level control: handshake, heartbeat, orderly goodbye. */
export interface ControlFrame {
  t: 'control';
  op: 'hello' | 'welcome' | 'ping' | 'pong' | 'goodbye';
  data?: Record<string, unknown>;
}

export type Frame = CallFrame | ResultFrame | ErrorFrame | EventFrame | CancelFrame | ControlFrame;
export type FrameKind = Frame['t'];

const kinds: ReadonlySet<string> = new Set<FrameKind>([
  'call',
  'result',
  'error',
  'event',
  'cancel',
  'control',
]);

/**
 * Structural validation of a decoded frame. Anything that fails here is
 * malformed input from the peer, never trusted further.
 */
export function validateFrame(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'frame is not an object';
  }
  const f = value as Record<string, unknown>;
  if (typeof f['t'] !== 'string' || !kinds.has(f['t'])) return 'unknown frame kind';
  switch (f['t'] as FrameKind) {
    case 'call':
      if (!isId(f['id'])) return 'call frame needs a numeric id';
      if (typeof f['token'] !== 'string') return 'call frame needs a string token';
      if (typeof f['method'] !== 'string') return 'call frame needs a string method';
      if (!Array.isArray(f['args'])) return 'call frame needs an args array';
      return undefined;
    case 'result':
      return isId(f['id']) ? undefined : 'result frame needs a numeric id';
    case 'error':
      if (!isId(f['id'])) return 'error frame needs a numeric id';
      return typeof f['error'] === 'object' && f['error'] !== null
        ? undefined
        : 'error frame needs an error object';
    case 'event':
      return typeof f['source'] === 'string' && typeof f['name'] === 'string'
        ? undefined
        : 'event frame needs a source and a name';
    case 'cancel':
      return isId(f['id']) ? undefined : 'cancel frame needs a numeric id';
    case 'control':
      return typeof f['op'] === 'string' ? undefined : 'control frame needs an op';
  }
}

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
