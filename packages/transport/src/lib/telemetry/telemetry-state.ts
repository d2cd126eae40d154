import type * as OtelApi from '@opentelemetry/api';
import type {
  Counter,
  Histogram,
  Meter,
  ProxyTracerProvider,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';

const SCOPE = '@tessera/transport';
/**
 * Where `@opentelemetry/api` 1.x keeps what an SDK registered (its
 * `global-utils`): absent until something registers a tracer, meter or
 * context manager, whichever copy of the API did it.
 */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** The API and what is read from it once; undefined until it is needed. */
interface Loaded {
  api: typeof OtelApi;
  /** What the API answers when no SDK registered a tracer provider. */
  noopTracerProvider: TracerProvider;
  noopMeter: Meter;
  /**
   * The API's own tracer provider: a proxy that `trace.setGlobalTracerProvider`
   * hands the SDK's provider to. Held once, so the per-call question is one
   * field read on an ordinary object rather than a lookup in the API's global
   * registry (tens of nanoseconds on each side of every call).
   */
  apiTracerProvider: ProxyTracerProvider | undefined;
}
let loaded: Loaded | undefined;

/**
 * `@opentelemetry/api`, loaded on first need. A module host that nobody
 * traces never loads it: ~8 ms of CPU and ~0.6 MB of RSS at every host
 * start otherwise (`npm run bench -- hosts`, before and after). The core
 * loads it at start ({@link loadTelemetry}).
 */
export function otelApi(): typeof OtelApi {
  return (loaded ??= load()).api;
}

/** Load the API now (the core does, at start: it reports metrics through it). */
export function loadTelemetry(): void {
  loaded ??= load();
}

function load(): Loaded {
  // A lazy require on purpose: loading it is what a host that nobody traces saves.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require('@opentelemetry/api') as typeof OtelApi;
  const provider = api.trace.getTracerProvider();
  return {
    api,
    noopTracerProvider: new api.ProxyTracerProvider().getDelegate(),
    noopMeter: api.createNoopMeter(),
    apiTracerProvider: provider instanceof api.ProxyTracerProvider ? provider : undefined,
  };
}

/** Whether anything registered with the OpenTelemetry API in this process (no load needed to tell). */
const registered = (): boolean =>
  (globalThis as Record<symbol, unknown>)[OTEL_GLOBAL] !== undefined;

/**
 * Whether the app registered an OpenTelemetry tracer provider (with this
 * copy of `@opentelemetry/api`: apps keep one, as OpenTelemetry asks).
 * Checked per call, without allocating: with nothing registered, Tessera
 * creates no span and puts no trace context on any frame.
 */
export function tracing(): boolean {
  let l = loaded;
  if (l === undefined) {
    if (!registered()) return false; // nothing registered: the API need not be loaded to know
    l = loaded = load();
  }
  const proxy = l.apiTracerProvider;
  return proxy === undefined
    ? l.api.trace.getTracerProvider() !== l.noopTracerProvider
    : proxy.getDelegate() !== l.noopTracerProvider;
}

let tracer: Tracer | undefined;
/** Tessera's tracer (a proxy: it follows whatever provider is registered). */
export function rpcTracer(): Tracer {
  return (tracer ??= otelApi().trace.getTracer(SCOPE));
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
  if (loaded === undefined && !registered()) return undefined;
  const provider = otelApi().metrics.getMeterProvider();
  if (provider === meteredBy) return instruments;
  meteredBy = provider;
  const meter = provider.getMeter(SCOPE);
  instruments =
    meter === (loaded as Loaded).noopMeter
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
