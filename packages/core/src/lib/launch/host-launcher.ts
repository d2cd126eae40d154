import type { SandboxDeclaration } from '@tessera/protocol';
import type { ModuleDefinition } from '@tessera/sdk';

/** Everything a host needs to start one module. Tokens travel only in here. */
export interface LaunchRequest {
  name: string;
  definition?: ModuleDefinition;
  /** npm package the module comes from. */
  packageName?: string;
  /** Absolute path of the package's entry file (process hosts load it). */
  entryPath?: string;
  /** The package's directory (what a sandboxed host may read); default: found above `entryPath`. */
  packageDir?: string;
  /** What the manifest asks of the sandbox (`tessera.sandbox`). */
  sandbox?: SandboxDeclaration;
  /** The manifest's resource parameters (`tessera.resources`), for the door's constraint checks. */
  resources?: Record<string, string[]>;
  coreAddress: string;
  /**
   * Which start of the module this is: the host refuses grants minted for
   * any other, so a restarted module never honours its predecessor's tokens.
   */
  incarnation?: number;
  /**
   * Issues the host's core token. A launcher calls it after it made and
   * admitted the host's identity key, so the token is bound to that key.
   */
  coreToken(): Promise<string>;
  /**
   * Told the host as soon as it exists, before it registers (a host reports
   * ready only once registered): the core checks `register` against it.
   */
  onSpawned?(host: RunningHost): void;
}

/** Starts module hosts: in this process, or as child processes. */
export interface HostLauncher {
  /** Resolves once the host runs; the core waits separately for `register`. */
  launch(request: LaunchRequest): Promise<RunningHost>;
  close(): Promise<void>;
}

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
  /**
   * Sandboxed process hosts: the private socket directory its launcher made
   * for it. The core accepts an `ipc://` address from it (`register`), and
   * reclaims one after a crash, only inside (`addressOutside`).
   */
  readonly socketDir?: string;
  /** Network mode: the `tcp://` address it was told to listen on; it may register only that host. */
  readonly listenAddress?: string;
  currentStats?(): HostStats;
  /** Called once when the host ends, expected or not. */
  onExit?(listener: (exit: HostExit) => void): void;
  kill?(reason: string): void;
}
