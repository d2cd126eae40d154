import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { codeOf } from '@tessera/protocol/testing';
import { observeCore } from '../lib/telemetry/core-metrics';
import type { CoreEvent } from '../lib/lifecycle/core-events';
import { type Harness, startApp } from './fixtures';

class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * An app that registers the OpenTelemetry SDK (here with in-memory
 * exporters) gets one trace per request across modules, and the calls,
 * errors, denials, latencies, live grants and restarts as metrics.
 */
describe('observability of a running app', () => {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  let h: Harness | undefined;

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
    exporter.reset();
  });
  afterAll(async () => {
    trace.disable();
    metrics.disable();
    context.disable();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });

  const collect = async () => {
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    return (name: string) => all.find((m) => m.descriptor.name === name)?.dataPoints ?? [];
  };

  it('follows a request through the door of each module in one trace', async () => {
    h = await startApp([
      { caller: 'eve', target: 'alice', methods: ['readVault'] },
      { caller: 'alice', target: 'vault', methods: ['read'] },
    ]);
    const { token } = await h.app.core.issueToken('eve', 'alice', []);
    const alice = await h.dial('alice', 'eve');
    await trace.getTracer('app').startActiveSpan('request', async (root) => {
      await expect(alice.call('readVault', ['greeting'], { token })).resolves.toBe('hello');
      root.end();
    });
    const spans = exporter.getFinishedSpans();
    const find = (name: string, kind: number): ReadableSpan | undefined =>
      spans.find((s) => s.name === name && s.kind === kind);
    const root = spans.find((s) => s.name === 'request');
    const chain = [
      find('readVault', 2), // eve's client span (a raw peer: no service name)
      find('alice/readVault', 1), // alice's door
      find('vault/read', 2), // alice's client to vault, from inside its method
      find('vault/read', 1), // vault's door
    ];
    let parent = root;
    for (const span of chain) {
      expect(span?.spanContext().traceId).toBe(root?.spanContext().traceId);
      expect(span?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
      parent = span;
    }
  });

  it('counts calls and denials by code, times them, and observes live grants', async () => {
    h = await startApp([{ caller: 'alice', target: 'vault', methods: ['read'] }]);
    const { token } = await h.app.core.issueToken('alice', 'vault', []);
    const vault = await h.dial('vault', 'alice');
    const valueIn =
      (points: Awaited<ReturnType<typeof collect>>) =>
      (name: string, method: string, code: string): unknown =>
        points(name).find(
          (p) =>
            p.attributes['rpc.service'] === 'vault' &&
            p.attributes['rpc.method'] === method &&
            p.attributes['tessera.code'] === code,
        )?.value;
    // Counters are cumulative over the file: compare with what was there before.
    const before = valueIn(await collect());
    const count = (name: string, method: string, code: string) => {
      const v = before(name, method, code);
      return typeof v === 'number' ? v : ((v as { count?: number } | undefined)?.count ?? 0);
    };
    const reads = count('tessera.rpc.server.calls', 'read', 'OK');
    const timed = count('tessera.rpc.server.duration', 'read', 'OK');
    await vault.call('read', ['greeting'], { token });
    expect(await codeOf(vault.call('write', ['k', 1], { token }))).toBe('PERMISSION_DENIED');
    const points = await collect();
    const at = valueIn(points);
    expect(at('tessera.rpc.server.calls', 'read', 'OK')).toBe(reads + 1);
    expect(at('tessera.rpc.server.calls', 'write', 'PERMISSION_DENIED')).toBe(1);
    expect(at('tessera.rpc.server.errors', 'write', 'PERMISSION_DENIED')).toBe(1);
    expect(at('tessera.rpc.server.duration', 'read', 'OK')).toMatchObject({ count: timed + 1 });
    const live = h.app.core.capability.grants().length;
    expect(live).toBeGreaterThan(0);
    expect(points('tessera.grants.live').map((p) => p.value)).toEqual([live]);
    expect(
      points('tessera.modules').find((p) => p.attributes['tessera.state'] === 'ready')?.value,
    ).toBe(4);
  });

  it('counts restarts and crashes per module from the core events', async () => {
    let emit: (e: CoreEvent) => void = () => undefined;
    const stop = observeCore({
      capability: { grants: () => [] },
      listModules: () => [],
      onEvent: (listener) => {
        emit = listener;
        return () => undefined;
      },
    });
    emit({ kind: 'crashed', module: 'echo', reason: 'exit 1', revoked: 2 });
    emit({ kind: 'restarting', module: 'echo', attempt: 1, inMs: 50 });
    emit({ kind: 'restarting', module: 'echo', attempt: 2, inMs: 100 });
    stop();
    const points = await collect();
    const echo = (name: string) =>
      points(name).find((p) => p.attributes['tessera.module'] === 'echo')?.value;
    expect(echo('tessera.module.restarts')).toBe(2);
    expect(echo('tessera.module.crashes')).toBe(1);
  });
});
