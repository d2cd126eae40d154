import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { RpcPeer } from '@tessera/transport';
import { IpcTransport } from '../src';

const REPO = resolve(__dirname, '../../..');

interface ChildSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  remoteParent: boolean;
  code?: string;
  pid: number;
}

/**
 * One trace across a process boundary: the caller (this process) and the
 * target (a child serving over IPC) each register a real OpenTelemetry SDK
 * with an in-memory exporter, as apps do; the W3C context on the call frame
 * joins their spans into one trace.
 */
describe('trace context across an ipc process boundary', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let dir: string;
  let child: ChildProcess;
  let transport: IpcTransport;
  let peer: RpcPeer;

  beforeAll(async () => {
    if (!existsSync(join(REPO, 'packages/transport-ipc/dist/index.js')))
      execFileSync('npx', ['nx', 'run', 'transport-ipc:build', '--output-style=stream'], {
        cwd: REPO,
        stdio: 'ignore',
      });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    dir = mkdtempSync(join(tmpdir(), 'tessera-trace-'));
    child = spawn(process.execPath, [join(__dirname, 'traced-server.js'), dir], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const address = await new Promise<string>((res, rej) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /LISTENING (\S+)\n/.exec(out);
        if (m) res(m[1] as string);
      });
      child.once('exit', (code) => rej(new Error(`traced server exited ${code}`)));
    });
    transport = new IpcTransport({ runtimeDir: dir });
    peer = new RpcPeer(await transport.connect(address), { service: 'echo' });
  }, 120_000);

  afterAll(async () => {
    await peer?.close();
    await transport?.close();
    const exited = new Promise((r) => child?.once('exit', r));
    child?.stdin?.end();
    await exited;
    trace.disable();
    context.disable();
    await provider.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records one trace from the caller span through the target process', async () => {
    const tracer = trace.getTracer('app');
    const answer = (await tracer.startActiveSpan('checkout', async (root) => {
      try {
        return await peer.call('echo', ['x']);
      } finally {
        root.end();
      }
    })) as { echoed: string; activeSpan: string };

    const local = exporter.getFinishedSpans();
    const root = local.find((s) => s.name === 'checkout');
    const clientSpan = local.find((s) => s.name === 'echo/echo');
    const remote = (await peer.call('spans', [])) as ChildSpan[];
    const serverSpan = remote.find((s) => s.name === 'echo/echo');

    expect(serverSpan?.pid).toBe(child.pid);
    expect(serverSpan?.pid).not.toBe(process.pid);
    const traceId = root?.spanContext().traceId;
    expect(clientSpan?.spanContext().traceId).toBe(traceId);
    expect(clientSpan?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(serverSpan).toMatchObject({
      kind: 1, // SERVER
      traceId,
      parentSpanId: clientSpan?.spanContext().spanId,
      remoteParent: true,
      code: 'OK',
    });
    // The target's handler ran inside its server span, also after an await.
    expect(answer).toEqual({ echoed: 'x', activeSpan: serverSpan?.spanId });
  });
});
