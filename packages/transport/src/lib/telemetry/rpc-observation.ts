import type { Attributes } from '@opentelemetry/api';
import { type CallFrame, ErrorCode, isTesseraError } from '@tessera/protocol';
import type { CallHandler, CallOptions, IncomingCall, RpcPeer } from '../rpc-peer';
import { type RpcInstruments, otelApi, rpcTracer, tracing } from './telemetry-state';
import { contextFromTraceparent, traceparentOf } from './trace-context';

/**
 * Observability of the RPC layer, through `@opentelemetry/api` only: spans
 * and metrics go to whatever SDK the app registered, and cost nothing but a
 * check when none is. Trace context crosses every call on the frame (W3C
 * `traceparent`/`tracestate`), so one trace follows a request from module
 * to module, across processes and machines. The API itself is only
 * touched once something registered with it (see `otelApi`).
 */

const spanName = (peer: RpcPeer, method: string): string =>
  peer.service !== undefined ? `${peer.service}/${method}` : method;

function attributesOf(peer: RpcPeer, method: string): Attributes {
  return peer.service !== undefined
    ? { 'rpc.system': 'tessera', 'rpc.service': peer.service, 'rpc.method': method }
    : { 'rpc.system': 'tessera', 'rpc.method': method };
}

/** The outcome code a failed call is reported under: its framework code, or `INTERNAL`. */
const codeOf = (err: unknown): string => (isTesseraError(err) ? err.code : ErrorCode.INTERNAL);

/** A call as a client span, its context on the frame; ends when the call settles. */
export function tracedCall(
  peer: RpcPeer,
  method: string,
  args: unknown[],
  options: CallOptions,
  token: string,
): Promise<unknown> {
  const { SpanKind, SpanStatusCode, context } = otelApi();
  const span = rpcTracer().startSpan(
    spanName(peer, method),
    { kind: SpanKind.CLIENT, attributes: attributesOf(peer, method) },
    context.active(),
  );
  const sc = span.spanContext();
  return peer
    .send(method, args, options, token, traceparentOf(sc), sc.traceState?.serialize())
    .then(
      (value) => {
        span.setAttribute('tessera.code', 'OK');
        span.end();
        return value;
      },
      (err: unknown) => {
        const code = codeOf(err);
        span.setAttribute('tessera.code', code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: code });
        span.end();
        throw err;
      },
    );
}

/**
 * Serve one call under observation: a server span (child of the caller's,
 * when its frame carries trace context) that the handler runs in, so the
 * calls the module makes meanwhile are its children; and the call counted
 * and timed by outcome code. `answer` sends the reply.
 */
export function observeServedCall(
  peer: RpcPeer,
  frame: CallFrame,
  call: IncomingCall,
  handler: CallHandler,
  meters: RpcInstruments | undefined,
  answer: (ok: boolean, value: unknown) => void,
): void {
  const { method } = frame;
  const attributes = attributesOf(peer, method);
  // Only when something is registered is the API loaded and a span made.
  const api = tracing() ? otelApi() : undefined;
  const span = api
    ? rpcTracer().startSpan(
        spanName(peer, method),
        { kind: api.SpanKind.SERVER, attributes },
        frame.trace !== undefined
          ? contextFromTraceparent(frame.trace, frame.traceState)
          : api.context.active(),
      )
    : undefined;
  const started = meters ? performance.now() : 0;
  const finish = (ok: boolean, value: unknown): void => {
    const code = ok ? 'OK' : codeOf(value);
    if (span && api) {
      span.setAttribute('tessera.code', code);
      if (!ok) {
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: code });
        // An unexpected throw's stack is recorded here, at the target, never sent to the caller.
        if (!isTesseraError(value) && value instanceof Error) span.recordException(value);
      }
      span.end();
    }
    if (meters) {
      const labelled = { ...attributes, 'tessera.code': code };
      meters.calls.add(1, labelled);
      if (!ok) meters.errors.add(1, labelled);
      meters.duration.record(performance.now() - started, labelled);
    }
    answer(ok, value);
  };
  let result: unknown;
  try {
    result =
      span && api
        ? api.context.with(api.trace.setSpan(api.context.active(), span), handler, undefined, call)
        : handler(call);
  } catch (err) {
    finish(false, err);
    return;
  }
  if (result instanceof Promise)
    result.then(
      (value) => finish(true, value),
      (err) => finish(false, err),
    );
  else finish(true, result);
}
