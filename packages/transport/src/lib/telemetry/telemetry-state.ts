import {
  type Histogram,
  type Counter,
  ProxyTracerProvider,
  type Tracer,
  createNoopMeter,
  metrics,
  trace,
} from '@opentelemetry/api';

/**
 * Where the OpenTelemetry API (1.x) keeps whatever was registered (tracer
 * and meter providers, context manager, propagator): absent until the first
 * registration. Reading it first keeps the usual case, nothing registered,
 * to one property read per call; anything registered takes the API's own
 * checks below. The key carries the API's major version (the dependency is
 * `^1`); the SDK tests fail if it ever moves.
 */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');
const GLOBAL = globalThis as Record<symbol, unknown>;

/** True while nothing at all is registered with the OpenTelemetry API. */
export function nothingRegistered(): boolean {
  return GLOBAL[API_GLOBAL] === undefined;
}

/** What the API answers when no SDK registered a tracer provider. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_METER = createNoopMeter();
const SCOPE = '@tessera/transport';

/**
 * Whether the app registered an OpenTelemetry tracer provider. Checked per
 * call, without allocating: with nothing registered, Tessera creates no
 * span and puts no trace context on any frame.
 */
export function tracing(): boolean {
  if (nothingRegistered()) return false;
  const provider = trace.getTracerProvider();
  return (
    !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_TRACER_PROVIDER
  );
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
 * when the provider changes). No allocation when nothing is registered.
 */
export function rpcInstruments(): RpcInstruments | undefined {
  if (nothingRegistered()) return undefined;
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
