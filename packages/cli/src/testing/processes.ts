import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sweepStaleRun } from '@tessera/core';

/**
 * The monorepo root: the same four levels up from src/testing (jest, from
 * source) and from dist/testing (the built entry).
 */
export const REPO = resolve(__dirname, '../../../..');
/** The built CLI of this package, found from src/testing and dist/testing alike. */
export const CLI = resolve(__dirname, '../../dist/main.js');
/** The built demo app (apps/demo). */
export const DEMO = join(REPO, 'apps/demo/dist/main.js');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a built script to completion (asynchronously, so running children keep draining their pipes). */
export function runNode(
  script: string,
  args: string[],
  cwd = REPO,
  timeoutMs = 20_000,
): Promise<Finished> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd, encoding: 'utf8', timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** The built CLI, run to completion. */
export const tessera = (...args: string[]): Promise<Finished> => runNode(CLI, args);

/** A long-running child (`tessera run`, the demo) whose output can be awaited. */
export class Running {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    script: string,
    private readonly args: string[],
    private readonly cwd = REPO,
    env?: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, [script, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(env ? { env } : {}),
    });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((r) =>
      this.child.once('exit', (code, signal) => r({ code, signal })),
    );
  }

  /** Resolves when stdout matches, rejects with the output so far after `ms` or if the child exits first. */
  async waitFor(pattern: RegExp, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (!pattern.test(this.stdout)) {
      if (exited || Date.now() > end) {
        throw new Error(
          `${exited ? 'exited' : 'timed out'} before ${pattern}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Kill the child (SIGKILL unless given) and wait for it; a no-op when it
   * already exited. What a killed app leaves (run state, sockets) is swept,
   * so tests leave nothing in the shared runtime dir.
   */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const { signal: ended } = await this.exited;
    const config = this.configFile();
    if (ended === 'SIGKILL' && config) await sweepStaleRun(resolve(this.cwd ?? REPO, config));
  }

  /** The config this child runs: `run <config>` or `--config <config>`, if any. */
  private configFile(): string | undefined {
    // Tests that wrap a child they spawned themselves build a Running without args.
    const args = (this.args as string[] | undefined) ?? [];
    const at = args.indexOf('--config');
    if (at >= 0) return args[at + 1];
    if (args[0] !== 'run') return undefined;
    return args[1] && !args[1].startsWith('-') ? args[1] : 'tessera.config.json';
  }
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Build what the e2e tests run, unless `npm test` already did. */
export function needsBuild(): boolean {
  return (
    !existsSync(CLI) || !existsSync(DEMO) || !existsSync(join(REPO, 'policies/build/policy.wasm'))
  );
}
