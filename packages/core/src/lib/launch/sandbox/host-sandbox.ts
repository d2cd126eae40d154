import { resolve } from 'node:path';
import { type SandboxDeclaration, type SandboxMode, TesseraError } from '@tessera/protocol';
import type { TransportConfig } from '@tessera/transport';
import { hostMainPath } from '@tessera/host';
import { bwrapArgs } from './bwrap-args';
import { probeBwrap, warnBwrapUnusable } from './bwrap-probe';
import { HostDirs } from './host-dirs';
import { hostMounts } from './host-mounts';
import type { HostPlan, HostPlanRequest, HostSpawn } from './host-plan';
import { HOST_V8_FLAGS } from './host-v8-flags';
import { nodePermissionFlags } from './node-permission-flags';
import {
  type CodeView,
  type TreePackage,
  codePaths,
  isWithin,
  linksBelow,
  packageRootOf,
  real,
} from './package-paths';
import { sandboxEnv } from './sandbox-env';
import {
  type SandboxLayers,
  UNCONFINED_WARNING,
  isUnconfined,
  sandboxLayers,
} from './sandbox-settings';

export interface HostSandboxOptions {
  /** A mode from config, or layers by name; default `auto`. */
  sandbox?: SandboxMode | SandboxLayers;
  /** The app's state directory (always protected, except each module's own data dir). */
  stateDir?: string;
  /** Never readable nor writable by a module: the policy bundle, the config file... */
  protect?: string[];
  /** The carrier hosts use. */
  transport: TransportConfig;
  /** The core's environment (what declared variables are taken from); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Where unconfined-mode warnings go; default stderr. */
  warn?: (line: string) => void;
}

/** The most a Windows command line holds (CreateProcess), in characters. */
const WINDOWS_COMMAND_LINE = 32_767;

/**
 * One flag per readable package can outgrow a Windows command line in a
 * large workspace: say so, rather than let the spawn fail obscurely.
 */
function checkCommandLine(name: string, spawn: HostSpawn): void {
  if (process.platform !== 'win32') return;
  const length = [spawn.command, ...spawn.args].reduce((n, a) => n + a.length + 3, 0);
  if (length > WINDOWS_COMMAND_LINE)
    throw TesseraError.failedPrecondition(
      `cannot sandbox module ${name}: one --allow-fs-read per package in node_modules makes a command line of ${length} characters, over the ${WINDOWS_COMMAND_LINE} Windows allows; install fewer packages there (e.g. npm ci --omit=dev) or use sandbox "none"`,
    );
}

/** msgpackr's switch for its native extension (read when the host loads msgpackr). */
const MSGPACKR_NATIVE_OFF = 'MSGPACKR_NATIVE_ACCELERATION_DISABLED';

/** A session of its own (not on Windows, where detached means a console window of its own). */
const OWN_SESSION = process.platform !== 'win32';

const NOTHING_DECLARED: SandboxDeclaration = {
  read: [],
  write: [],
  env: [],
  childProcess: false,
  worker: false,
  network: false,
};

/**
 * Plans each host start of one launcher: the module's data dir, and (unless
 * the sandbox is off) the Node permission flags, bubblewrap mounts and
 * minimal environment that let the host read its code and write only its
 * own directories. See docs/security.md for what each layer holds.
 */
