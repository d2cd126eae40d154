import { execFileSync } from 'node:child_process';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  type CallFrame,
  type Frame,
  TesseraError,
  decodeFrame,
  encodeFrame,
} from '@tessera/protocol';
import type { Connection, ConnectionHandler } from '../connection';
import { RpcPeer } from '../rpc-peer';

/** Two peers joined back to back, every frame encoded and decoded as on a socket. */
class Wire implements Connection {
  readonly id = 'wire';
  readonly peer = {};
  closed = false;
  other!: Wire;
  handler: ConnectionHandler | undefined;
  readonly sent: Frame[] = [];
  send(frame: Frame): void {
    this.sent.push(frame);
    const bytes = encodeFrame(frame);
    queueMicrotask(() => this.other.handler?.onFrame(decodeFrame(bytes)));
  }
  attach(handler: ConnectionHandler): void {
    this.handler = handler;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function pair(handler: (call: { method: string; args: unknown[] }) => unknown) {
  const a = new Wire();
  const b = new Wire();
  a.other = b;
  b.other = a;
  const client = new RpcPeer(a, { service: 'kv' });
  new RpcPeer(b, { service: 'kv', handler });
  return { client, sentByClient: a.sent };
}

class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

describe('RPC telemetry with nothing registered', () => {
  it('puts no trace context on the frame: the call frame is exactly as before', async () => {
    const { client, sentByClient } = pair((call) => call.args[0]);
    await expect(client.call('get', ['k'])).resolves.toBe('k');
    expect(sentByClient).toEqual([{ t: 'call', id: 1, token: '', method: 'get', args: ['k'] }]);
    expect(Object.keys(sentByClient[0] as object)).toEqual(['t', 'id', 'token', 'method', 'args']);
  });
});

describe('RPC telemetry with an OpenTelemetry SDK registered', () => {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
  });
  afterAll(async () => {
    trace.disable();
    metrics.disable();
    context.disable();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });
  beforeEach(() => exporter.reset());

  it('makes each call a client span whose W3C context the served side continues', async () => {
    const seen: (string | undefined)[] = [];
    const { client, sentByClient } = pair(async (call) => {
      await new Promise((r) => setTimeout(r, 1)); // the span stays active across awaits
      seen.push(trace.getActiveSpan()?.spanContext().spanId);
      return call.args[0];
    });
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('request', async (root) => {
      await client.call('get', ['k']);
      root.end();
    });
    const spans = exporter.getFinishedSpans();
    const byName = (kind: number) => spans.find((s) => s.name === 'kv/get' && s.kind === kind);
    const root = spans.find((s) => s.name === 'request');
    const clientSpan = byName(2); // SpanKind.CLIENT
    const serverSpan = byName(1); // SpanKind.SERVER
    expect(root && clientSpan && serverSpan).toBeTruthy();
    const traceId = root?.spanContext().traceId;
    expect(clientSpan?.spanContext().traceId).toBe(traceId);
    expect(serverSpan?.spanContext().traceId).toBe(traceId);
    expect(clientSpan?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan?.spanContext().spanId);
    expect(serverSpan?.parentSpanContext?.isRemote).toBe(true);
    expect(seen).toEqual([serverSpan?.spanContext().spanId]);
    expect(serverSpan?.attributes).toMatchObject({
      'rpc.system': 'tessera',
      'rpc.service': 'kv',
      'rpc.method': 'get',
      'tessera.code': 'OK',
    });
    const frame = sentByClient[0] as CallFrame;
    expect(frame.trace).toBe(`00-${traceId}-${clientSpan?.spanContext().spanId}-01`);
  });

  it('marks failed calls with their code on both spans', async () => {
    const { client } = pair(() => {
      throw TesseraError.notFound('no such key');
    });
    await expect(client.call('get', ['k'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'kv/get');
    expect(spans).toHaveLength(2);
    for (const s of spans) {
      expect(s.attributes['tessera.code']).toBe('NOT_FOUND');
      expect(s.status).toMatchObject({ code: 2, message: 'NOT_FOUND' }); // SpanStatusCode.ERROR
    }
  });

  it('ignores a malformed traceparent instead of failing the call', async () => {
    const a = new Wire();
    const b = new Wire();
    a.other = b;
    b.other = a;
    new RpcPeer(b, { service: 'kv', handler: () => 'served' });
    const answers: Frame[] = [];
    a.attach({ onFrame: (f) => answers.push(f), onClose: () => undefined });
    a.send({ t: 'call', id: 7, token: '', method: 'get', args: [], trace: 'zz-not-a-trace' });
    await new Promise((r) => setTimeout(r, 5));
    expect(answers).toEqual([{ t: 'result', id: 7, value: 'served' }]);
    const server = exporter.getFinishedSpans().find((s) => s.kind === 1);
    expect(server?.parentSpanContext).toBeUndefined(); // a root, not a child of garbage
  });

  it('counts served calls and errors by code and times them', async () => {
    const { client } = pair((call) => {
      if (call.args[0] === 'deny') throw TesseraError.permissionDenied('no');
      return true;
    });
    await client.call('get', ['ok']);
    await client.call('get', ['ok']);
    await client.call('get', ['deny']).catch(() => undefined);
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const metric = (name: string) => all.find((m) => m.descriptor.name === name);
    const count = (name: string, code: string) =>
      metric(name)?.dataPoints.find(
        (p) => p.attributes['tessera.code'] === code && p.attributes['rpc.method'] === 'get',
      )?.value;
    expect(count('tessera.rpc.server.calls', 'OK')).toBeGreaterThanOrEqual(2);
    expect(count('tessera.rpc.server.calls', 'PERMISSION_DENIED')).toBe(1);
    expect(count('tessera.rpc.server.errors', 'PERMISSION_DENIED')).toBe(1);
    expect(count('tessera.rpc.server.errors', 'OK')).toBeUndefined();
    const latency = count('tessera.rpc.server.duration', 'OK') as { count: number; sum: number };
    expect(latency.count).toBeGreaterThanOrEqual(2);
    expect(latency.sum).toBeGreaterThanOrEqual(0);
    expect(metric('tessera.rpc.server.duration')?.descriptor.unit).toBe('ms');
  });
});

describe('the OpenTelemetry API is loaded only once something registers with it', () => {
  // A fresh process: in this one jest and the suites above have loaded it long ago.
  const script = `
    const { RpcPeer } = require('@tessera/transport');
    const loadedApi = () => Object.keys(require.cache).some((k) => k.includes('@opentelemetry/api'));
    class Wire {
      constructor() { this.id = 'wire'; this.peer = {}; this.closed = false; }
      send(f) { queueMicrotask(() => this.other.h.onFrame(f)); }
      attach(h) { this.h = h; }
      async close() {}
    }
    (async () => {
      const a = new Wire(), b = new Wire();
      a.other = b; b.other = a;
      const client = new RpcPeer(a, { service: 'kv' });
      new RpcPeer(b, { service: 'kv', handler: (c) => c.args[0] });
      for (let i = 0; i < 100; i++) await client.call('get', [i]);
      const before = loadedApi();
      const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } =
        require('@opentelemetry/sdk-trace-base');
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      require('@opentelemetry/api').trace.setGlobalTracerProvider(provider);
      await client.call('get', ['traced']);
      const spans = exporter.getFinishedSpans().map((s) => s.name).sort();
      console.log(JSON.stringify({ before, spans }));
    })();
  `;

  it('a process nobody traces never loads it; registering later is still seen on the next call', () => {
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ before: false, spans: ['kv/get', 'kv/get'] });
  });
});
