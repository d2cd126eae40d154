// Moleculer 0.14 as the peer to beat: an `echo.echo` action that returns its
// params, called locally (`broker.call` on the same broker: Context, endpoint
// choice, middleware chain, no transport) and over Moleculer's TCP transporter
// (JSON serializer, its default) to a broker in a child process. Default
// broker settings except the logger; Moleculer checks no token.
//   child role: node moleculer.mjs serve <port>  (prints LISTENING <port>)
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { serveAsChild, startChild } from '../raw-unix-echo.mjs';

const require = createRequire(import.meta.url);
const { ServiceBroker } = require('moleculer');
const SCRIPT = fileURLToPath(import.meta.url);

const echoService = { name: 'echo', actions: { echo: (ctx) => ctx.params } };

/** A TCP transporter with fixed addresses: no UDP discovery on a shared machine. */
const tcp = (port, urls) => ({
  type: 'TCP',
  options: { udpDiscovery: false, port, urls, useHostname: false },
});

/** Moleculer local: the service lives on the calling broker. */
export async function moleculerLocal() {
  const broker = new ServiceBroker({ nodeID: `bench-local-${process.pid}`, logger: false });
  broker.createService(echoService);
  await broker.start();
  return {
    call: (payload) => broker.call('echo.echo', payload),
    close: () => broker.stop(),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Moleculer over TCP: the service on a broker in a child process. Returns {call, close, child}. */
export async function moleculerTcp() {
  const serverPort = await freePort();
  const server = await startChild(SCRIPT, ['serve', String(serverPort)]);
  const broker = new ServiceBroker({
    nodeID: `bench-client-${process.pid}`,
    logger: false,
    transporter: tcp(0, [`127.0.0.1:${serverPort}/bench-server-${server.child.pid}`]),
  });
  await broker.start();
  await broker.waitForServices('echo', 10_000);
  return {
    child: server.child,
    call: (payload) => broker.call('echo.echo', payload),
    close: () => broker.stop(),
  };
}

async function serve(port) {
  const broker = new ServiceBroker({
    nodeID: `bench-server-${process.pid}`,
    logger: false,
    transporter: tcp(port, []),
  });
  broker.createService(echoService);
  await broker.start();
  return { address: String(port), close: () => broker.stop() };
}

if (process.argv[1] === SCRIPT && process.argv[2] === 'serve')
  await serveAsChild(() => serve(Number(process.argv[3])));
