import {
  type Histogram,
  type Counter,
  ProxyTracerProvider,
  type Tracer,
  createNoopMeter,
  metrics,
  trace,
} from '@opentelemetry/api';

/** What the API answers when no SDK registered a tracer provider. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_METER = createNoopMeter();
const SCOPE = '@tessera/transport';

/**
 * The API's own tracer provider: a proxy that `trace.setGlobalTracerProvider`
 * hands the SDK's provider to. Held once, so the per-call question is one
 * field read on an ordinary object rather than a lookup in the API's global
 * registry (tens of nanoseconds on each side of every call).
 */
const API_TRACER_PROVIDER = ((): ProxyTracerProvider | undefined => {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider ? provider : undefined;
})();

/**
 * Whether the app registered an OpenTelemetry tracer provider (with this
 * copy of `@opentelemetry/api`: apps keep one, as OpenTelemetry asks).
 * Checked per call, without allocating: with nothing registered, Tessera
 * creates no span and puts no trace context on any frame.
 */
export function tracing(): boolean {
  return API_TRACER_PROVIDER === undefined
    ? trace.getTracerProvider() !== NOOP_TRACER_PROVIDER
    : API_TRACER_PROVIDER.getDelegate() !== NOOP_TRACER_PROVIDER;
}

let tracer: Tracer | undefined;
/** Tessera's tracer (a proxy: it follows whatever provider is registered). */
export function rpcTracer(): Tracer {
  return (tracer ??= trace.getTracer(SCOPE));
}

/** The per-call instruments of the RPC layer. */
export interface RpcInstruments {
  /** Served calls, by `rpc.service`, `rpc.method` and `tessera.code` (`OK` or the error code). */
  calls: Counter;
  /** Served calls that failed, by the same attributes (denials are those with a refusal code). */
  errors: Counter;
  /** Duration of served calls in milliseconds, by the same attributes. */
  duration: Histogram;
}

let meteredBy: unknown;
let instruments: RpcInstruments | undefined;

/**
 * The RPC instruments of the registered meter provider, or undefined when
 * none is registered (the metrics API has no proxy: they are made again
 * when the provider changes). Read when a peer is made, not per call: an
 * app registers its SDK before it starts.
 */
export function rpcInstruments(): RpcInstruments | undefined {
  const provider = metrics.getMeterProvider();
  if (provider === meteredBy) return instruments;
  meteredBy = provider;
  const meter = provider.getMeter(SCOPE);
  instruments =
    meter === NOOP_METER
      ? undefined
      : {
          calls: meter.createCounter('tessera.rpc.server.calls', {
            description: 'Calls served, by service, method and outcome code',
          }),
          errors: meter.createCounter('tessera.rpc.server.errors', {
            description: 'Calls served that failed (denials included), by service, method and code',
          }),
          duration: meter.createHistogram('tessera.rpc.server.duration', {
            description: 'Duration of calls served',
            unit: 'ms',
          }),
        };
  return instruments;
}
