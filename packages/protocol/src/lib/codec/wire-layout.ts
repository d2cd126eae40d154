import type { WireError } from '../errors/wire-error';
import {
  type CallFrame,
  type ControlOp,
  type Frame,
  isSlotToken,
  isTokenSlot,
} from '../frames/frame';

/** A W3C traceparent is 55 characters; later versions may append fields. */
const MAX_TRACEPARENT = 128;
/** W3C tracestate: at most 32 members, 512 characters is what propagators keep. */
const MAX_TRACESTATE = 512;

/**
 * On the wire a frame is a msgpack array whose first element says its kind,
 * with fields in a fixed order: half the decode cost of a keyed map (no key
 * strings to read, match or allocate) and a third smaller. In memory, frames
 * stay the readable objects of `frames/frame.ts`.
 *
 *   call    [0, id, token, method, args, traceparent?, tracestate?]
 *           token: a string; or [slot, token] binding a token slot; or
 *           slot, a token bound earlier on this connection (CallFrame.tokenSlot)
 *   result  [1, id, value]
 *   error   [2, id, code, message, data?]
 *   event   [3, source, name, payload]
 *   cancel  [4, id]
 *   control [5, op, data?]
 */
export const enum WireKind {
  Call = 0,
  Result = 1,
  Error = 2,
  Event = 3,
  Cancel = 4,
  Control = 5,
}

/** The positional form of `frame`. */
export function toWire(frame: Frame): unknown[] {
  switch (frame.t) {
    case 'call': {
      const token =
        frame.tokenSlot === undefined
          ? frame.token
          : frame.bindsSlot
            ? [frame.tokenSlot, frame.token]
            : frame.tokenSlot;
      if (frame.trace === undefined)
        return [WireKind.Call, frame.id, token, frame.method, frame.args];
      return frame.traceState === undefined
        ? [WireKind.Call, frame.id, token, frame.method, frame.args, frame.trace]
        : [WireKind.Call, frame.id, token, frame.method, frame.args, frame.trace, frame.traceState];
    }
    case 'result':
      return [WireKind.Result, frame.id, frame.value];
    case 'error':
      return frame.error.data === undefined
        ? [WireKind.Error, frame.id, frame.error.code, frame.error.message]
        : [WireKind.Error, frame.id, frame.error.code, frame.error.message, frame.error.data];
    case 'event':
      return [WireKind.Event, frame.source, frame.name, frame.payload];
    case 'cancel':
      return [WireKind.Cancel, frame.id];
    case 'control':
      return frame.data === undefined
        ? [WireKind.Control, frame.op]
        : [WireKind.Control, frame.op, frame.data];
  }
}

const isId = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const CONTROL_OPS: ReadonlySet<string> = new Set<ControlOp>([
  'ping',
  'pong',
  'hello',
  'challenge',
  'proof',
  'welcome',
  'refused',
]);

/**
 * Rebuild and validate a frame from its positional form. Returns a reason
 * string for anything malformed: such input is never trusted further.
 */
export function fromWire(a: unknown): Frame | string {
  if (!Array.isArray(a) || a.length < 2) return 'frame is not a kind-tagged array';
  switch (a[0]) {
    case WireKind.Call: {
      if (a.length < 5 || a.length > 7) return 'call frame needs 5 to 7 fields';
      if (!isId(a[1])) return 'call frame needs a numeric id';
      if (typeof a[3] !== 'string') return 'call frame needs a string method';
      if (!Array.isArray(a[4])) return 'call frame needs an args array';
      const t = a[2];
      let call: CallFrame;
      if (typeof t === 'string') call = { t: 'call', id: a[1], token: t, method: a[3], args: a[4] };
      else if (isTokenSlot(t))
        call = { t: 'call', id: a[1], token: '', method: a[3], args: a[4], tokenSlot: t };
      else if (Array.isArray(t) && t.length === 2 && isTokenSlot(t[0]) && isSlotToken(t[1]))
        call = {
          t: 'call',
          id: a[1],
          token: t[1],
          method: a[3],
          args: a[4],
          tokenSlot: t[0],
          bindsSlot: true,
        };
      else return 'call frame needs a string token, a token slot or a [slot, token] binding';
      if (a.length === 5) return call;
      // Trace context: bounded strings here; their W3C syntax is checked where they are used.
      const [trace, traceState] = [a[5], a[6]];
      if (typeof trace !== 'string' || trace.length > MAX_TRACEPARENT)
        return 'call frame trace context must be a traceparent string';
      if (a.length === 7 && (typeof traceState !== 'string' || traceState.length > MAX_TRACESTATE))
        return 'call frame tracestate must be a string of at most 512 characters';
      call.trace = trace;
      if (a.length === 7) call.traceState = traceState as string;
      return call;
    }
    case WireKind.Result:
      if (a.length !== 3 || !isId(a[1])) return 'result frame needs an id and a value';
      return { t: 'result', id: a[1], value: a[2] };
    case WireKind.Error: {
      if ((a.length !== 4 && a.length !== 5) || !isId(a[1]))
        return 'error frame needs an id, a code and a message';
      // The code is checked when the error is rebuilt (unknown codes become INTERNAL).
      const error = {
        code: a[2],
        message: a[3],
        ...(a.length === 5 ? { data: a[4] } : {}),
      } as WireError;
      return { t: 'error', id: a[1], error };
    }
    case WireKind.Event:
      if (a.length !== 4 || typeof a[1] !== 'string' || typeof a[2] !== 'string')
        return 'event frame needs a source and a name';
      return { t: 'event', source: a[1], name: a[2], payload: a[3] };
    case WireKind.Cancel:
      if (a.length !== 2 || !isId(a[1])) return 'cancel frame needs a numeric id';
      return { t: 'cancel', id: a[1] };
    case WireKind.Control: {
      if ((a.length !== 2 && a.length !== 3) || typeof a[1] !== 'string' || !CONTROL_OPS.has(a[1]))
        return 'control frame needs a known op';
      const data = a[2];
      if (a.length === 3 && (typeof data !== 'object' || data === null || Array.isArray(data)))
        return 'control frame data must be an object';
      return a.length === 3
        ? { t: 'control', op: a[1] as never, data: data as Record<string, unknown> }
        : { t: 'control', op: a[1] as never };
    }
    default:
      return 'unknown frame kind';
  }
}
