import { TesseraError } from '@tessera/protocol';
import type { TransportConfig } from '@tessera/transport';
import type { HostLauncher, LaunchRequest, RunningHost } from './host-launcher';
import { ProcessHost } from './process-host';
import { generateKeyPair } from '@tessera/transport-zeromq';
import type { KeyRing } from '../remote/key-ring';

export interface ProcessLauncherOptions {
  /** The carrier hosts use (ipc, zeromq). */
  transport: TransportConfig;
  heartbeatMs?: number;
  stopTimeoutMs?: number;
  readyTimeoutMs?: number;
  deniedResult?: 'error' | 'empty';
  callTimeoutMs?: number;
  /** CURVE mode: each host gets a fresh key pair the core admits for its module. */
  curve?: { keyRing: KeyRing; coreServerKey: string; hostListen: string };
}

/** Runs each module in its own child process (isolation: process). */
export class ProcessLauncher implements HostLauncher {
  private readonly hosts = new Set<ProcessHost>();

  constructor(private readonly options: ProcessLauncherOptions) {
    if (options.transport.kind === 'inproc') {
      throw TesseraError.invalidArgument(
        'isolation "process" needs a transport that crosses processes (ipc or zeromq), not "inproc"',
        {
          field: 'transport.kind',
        },
      );
    }
  }

  async launch(request: LaunchRequest): Promise<RunningHost> {
    if (!request.entryPath)
      throw TesseraError.invalidArgument(
        `module ${request.name}: no package entry to run in a process`,
      );
    const heartbeatMs = this.options.heartbeatMs ?? 1000;
    const curve = this.options.curve;
    const keys = curve ? generateKeyPair() : undefined;
    if (curve && keys) curve.keyRing.admit(keys.publicKey, request.name);
    const forget = (): void => {
      if (curve && keys) curve.keyRing.revoke(keys.publicKey);
    };
    let host: ProcessHost;
    try {
      host = await ProcessHost.start({
        bootstrap: {
          kind: 'bootstrap',
          name: request.name,
          entryPath: request.entryPath,
          coreAddress: request.coreAddress,
          coreToken: request.coreToken,
          transport: this.options.transport,
          heartbeatMs,
          deniedResult: this.options.deniedResult ?? 'error',
          callTimeoutMs: this.options.callTimeoutMs,
          ...(curve && keys
            ? { curve: { ...keys, coreServerKey: curve.coreServerKey }, listen: curve.hostListen }
            : {}),
        },
        heartbeatTimeoutMs: heartbeatMs * 3,
        stopTimeoutMs: this.options.stopTimeoutMs ?? 3000,
        readyTimeoutMs: this.options.readyTimeoutMs ?? 15_000,
      });
    } catch (err) {
      forget();
      throw err;
    }
    this.hosts.add(host);
    host.onExit(() => {
      this.hosts.delete(host);
      forget();
    });
    return host;
  }

  async close(): Promise<void> {
    await Promise.all([...this.hosts].map((h) => h.stop()));
  }
}
