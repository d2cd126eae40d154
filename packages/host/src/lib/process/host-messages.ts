import type { ChannelIdentitySecret, TransportConfig } from '@tessera/transport';

/**
 * Messages on the private fork IPC channel between the core and a module
 * host process. The core token travels only here: never in argv, the
 * environment or a file.
 */
export interface BootstrapMessage {
  kind: 'bootstrap';
  name: string;
  /** Absolute path of the module's entry file, resolved by the core. */
  entryPath: string;
  coreAddress: string;
  coreToken: string;
  /** Which start of the module this is: the host refuses grants minted for another. */
  incarnation?: number;
  transport: TransportConfig;
  heartbeatMs: number;
  deniedResult: 'error' | 'empty';
  callTimeoutMs?: number;
  /**
   * The host's identity key pair (made by the core for this run) and the
   * core's public key; every connection proves them in the channel
   * handshake. Absent in CURVE mode, where the carrier proves keys.
   */
  identity?: ChannelIdentitySecret;
  coreKey?: string;
  /** CURVE mode: the host's own key pair (made by the core for this run) and the core's public key. */
  curve?: { secretKey: string; publicKey: string; coreServerKey: string };
  /** Where the module listens (CURVE mode: a tcp:// address). */
  listen?: string;
  /** The module's private data directory (`ctx.dataDir`), made by the core. */
  dataDir: string;
  /** The manifest's `tessera.resources` the core resolved: resource parameters per method. */
  resources?: Record<string, string[]>;
}

export interface StopMessage {
  kind: 'stop';
}

/** Host -> core. */
export type HostMessage =
  | { kind: 'ready'; address: string }
  | { kind: 'failed'; code: string; message: string }
  | {
      kind: 'heartbeat';
      cpuUserUs: number;
      cpuSystemUs: number;
      rssBytes: number;
      heapUsedBytes: number;
    };

/** Core -> host. */
export type CoreMessage = BootstrapMessage | StopMessage;
