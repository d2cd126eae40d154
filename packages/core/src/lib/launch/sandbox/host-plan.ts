import type { SandboxDeclaration } from '@tessera/protocol';
import type { TransportConfig } from '@tessera/transport';

/** How to start one host process: a command, its arguments, a whole environment. */
export interface HostSpawn {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Own session and process group: terminal signals and `kill(0)` stay on their side. */
  detached: boolean;
  /**
   * The host's private socket directory (its TMPDIR; omitted when unconfined):
   * the only place its ipc address may be, which the core checks at `register`.
   */
  socketDir?: string;
}

/** What a launcher needs to start one module's host, sandboxed as configured. */
export interface HostPlan {
  spawn: HostSpawn;
  /** The module's data dir (`ctx.dataDir`). */
  dataDir: string;
  /** The entry file, by its real path (what the sandbox lets the host read). */
  entryPath: string;
  /** The carrier config for the host (ipc, zeromq: its sockets go in its own directory). */
  transport: TransportConfig;
  /** Which layers confine it. */
  layers: { node: boolean; bwrap: boolean };
  /** Remove what this start made (its socket directory); call when the host has exited. */
  release(): Promise<void>;
}

export interface HostPlanRequest {
  name: string;
  entryPath: string;
  /** The module's package directory; default: the package.json directory above the entry. */
  packageDir?: string;
  sandbox?: SandboxDeclaration;
  coreAddress: string;
  /** Hosts talk tcp (CURVE across machines): the network namespace is shared. */
  network?: boolean;
}
