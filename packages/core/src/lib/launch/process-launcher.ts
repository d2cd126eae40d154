import { type SandboxMode, TesseraError } from '@tessera/protocol';
import type { TransportConfig } from '@tessera/transport';
import type { HostLauncher, LaunchRequest, RunningHost } from './host-launcher';
import { ProcessHost } from './process-host';
import { generateKeyPair } from '@tessera/transport-zeromq';
import type { KeyRing } from '../remote/key-ring';
import { type ChannelKeys, hostIdentity } from './inproc-launcher';
import { HostSandbox, type HostPlan, type SandboxLayers } from './sandbox';

export interface ProcessLauncherOptions {
  /** The carrier hosts use (ipc, zeromq). */
  transport: TransportConfig;
  heartbeatMs?: number;
  stopTimeoutMs?: number;
  readyTimeoutMs?: number;
  deniedResult?: 'error' | 'empty';
  callTimeoutMs?: number;
  /** Channel handshake mode (ipc, zeromq ipc://): each host gets a fresh identity key the core admits for its module. */
  channel?: ChannelKeys;
  /** CURVE mode: each host gets a fresh key pair the core admits for its module. */
  curve?: { keyRing: KeyRing; coreServerKey: string; hostListen: string };
  /** How hosts are confined (docs/security.md); default `auto`. */
  sandbox?: SandboxMode | SandboxLayers;
  /** The app's state dir: modules' data dirs go in `<stateDir>/data/<module>`; default a temporary one. */
  stateDir?: string;
  /** Paths no module may read or write besides the state dir (the policy bundle, the config file). */
  protect?: string[];
}

/** Runs each module in its own child process (isolation: process). */
export class ProcessLauncher implements HostLauncher {
  private readonly hosts = new Set<ProcessHost>();
  private readonly sandbox: HostSandbox;

  constructor(private readonly options: ProcessLauncherOptions) {
    if (options.transport.kind === 'inproc') {
      throw TesseraError.invalidArgument(
        'isolation "process" needs a transport that crosses processes (ipc or zeromq), not "inproc"',
        {
          field: 'transport.kind',
        },
      );
    }
    this.sandbox = new HostSandbox({
      sandbox: options.sandbox,
      stateDir: options.stateDir,
      protect: options.protect,
      transport: options.transport,
    });
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
    const channel = !curve ? this.options.channel : undefined;
    const identity = channel ? hostIdentity(channel, request.name) : undefined;
    const forget = (): void => {
      if (curve && keys) curve.keyRing.revoke(keys.publicKey);
      if (channel && identity && !channel.pinned?.[request.name])
        channel.keyRing.revoke(identity.publicKey);
    };
    let host: ProcessHost;
    let plan: HostPlan | undefined;
    try {
      const coreToken = await request.coreToken(); // after the key is admitted: bound to it
      plan = await this.sandbox.plan({
        name: request.name,
        entryPath: request.entryPath,
        packageDir: request.packageDir,
        sandbox: request.sandbox,
        coreAddress: request.coreAddress,
        network: curve !== undefined,
      });
      host = await ProcessHost.start(
        {
          spawn: plan.spawn,
          bootstrap: {
            kind: 'bootstrap',
            name: request.name,
            dataDir: plan.dataDir,
            entryPath: plan.entryPath,
            coreAddress: request.coreAddress,
            coreToken,
            ...(request.incarnation !== undefined ? { incarnation: request.incarnation } : {}),
            transport: plan.transport,
            heartbeatMs,
            deniedResult: this.options.deniedResult ?? 'error',
            ...(request.resources ? { resources: request.resources } : {}),
            callTimeoutMs: this.options.callTimeoutMs,
            ...(channel && identity ? { identity, coreKey: channel.coreKey } : {}),
            ...(curve && keys
              ? { curve: { ...keys, coreServerKey: curve.coreServerKey }, listen: curve.hostListen }
              : {}),
          },
          heartbeatTimeoutMs: heartbeatMs * 3,
          stopTimeoutMs: this.options.stopTimeoutMs ?? 3000,
          readyTimeoutMs: this.options.readyTimeoutMs ?? 15_000,
        },
        request.onSpawned,
      );
    } catch (err) {
      forget();
      await plan?.release();
      throw err;
    }
    const release = plan.release;
    this.hosts.add(host);
    host.onExit(() => {
      this.hosts.delete(host);
      forget();
      void release();
    });
    return host;
  }

  async close(): Promise<void> {
    await Promise.all([...this.hosts].map((h) => h.stop()));
    await this.sandbox.close();
  }
}
