import type { ModuleDefinition, ModuleSpec } from '@tessera/sdk';
import type { ModuleFacts } from '@tessera/policy';
import type { RpcPeer } from '@tessera/transport';
import type { HostResourceStats } from '@tessera/host';
import type { RunningHost } from '../launch/host-launcher';
import type { ModuleManifest } from './module-manifest';

export type ModuleState = 'starting' | 'ready' | 'stopping' | 'crashed' | 'failed';

/** The core's record of one module. */
export interface ModuleRecord {
  name: string;
  manifest: ModuleManifest;
  facts: ModuleFacts;
  definition?: ModuleDefinition;
  state: ModuleState;
  /**
   * Which start of the module this is (1, 2, … over the app's life): its
   * grants are minted for it, and its callers see a new one as a restart.
   */
  incarnation: number;
  /** The module's endpoint for other modules, once registered. */
  address?: string;
  /** Its host's CURVE public key, which callers need to reach `address`. */
  serverKey?: string;
  /** Hosted on another machine, admitted by a join credential. */
  remote?: boolean;
  /** A remote host's CURVE key, which it attached with. */
  remoteKey?: string;
  /** What a remote host last reported of its resource use (it says so itself: shown, never trusted). */
  remoteStats?: HostResourceStats;
  spec?: ModuleSpec;
  /** The module's private core channel (its host serves HostControl on it). */
  channel?: RpcPeer;
  host?: RunningHost;
  startedAt: number;
  readyAt?: number;
}
