import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertValidName } from '@tessera/protocol';

export interface HostDirsOptions {
  /**
   * The app's private state directory (`<app>/.tessera`); each module's data
   * dir is `<stateDir>/data/<module>`. Omitted: a temporary one, removed at
   * close (an app without a config file keeps no data across runs).
   */
  stateDir?: string;
  /** Where the per-host socket directories go; default `$XDG_RUNTIME_DIR` or the temp dir. */
  socketBase?: string;
}

/**
 * The directories a launcher makes for its hosts: each module's data dir
 * (kept), and, for sandboxed hosts, one private socket directory per host
 * start under a root of this launcher's own (removed on exit and close).
 * Every directory is 0700 and known by its real path, the form both the
 * permission model and bubblewrap compare against.
 */
export class HostDirs {
  private state: Promise<string> | undefined;
  private sockets: Promise<string> | undefined;
  private temporaryState: string | undefined;

  constructor(private readonly options: HostDirsOptions = {}) {}

  /** The state directory's real path, created (0700) on first use. */
  stateDir(): Promise<string> {
    this.state ??= (async () => {
      const given = this.options.stateDir;
      if (given === undefined) {
        this.temporaryState = await realpath(await mkdtemp(join(tmpdir(), 'tessera-state-')));
        return this.temporaryState;
      }
      await mkdir(given, { recursive: true, mode: 0o700 });
      return realpath(given);
    })();
    return this.state;
  }

  /** `<stateDir>/data/<module>`, created 0700 (and set back to 0700 if loosened). */
  async dataDir(module: string): Promise<string> {
    assertValidName(module, 'module name');
    const data = join(await this.stateDir(), 'data');
    const dir = join(data, module);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(data, 0o700);
    await chmod(dir, 0o700);
    return dir;
  }

  /** The root every host socket directory of this launcher sits in (siblings see it read-only). */
  socketRoot(): Promise<string> {
    this.sockets ??= (async () => {
      const xdg = process.env['XDG_RUNTIME_DIR'];
      const base = this.options.socketBase ?? (xdg && existsSync(xdg) ? xdg : tmpdir());
      await mkdir(base, { recursive: true, mode: 0o700 });
      // Short names: a Unix socket path holds at most 107 bytes.
      return realpath(await mkdtemp(join(base, 'tessera-h-')));
    })();
    return this.sockets;
  }

  /** A fresh private directory for one host's sockets (its TMPDIR too). */
  async socketDir(): Promise<string> {
    return mkdtemp(join(await this.socketRoot(), 'm'));
  }

  async removeSocketDir(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /** Remove the socket root, and the state directory when it was temporary. */
  async close(): Promise<void> {
    const sockets = this.sockets;
    this.sockets = undefined;
    const root = await sockets?.catch(() => undefined);
    if (root) await rm(root, { recursive: true, force: true });
    if (this.temporaryState) {
      await rm(this.temporaryState, { recursive: true, force: true });
      this.temporaryState = undefined;
      this.state = undefined;
    }
  }
}
