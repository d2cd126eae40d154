/**
 * Child-process entry that serves the transport contract over zeromq. The
 * config (including CURVE secret keys) arrives as one JSON line on stdin,
 * never in argv or env; the bound address goes out as one JSON line on
 * stdout. Closing stdin (or SIGTERM) closes the transport and exits 0.
 */
import { createInterface } from 'node:readline';
import { serveContract } from '@tessera/transport/testing';
import { ZeroMqTransport } from '../lib/zeromq-transport';
import type { ChildServerConfig } from './child-server';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const first = await lines.next();
  const config = JSON.parse(String(first.value)) as ChildServerConfig;
  const clients = new Map(Object.entries(config.clients ?? {}));
  const transport = new ZeroMqTransport({
    curve: config.curve ? { ...config.curve, authorize: (key) => clients.get(key) } : false,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    ...(config.quiet ? { logger: silent } : {}),
  });
  const listener = await serveContract(transport, config.address);
  process.stdout.write(`${JSON.stringify({ address: listener.address })}\n`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await transport.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  for (;;) {
    const next = await lines.next();
    if (next.done) break;
  }
  await stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`contract server failed: ${String(err)}\n`);
  process.exit(1);
});
