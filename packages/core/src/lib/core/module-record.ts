import type { ModuleDefinition, ModuleSpec } from '@tessera/sdk';
import type { ModuleFacts } from '@tessera/policy';
import type { RpcPeer } from '@tessera/transport';
import type { ModuleManifest } from '../manifest/module-manifest';

export type ModuleState = 'starting' | 'ready' | 'stopping' | 'failed';

/** What a started module runs in: in this process, or a child process. */
export interface RunningHost {
  stop(): Promise<void>;
}

/** The core's record of one module. */
export interface ModuleRecord {
  name: string;
  manifest: ModuleManifest;
  facts: ModuleFacts;
  definition?: ModuleDefinition;
  state: ModuleState;
  /** The module's endpoint for other modules, once registered. */
  address?: string;
  spec?: ModuleSpec;
  /** The module's private channel to the core, bound by its core token. */
  channel?: RpcPeer;
  host?: RunningHost;
  startedAt: number;
  readyAt?: number;
}
