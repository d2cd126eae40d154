import type { ModuleDefinition } from '@tessera/sdk';
import type { RunningHost } from './module-record';

/** Everything a host needs to start one module. Tokens travel only in here. */
export interface LaunchRequest {
  name: string;
  definition?: ModuleDefinition;
  /** npm package the module comes from. */
  packageName?: string;
  /** Absolute path of the package's entry file (process hosts load it). */
  entryPath?: string;
  coreAddress: string;
  coreToken: string;
}

/** Starts module hosts: in this process, or as child processes. */
export interface HostLauncher {
  /** Resolves once the host runs; the core waits separately for `register`. */
  launch(request: LaunchRequest): Promise<RunningHost>;
  close(): Promise<void>;
}
