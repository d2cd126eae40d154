import { TesseraError } from '@tessera/protocol';
import type { TransportConfig } from '@tessera/transport';
import type { HostLauncher, LaunchRequest } from '../core/host-launcher';
import type { RunningHost } from '../core/module-record';
import { ProcessHost } from './process-host';

export interface ProcessLauncherOptions {
  /** The carrier hosts use (ipc, zeromq). */
  transport: TransportConfig;
  heartbeatMs?: number;
  stopTimeoutMs?: number;
  readyTimeoutMs?: number;
  deniedResult?: 'error' | 'empty';
  callTimeoutMs?: number;
}

/** Runs each module in its own child process (isolation: process). */
export class ProcessLauncher implements HostLauncher {
  private readonly hosts = new Set<ProcessHost>();

  constructor(private readonly options: ProcessLauncherOptions) {
    if (options.transport.kind === 'inproc') {
      throw TesseraError.invalidArgument('isolation "process" needs a transport that crosses processes (ipc or zeromq), not "inproc"', {
        field: 'transport.kind',
      });
    }
  }

  async launch(request: LaunchRequest): Promise<RunningHost> {
    if (!request.entryPath) throw TesseraError.invalidArgument(`module ${request.name}: no package entry to run in a process`);
    const heartbeatMs = this.options.heartbeatMs ?? 1000;
    const host = await ProcessHost.start({
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
      },
      heartbeatTimeoutMs: heartbeatMs * 3,
      stopTimeoutMs: this.options.stopTimeoutMs ?? 3000,
      readyTimeoutMs: this.options.readyTimeoutMs ?? 15_000,
    });
    this.hosts.add(host);
    host.onExit(() => this.hosts.delete(host));
    return host;
  }

  async close(): Promise<void> {
    await Promise.all([...this.hosts].map((h) => h.stop()));
  }
}
