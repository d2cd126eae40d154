import { TesseraError } from '@tessera/protocol';
import type { ModuleProxyOptions } from '@tessera/proxy';
import type { TokenManagerFactory } from '@tessera/token-manager';
import {
  type ChannelIdentitySecret,
  type Transport,
  channelIdentityFrom,
  createChannelIdentity,
} from '@tessera/transport';
import { ModuleHost } from '@tessera/host';
import type { KeyRing } from '../remote/key-ring';
import type { HostLauncher, LaunchRequest, RunningHost } from './host-launcher';
import { HostDirs } from './sandbox/host-dirs';

/** The core's half of channel identities: the key ring hosts' keys go into, and the core's own key. */
export interface ChannelKeys {
  keyRing: KeyRing;
  coreKey: string;
  /** Keys pinned per module ({@link TesseraOptions.identityKeys}); others get a fresh one per start. */
  pinned?: Record<string, ChannelIdentitySecret>;
}

/** The identity key a host of `name` starts with, admitted for it in the key ring. */
export function hostIdentity(keys: ChannelKeys, name: string): ChannelIdentitySecret {
  const secret = keys.pinned?.[name] ?? createChannelIdentity().secret;
  keys.keyRing.admit(secret.publicKey, name);
  return secret;
}

/** Runs each module in the core's own process (isolation: in-process). */
export class InProcessLauncher implements HostLauncher {
  private readonly hosts = new Set<ModuleHost>();
  private readonly dirs: HostDirs;

  constructor(
    private readonly transport: Transport,
    private readonly tokenFactory: TokenManagerFactory,
    private readonly proxyOptions: ModuleProxyOptions,
    private readonly defaultTimeoutMs?: number,
    private readonly keys?: ChannelKeys,
    /** Where modules' data dirs go (`<stateDir>/data/<module>`); default a temporary dir. */
    stateDir?: string,
  ) {
    this.dirs = new HostDirs({ stateDir });
  }

  async launch(request: LaunchRequest): Promise<RunningHost> {
    if (!request.definition)
      throw TesseraError.invalidArgument(`module ${request.name}: no definition to run in-process`);
    const dataDir = await this.dirs.dataDir(request.name);
    // Same handshake as a process host, so in-process calls behave alike (not a security boundary).
    const secret = this.keys ? hostIdentity(this.keys, request.name) : undefined;
    const forget = (): void => {
      if (secret && !this.keys?.pinned?.[request.name]) this.keys?.keyRing.revoke(secret.publicKey);
    };
    let coreToken: string;
    try {
      coreToken = await request.coreToken();
    } catch (err) {
      forget();
      throw err;
    }
    const host = new ModuleHost({
      definition: request.definition,
      transport: this.transport,
      ...(secret && this.keys
        ? { identity: channelIdentityFrom(secret), coreKey: this.keys.coreKey }
        : {}),
      coreAddress: request.coreAddress,
      coreToken,
      tokens: this.tokenFactory(
        request.name,
        request.incarnation !== undefined ? { incarnation: request.incarnation } : {},
      ),
      proxyOptions: this.proxyOptions,
      defaultTimeoutMs: this.defaultTimeoutMs,
      dataDir,
      ...(request.resources ? { resources: request.resources } : {}),
    });
    this.hosts.add(host);
    try {
      await host.start();
    } catch (err) {
      this.hosts.delete(host);
      await host.stop().catch(() => undefined);
      forget();
      throw err;
    }
    return {
      stop: async () => {
        this.hosts.delete(host);
        try {
          await host.stop();
        } finally {
          forget();
        }
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.hosts].map((h) => h.stop()));
    this.hosts.clear();
    await this.dirs.close();
  }
}
