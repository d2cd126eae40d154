import type { ModuleDefinition, ModuleSpec } from '@tessera/sdk';
import type { ModuleFacts } from '@tessera/policy';
import type { RpcPeer } from '@tessera/transport';
import type { ModuleManifest } from '../manifest/module-manifest';

export type ModuleState = 'starting' | 'ready' | 'stopping' | 'crashed' | 'failed';

/** How a host process ended. */
export interface HostExit {
  code: number | null;
  signal: string | null;
  /** True when the core asked it to stop. */
  expected: boolean;
  reason: string;
}

/** Resource use of one host, as its heartbeats report it. */
export interface HostStats {
  pid: number;
  cpuPercent: number;
  cpuTimeMs: number;
  rssBytes: number;
  heapUsedBytes: number;
}

/** What a started module runs in: in this process, or a child process. */
export interface RunningHost {
  stop(): Promise<void>;
  /** Process hosts: the child's pid. */
  readonly pid?: number;
  currentStats?(): HostStats;
  /** Called once when the host ends, expected or not. */
  onExit?(listener: (exit: HostExit) => void): void;
  kill?(reason: string): void;
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
  /** Its host's CURVE public key, which callers need to reach `address`. */
  serverKey?: string;
  /** Hosted on another machine, admitted by a join credential. */
  remote?: boolean;
  spec?: ModuleSpec;
  /** The module's private channel to the core, bound by its core token. */
  channel?: RpcPeer;
  host?: RunningHost;
  startedAt: number;
  readyAt?: number;
}
