import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { resolveToken } from '@tessera/protocol';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { RpcPeer, TRANSPORT_REGISTRY, type Transport } from '@tessera/transport';
import { createTessera, type Tessera } from '../lib/tessera';
import { CORE_MANAGER_METHODS, CORE_MODULE_METHODS } from '../index';
import { packageEntry as entry } from './fixtures/module-packages';
import { connectAs, pinnedKeys } from './identities';

interface HostSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  pid: number;
}

/**
 * docs/observability.md's recipe for process isolation: unsandboxed hosts
 * inherit NODE_OPTIONS, so `--require otel.js` registers the SDK in each
 * host too. A request from this process through relay (its own process) to
 * echo (another) is then one trace, each host recording its own spans.
 */
describe('one trace through module hosts in their own processes', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const saved = { options: process.env['NODE_OPTIONS'], spans: process.env['TESSERA_TEST_SPANS'] };
  const keys = pinnedKeys(['eve']);
  let dir: string;
  let app: Tessera;
  let transport: Transport;
  let relay: RpcPeer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-traced-hosts-'));
    process.env['NODE_OPTIONS'] = `--require ${join(__dirname, 'fixtures', 'otel-preload.js')}`;
    process.env['TESSERA_TEST_SPANS'] = join(dir, 'spans.jsonl');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    app = await createTessera({
      isolation: 'process',
      sandbox: 'none',
      transport: { kind: 'ipc' },
      policy: new StaticPolicyEngine([
        ...['echo', 'relay'].map((caller) => ({
          caller,
          target: 'core',
          methods: [...CORE_MODULE_METHODS],
        })),
        { caller: 'eve', target: 'core', methods: [...CORE_MANAGER_METHODS] },
        { caller: 'relay', target: 'echo', methods: ['echo'] },
        { caller: 'eve', target: 'relay', methods: ['relay'] },
      ]),
      identities: [{ name: 'eve', provides: {}, requires: [] }],
      identityKeys: keys,
      capability: { sweepIntervalMs: 0 },
    });
    await app.core.load([
      entry('@tessera-test/relay', 'relay', { dependencies: ['echo'] }),
      entry('@tessera-test/echo', 'echo', { events: ['beat'] }),
    ]);
    transport = resolveToken(app.container, TRANSPORT_REGISTRY).create({ kind: 'ipc' });
    const token = (await app.core.issueToken('eve', 'relay', [])).token;
    relay = new RpcPeer(
      await connectAs(transport, keys, app.core.module('relay')?.address as string, 'eve'),
      { service: 'relay', defaultTimeoutMs: 10_000 },
    );
    await trace.getTracer('test').startActiveSpan('request', async (root) => {
      await expect(relay.call('relay', ['traced'], { token })).resolves.toBe('traced');
      root.end();
    });
  }, 60_000);

  afterAll(async () => {
    process.env['NODE_OPTIONS'] = saved.options ?? '';
    if (saved.options === undefined) delete process.env['NODE_OPTIONS'];
    if (saved.spans === undefined) delete process.env['TESSERA_TEST_SPANS'];
    await relay?.close();
    await transport?.close();
    await app?.close();
    trace.disable();
    context.disable();
    await provider.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('joins the caller, relay and echo spans into one trace, each recorded in its own process', async () => {
    const file = join(dir, 'spans.jsonl');
    const end = Date.now() + 5000;
    const read = (): HostSpan[] =>
      existsSync(file)
        ? (readFileSync(file, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l)) as HostSpan[])
        : [];
    while (read().filter((s) => s.name.endsWith('/echo') || s.name === 'relay/relay').length < 3) {
      if (Date.now() > end) throw new Error(`spans not written: ${JSON.stringify(read())}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const spans = read();
    const root = exporter.getFinishedSpans().find((s) => s.name === 'request');
    const client = exporter.getFinishedSpans().find((s) => s.name === 'relay/relay');
    const find = (name: string, kind: number) =>
      spans.find((s) => s.name === name && s.kind === kind);
    const relayServer = find('relay/relay', 1);
    const echoClient = find('echo/echo', 2);
    const echoServer = find('echo/echo', 1);
    const traceId = root?.spanContext().traceId;
    expect(client?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(relayServer).toMatchObject({ traceId, parentSpanId: client?.spanContext().spanId });
    expect(echoClient).toMatchObject({ traceId, parentSpanId: relayServer?.spanId });
    expect(echoServer).toMatchObject({ traceId, parentSpanId: echoClient?.spanId });
    const relayPid = app.core.module('relay')?.host?.pid;
    const echoPid = app.core.module('echo')?.host?.pid;
    expect(relayServer?.pid).toBe(relayPid);
    expect(echoClient?.pid).toBe(relayPid);
    expect(echoServer?.pid).toBe(echoPid);
    expect(new Set([process.pid, relayPid, echoPid]).size).toBe(3);
  });
});