export class HostSandbox {
  readonly layers: SandboxLayers;
  private readonly dirs: HostDirs;
  private readonly scanCache = new Map<string, TreePackage[]>();
  /**
   * The code view of each (host root, package dir) pair already planned,
   * for the protected paths it was checked against. Starting 50 hosts of
   * one package walked and realpath'd its node_modules 50 times (~5 ms of
   * the core's CPU each); now once per app, like the tree scans above, and
   * with the same staleness: the trees are read when the first host of a
   * package starts.
   */
  private readonly codeCache = new Map<string, CodeView>();
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly o: HostSandboxOptions) {
    this.layers = sandboxLayers(o.sandbox);
    this.env = o.env ?? process.env;
    // The app's runtime dir (ipc and zeromq): the hosts' socket dirs go under it too.
    const runtimeDir =
      o.transport.kind !== 'inproc' ? o.transport.options?.['runtimeDir'] : undefined;
    this.dirs = new HostDirs({
      stateDir: o.stateDir,
      socketBase: typeof runtimeDir === 'string' ? runtimeDir : undefined,
    });
    if (isUnconfined(this.layers))
      (o.warn ?? ((l) => process.stderr.write(`${l}\n`)))(UNCONFINED_WARNING);
  }

  async plan(request: HostPlanRequest): Promise<HostPlan> {
    const dataDir = await this.dirs.dataDir(request.name);
    const hostEntry = real(hostMainPath());
    if (isUnconfined(this.layers)) {
      const env = { ...this.env };
      delete env['TESSERA_CORE_TOKEN']; // belt and braces: tokens never travel in the environment
      return {
        spawn: {
          command: process.execPath,
          args: [...HOST_V8_FLAGS, hostEntry],
          env,
          detached: false,
        },
        dataDir,
        entryPath: request.entryPath,
        transport: this.o.transport,
        layers: { node: false, bwrap: false },
        release: async () => undefined,
      };
    }
    const socketDir = await this.dirs.socketDir();
    try {
      return await this.confined(request, { dataDir, hostEntry, socketDir });
    } catch (err) {
      await this.dirs.removeSocketDir(socketDir);
      throw err;
    }
  }

  private async confined(
    request: HostPlanRequest,
    at: { dataDir: string; hostEntry: string; socketDir: string },
  ): Promise<HostPlan> {
    const { dataDir, hostEntry, socketDir } = at;
    const declared = request.sandbox ?? NOTHING_DECLARED;
    const entryPath = real(request.entryPath);
    const packageDir = real(request.packageDir ?? packageRootOf(entryPath));
    const hostRoot = packageRootOf(hostEntry);
    const protect = [await this.dirs.stateDir(), ...(this.o.protect ?? []).map(real)];
    const exposes = (p: string): string | undefined =>
      protect.find((q) => isWithin(q, p) || isWithin(p, q));

    const code = this.codeView(request.name, [hostRoot, packageDir], protect, exposes);
    const own = (p: string, field: string): string => {
      const path = resolve(packageDir, p);
      const hit = exposes(path);
      if (hit)
        throw TesseraError.failedPrecondition(
          `module ${request.name} declares ${field} ${path}, which overlaps ${hit}: no module may reach it`,
          { field: `tessera.sandbox.${field}` },
        );
      return path;
    };
    const reads = declared.read.map((p) => own(p, 'read'));
    const writes = declared.write.map((p) => own(p, 'write'));
    const zeromq = this.o.transport.kind === 'zeromq';
    const network =
      request.network === true || declared.network || request.coreAddress.startsWith('tcp://');

    const nodeFlags = this.layers.node
      ? nodePermissionFlags({
          read: [
            ...code.read,
            ...reads,
            ...writes,
            dataDir,
            socketDir,
            // zeromq's addon loader checks this file to tell musl from glibc.
            ...(zeromq ? ['/etc/alpine-release'] : []),
          ],
          write: [dataDir, socketDir, ...writes],
          addons: zeromq,
          childProcess: declared.childProcess,
          worker: declared.worker,
        })
      : [];
    const env = sandboxEnv({
      core: this.env,
      declared: declared.env,
      home: dataDir,
      tmp: socketDir,
      childProcess: declared.childProcess,
    });
    // msgpackr tries its native extension at load (msgpackr-extract, detect-libc: 7 files and a
    // dlopen); the permission model refuses addons but zeromq's, so a host would only pay for the
    // refusal (~10 ms of CPU at start). Its pure-JS codec is the one such a host runs either way.
    if (this.layers.node && !zeromq && !declared.env.includes(MSGPACKR_NATIVE_OFF))
      env[MSGPACKR_NATIVE_OFF] = 'true';
    const node = real(process.execPath);
    const bwrap = await this.bwrap(network);
    const spawn: HostSpawn = bwrap
      ? {
          command: bwrap,
          args: bwrapArgs({
            network,
            cwd: dataDir,
            command: [node, ...nodeFlags, ...HOST_V8_FLAGS, hostEntry],
            mounts: hostMounts({
              network,
              node,
              code: code.mounts,
              reads,
              writes,
              dataDir,
              socketDir,
              coreAddress: request.coreAddress,
            }),
          }),
          env,
          detached: true,
          socketDir,
        }
      : {
          command: node,
          args: [...nodeFlags, ...HOST_V8_FLAGS, hostEntry],
          env,
          cwd: dataDir,
          detached: OWN_SESSION,
          socketDir,
        };
    checkCommandLine(request.name, spawn);
    const options = this.o.transport.options ?? {};
    return {
      spawn,
      dataDir,
      entryPath,
      transport:
        this.o.transport.kind === 'ipc' || this.o.transport.kind === 'zeromq'
          ? { kind: this.o.transport.kind, options: { ...options, runtimeDir: socketDir } }
          : this.o.transport,
      layers: { node: this.layers.node, bwrap: bwrap !== undefined },
      release: () => this.dirs.removeSocketDir(socketDir),
    };
  }

  /**
   * What a host may read of its code (see `codePaths`), after checking that
   * each essential root, which must be readable whole, neither overlaps a
   * protected path nor links to one from its own node_modules.
   */
  private codeView(
    name: string,
    essentials: string[],
    protect: string[],
    exposes: (p: string) => string | undefined,
  ): CodeView {
    const key = JSON.stringify([essentials, protect]);
    const cached = this.codeCache.get(key);
    if (cached) return cached;
    for (const essential of essentials) {
      const hit = exposes(essential);
      if (hit)
        throw TesseraError.failedPrecondition(
          `cannot sandbox module ${name}: ${essential} must be readable, and it overlaps ${hit}, which no module may read`,
        );
      // Readable whole, so the links in its own node_modules lead on from it.
      const link = linksBelow(essential).find((l) => exposes(l));
      if (link)
        throw TesseraError.failedPrecondition(
          `cannot sandbox module ${name}: ${essential} must be readable, and a link in its node_modules leads to ${link}, which overlaps ${exposes(link)}, which no module may read`,
        );
    }
    const code = codePaths(essentials, exposes, this.scanCache);
    this.codeCache.set(key, code);
    return code;
  }

  private async bwrap(network: boolean): Promise<string | undefined> {
    if (this.layers.bwrap === 'off') return undefined;
    const status = await probeBwrap(!network);
    if (status.ok) return status.path;
    if (this.layers.bwrap === 'required')
      throw TesseraError.failedPrecondition(
        `sandbox "bwrap" needs bubblewrap, and ${status.reason}: install it (apt-get install bubblewrap) or use sandbox "node"`,
        { field: 'sandbox' },
      );
    warnBwrapUnusable(status.reason);
    return undefined;
  }

  /** Remove every socket directory, and the state directory when it was temporary. */
  close(): Promise<void> {
    return this.dirs.close();
  }
}
