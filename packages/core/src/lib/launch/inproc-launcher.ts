import { TesseraError } from '@tessera/protocol';
import type { ModuleProxyOptions } from '@tessera/proxy';
import type { TokenManagerFactory } from '@tessera/token-manager';
import type { Transport } from '@tessera/transport';
import { ModuleHost } from '@tessera/host';
import type { HostLauncher, LaunchRequest, RunningHost } from './host-launcher';

/** Runs each module in the core's own process (isolation: in-process). */
export class InProcessLauncher implements HostLauncher {
  private readonly hosts = new Set<ModuleHost>();

  constructor(
    private readonly transport: Transport,
    private readonly tokenFactory: TokenManagerFactory,
    private readonly proxyOptions: ModuleProxyOptions,
    private readonly defaultTimeoutMs?: number,
  ) {}

  async launch(request: LaunchRequest): Promise<RunningHost> {
    if (!request.definition)
      throw TesseraError.invalidArgument(`module ${request.name}: no definition to run in-process`);
    const host = new ModuleHost({
      definition: request.definition,
      transport: this.transport,
      coreAddress: request.coreAddress,
      coreToken: request.coreToken,
      tokens: this.tokenFactory(request.name),
      proxyOptions: this.proxyOptions,
      defaultTimeoutMs: this.defaultTimeoutMs,
    });
    this.hosts.add(host);
    try {
      await host.start();
    } catch (err) {
      this.hosts.delete(host);
      await host.stop().catch(() => undefined);
      throw err;
    }
    return {
      stop: async () => {
        this.hosts.delete(host);
        await host.stop();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.hosts].map((h) => h.stop()));
    this.hosts.clear();
  }
}
