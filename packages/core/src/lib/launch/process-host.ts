import { type ChildProcess, fork, spawn } from 'node:child_process';
import { TesseraError, isErrorCode } from '@tessera/protocol';
import { type BootstrapMessage, type HostMessage, hostMainPath } from '@tessera/host';
import type { HostExit, HostStats, RunningHost } from './host-launcher';
import type { HostSpawn } from './sandbox';

export interface ProcessHostOptions {
  bootstrap: BootstrapMessage;
  /** Missed-heartbeat window before the host is declared hung and killed; default 3 beats. */
  heartbeatTimeoutMs: number;
  /** Grace period between `stop` and SIGKILL. */
  stopTimeoutMs: number;
  readyTimeoutMs: number;
  /** Node flags for the child (e.g. memory limits). */
  execArgv?: string[];
  /** How to start the child (sandboxed: node with permission flags, or bwrap); default: fork the host entry. */
  spawn?: HostSpawn;
}

/**
 * The core's handle on one module host process: forks it with a private
 * IPC channel, hands over the bootstrap (with the core token), watches its
 * heartbeats, keeps its stats, and stops it gracefully or kills it.
 */
export class ProcessHost implements RunningHost {
  private readonly child: ChildProcess;
  private readonly exitListeners = new Set<(exit: HostExit) => void>();
  /** Missed-heartbeat time: since the last beat, counting only time the core itself was responsive. */
  private unheardMs = 0;
  private stats: HostStats;
  private prevCpu = { at: Date.now(), us: 0 };
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private exited: Promise<HostExit>;
  private stopRequested = false;
  private killReason: string | undefined;
  readonly socketDir: string | undefined;
  readonly listenAddress: string | undefined;

  private constructor(private readonly options: ProcessHostOptions) {
    this.socketDir = options.spawn?.socketDir;
    this.listenAddress = options.bootstrap.listen;
    const env = { ...process.env };
    delete env['TESSERA_CORE_TOKEN']; // belt and braces: tokens never travel in the environment
    const plan = options.spawn;
    // With a plan, the whole environment and command come from it; the 'ipc' stdio is the fork channel either way.
    this.child = plan
      ? spawn(plan.command, plan.args, {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          env: plan.env,
          cwd: plan.cwd,
          detached: plan.detached,
        })
      : fork(hostMainPath(), [], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          env,
          execArgv: options.execArgv ?? [],
        });
    this.stats = {
      pid: this.child.pid ?? -1,
      cpuPercent: 0,
      cpuTimeMs: 0,
      rssBytes: 0,
      heapUsedBytes: 0,
    };
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        if (this.watchdog) clearInterval(this.watchdog);
        const exit: HostExit = {
          code,
          signal,
          expected: this.stopRequested,
          reason: this.killReason ?? describeExit(code, signal),
        };
        resolve(exit);
        for (const l of this.exitListeners) l(exit);
      });
    });
    this.child.on('message', (m: HostMessage) => this.onMessage(m));
    this.child.on('error', () => undefined); // exit follows; send errors after death are expected
  }

  /** Fork, bootstrap, and resolve once the module reports ready (or reject with why it did not). */
  static async start(
    options: ProcessHostOptions,
    onSpawned?: (host: ProcessHost) => void,
  ): Promise<ProcessHost> {
    const host = new ProcessHost(options);
    onSpawned?.(host);
    await host.bootstrap();
    return host;
  }

  get pid(): number {
    return this.stats.pid;
  }

  private bootstrap(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill(`did not become ready within ${this.options.readyTimeoutMs} ms`);
        reject(
          TesseraError.unavailable(
            `module ${this.options.bootstrap.name} did not become ready within ${this.options.readyTimeoutMs} ms`,
          ),
        );
      }, this.options.readyTimeoutMs);
      const onMessage = (m: HostMessage): void => {
        if (m.kind === 'ready') {
          clearTimeout(timer);
          this.child.off('message', onMessage);
          this.startWatchdog();
          resolve();
        } else if (m.kind === 'failed') {
          clearTimeout(timer);
          this.child.off('message', onMessage);
          reject(
            new TesseraError(
              isErrorCode(m.code) ? m.code : 'INTERNAL',
              `module ${this.options.bootstrap.name}: ${m.message}`,
            ),
          );
        }
      };
      this.child.on('message', onMessage);
      void this.exited.then((exit) => {
        clearTimeout(timer);
        reject(
          TesseraError.unavailable(
            `module ${this.options.bootstrap.name} exited before ready (${exit.reason})`,
          ),
        );
      });
      this.child.send(this.options.bootstrap);
    });
  }

  private onMessage(m: HostMessage): void {
    if (m.kind !== 'heartbeat') return;
    const now = Date.now();
    const us = m.cpuUserUs + m.cpuSystemUs;
    const wall = Math.max(1, now - this.prevCpu.at) * 1000;
    this.stats = {
      pid: this.stats.pid,
      cpuPercent: Math.round(((us - this.prevCpu.us) / wall) * 1000) / 10,
      cpuTimeMs: Math.round(us / 1000),
      rssBytes: m.rssBytes,
      heapUsedBytes: m.heapUsedBytes,
    };
    this.prevCpu = { at: now, us };
    this.unheardMs = 0;
  }

  /**
   * Kill the host once it has missed heartbeats for `heartbeatTimeoutMs` of
   * the core's responsive time. A tick that comes late measures the core's
   * own stall (a blocked event loop, a GC pause, a stopped process): the
   * host's beats meanwhile sit unread in the channel, so the stall is never
   * held against it. Each tick counts at most one interval, and a late tick
   * leaves its verdict to the next one: the beats queued during the stall
   * are read in between (a core late on every tick still kills, every other tick).
   */
  private startWatchdog(): void {
    const timeout = this.options.heartbeatTimeoutMs;
    const every = Math.max(10, Math.floor(timeout / 3));
    let lastTick = performance.now();
    let deferred = false;
    this.unheardMs = 0;
    this.watchdog = setInterval(() => {
      const now = performance.now();
      const elapsed = now - lastTick;
      lastTick = now;
      this.unheardMs += Math.min(elapsed, every);
      if (elapsed > every * 1.5 && !deferred) {
        deferred = true;
        return;
      }
      deferred = false;
      if (this.unheardMs > timeout) this.kill(`missed heartbeats for ${timeout} ms (hung)`);
    }, every);
    this.watchdog.unref();
  }

  currentStats(): HostStats {
    return { ...this.stats };
  }

  onExit(listener: (exit: HostExit) => void): void {
    this.exitListeners.add(listener);
  }

  /** SIGKILL now, recording why. */
  kill(reason: string): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.killReason ??= reason;
    this.child.kill('SIGKILL');
  }

  /** Ask the host to stop; SIGKILL after the grace period. Resolves when it is gone. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      if (this.child.connected) this.child.send({ kind: 'stop' }, () => undefined);
      const timer = setTimeout(
        () => this.kill(`did not stop within ${this.options.stopTimeoutMs} ms`),
        this.options.stopTimeoutMs,
      );
      await this.exited;
      clearTimeout(timer);
    }
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exited with code ${code}`;
}
