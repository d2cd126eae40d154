import type { Context, SpanContext } from '@opentelemetry/api';
import { otelApi } from './telemetry-state';

/** W3C trace flags: the sampled bit (`TraceFlags.SAMPLED`). */
const SAMPLED = 0x01;

/** `version-traceid-spanid-flags`, lower-case hex (W3C Trace Context, level 1). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The W3C `traceparent` of a span context. */
export function traceparentOf(span: SpanContext): string {
  return `00-${span.traceId}-${span.spanId}-0${(span.traceFlags & SAMPLED).toString(16)}`;
}

/**
 * The context a served call runs in: the caller's span as a remote parent,
 * when its `traceparent` is valid; otherwise the root (an invalid header is
 * ignored, as W3C asks, never an error of the call).
 */
export function contextFromTraceparent(traceparent: string, tracestate?: string): Context {
  const { ROOT_CONTEXT, createTraceState, isSpanContextValid, trace } = otelApi();
  const m = TRACEPARENT.exec(traceparent);
  if (!m || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return ROOT_CONTEXT;
  const span: SpanContext = {
    traceId: m[2] as string,
    spanId: m[3] as string,
    traceFlags: parseInt(m[4] as string, 16) & SAMPLED,
    isRemote: true,
  };
  if (tracestate) {
    try {
      span.traceState = createTraceState(tracestate);
    } catch {
      // a malformed tracestate is dropped, the parent kept
    }
  }
  return isSpanContextValid(span) ? trace.setSpanContext(ROOT_CONTEXT, span) : ROOT_CONTEXT;
}
