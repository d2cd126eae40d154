#!/usr/bin/env node
/**
 * Entry point of a module host process. Waits for its bootstrap on the fork
 * IPC channel, loads the module package, runs it behind a ModuleProxy on its
 * own endpoint, and reports ready and heartbeats to the core.
 */
import 'reflect-metadata';
import { container } from 'tsyringe';
import { TesseraError, resolveToken } from '@tessera/protocol';
import { TokenManager } from '@tessera/token-manager';
import { TRANSPORT_REGISTRY, channelIdentityFrom } from '@tessera/transport';
import { ModuleHost } from '../host/module-host';
import { loadDefinition } from '../definition/load-definition';
import type { BootstrapMessage, CoreMessage, HostMessage } from './host-messages';
import { confineSignals } from './confine-signals';
import { registerHostTransport } from './host-transport';

function send(msg: HostMessage): void {
  if (process.connected) process.send?.(msg);
}

let host: ModuleHost | undefined;
let stopping = false;

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const timer = setTimeout(() => process.exit(code), 3000);
  timer.unref();
  await host?.stop().catch(() => undefined);
  process.exit(code);
}

async function boot(msg: BootstrapMessage): Promise<void> {
  // Under the permission model (a sandboxed host), signals are confined before module code loads.
  if ('permission' in process) confineSignals();
  const definition = loadDefinition(msg.entryPath, msg.name);
  const c = container.createChildContainer();
  await registerHostTransport(c, msg.transport.kind);
  const tokens = new TokenManager(
    msg.name,
    msg.incarnation !== undefined ? { incarnation: msg.incarnation } : {},
  );
  const curve = msg.curve;
  // CURVE mode: our own keys; ZAP admits exactly the callers holding a grant bound to their key.
  const config = curve
    ? {
        kind: msg.transport.kind,
        options: {
          ...msg.transport.options,
          curve: {
            secretKey: curve.secretKey,
            publicKey: curve.publicKey,
            serverKey: curve.coreServerKey,
            authorize: (k: string) => tokens.callerForKey(k),
          },
        },
      }
    : msg.transport;
  const transport = resolveToken(c, TRANSPORT_REGISTRY).create(config);
  host = new ModuleHost({
    definition,
    transport,
    coreAddress: msg.coreAddress,
    coreToken: msg.coreToken,
    listenAddress: msg.listen,
    serverKey: curve?.publicKey,
    tokens,
    ...(msg.identity ? { identity: channelIdentityFrom(msg.identity) } : {}),
    ...(msg.coreKey ? { coreKey: msg.coreKey } : {}),
    proxyOptions: { deniedResult: msg.deniedResult },
    defaultTimeoutMs: msg.callTimeoutMs,
    dataDir: msg.dataDir,
    ...(msg.resources ? { resources: msg.resources } : {}),
  });
  await host.start();
  send({ kind: 'ready', address: host.address as string });
  let last = process.cpuUsage();
  const beat = (): void => {
    last = process.cpuUsage();
    const mem = process.memoryUsage();
    send({
      kind: 'heartbeat',
      cpuUserUs: last.user,
      cpuSystemUs: last.system,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
    });
  };
  beat();
  setInterval(beat, msg.heartbeatMs).unref();
}

process.on('message', (raw: CoreMessage) => {
  if (raw?.kind === 'bootstrap' && !host) {
    boot(raw).catch((err: unknown) => {
      const e =
        err instanceof TesseraError
          ? err
          : TesseraError.internal(
              `module failed to start: ${(err as Error)?.message ?? String(err)}`,
            );
      send({ kind: 'failed', code: e.code, message: e.message });
      void stop(1);
    });
  } else if (raw?.kind === 'stop') {
    void stop(0);
  }
});
// The core is our only reason to live: if its channel goes, so do we.
process.on('disconnect', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => undefined); // Ctrl-C reaches the whole group; the core decides the order
