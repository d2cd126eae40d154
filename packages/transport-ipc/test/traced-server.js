// A child process serving RPC over IPC with the OpenTelemetry SDK registered,
// its spans kept in memory: `spans` returns them. Prints `LISTENING <address>`,
// exits when stdin closes. Runs the built packages (npm run build first).
const { context, trace } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} = require('@opentelemetry/sdk-trace-base');

const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);

const { RpcPeer } = require('@tessera/transport');
const { IpcTransport } = require('@tessera/transport-ipc');

const handler = async (call) => {
  if (call.method === 'spans')
    return exporter.getFinishedSpans().map((s) => ({
      name: s.name,
      kind: s.kind,
      traceId: s.spanContext().traceId,
      spanId: s.spanContext().spanId,
      parentSpanId: s.parentSpanContext?.spanId,
      remoteParent: s.parentSpanContext?.isRemote === true,
      code: s.attributes['tessera.code'],
      pid: process.pid,
    }));
  await new Promise((r) => setTimeout(r, 1)); // the server span stays active across awaits
  return { echoed: call.args[0], activeSpan: trace.getActiveSpan()?.spanContext().spanId };
};

(async () => {
  const transport = new IpcTransport({ runtimeDir: process.argv[2] });
  const listener = await transport.listen(undefined, (conn) => {
    new RpcPeer(conn, { service: 'echo', handler });
  });
  process.stdout.write(`LISTENING ${listener.address}\n`);
  process.stdin.on('end', () => void transport.close().then(() => process.exit(0)));
  process.stdin.resume();
})();
