import { type ChildProcess, execFile, spawn } from 'node:child_process';

/** One line a process printed, and when it arrived. */
export interface Line {
  at: number;
  text: string;
}

/**
 * A process on one node of a multi-host test (`ip netns exec <ns> node …`,
 * or plain `node …` on loopback), with every output line timestamped so
 * tests can measure when something was noticed.
 */
export class NodeProcess {
  readonly child: ChildProcess;
  readonly lines: Line[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private partial = { out: '', err: '' };

  constructor(
    readonly name: string,
    command: string[],
    options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string },
  ) {
    const [file, ...args] = command as [string, ...string[]];
    this.child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdin?.end(options.stdin ?? '');
    for (const stream of ['out', 'err'] as const) {
      const s = stream === 'out' ? this.child.stdout : this.child.stderr;
      s?.setEncoding('utf8').on('data', (d: string) => {
        const text = this.partial[stream] + d;
        const parts = text.split('\n');
        this.partial[stream] = parts.pop() ?? '';
        const at = Date.now();
        for (const p of parts) this.lines.push({ at, text: p });
      });
    }
    this.exited = new Promise((r) =>
      this.child.once('exit', (code, signal) => r({ code, signal })),
    );
  }

  get output(): string {
    return this.lines.map((l) => l.text).join('\n');
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first line after `since` matching `pattern`, or undefined. */
  find(pattern: RegExp, since = 0): Line | undefined {
    return this.lines.find((l) => l.at >= since && pattern.test(l.text));
  }

  /** Wait for a line after `since` matching `pattern`; rejects with the output after `ms` or at exit. */
  async waitFor(pattern: RegExp, ms = 20_000, since = 0): Promise<Line> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.find(pattern, since);
      if (hit) return hit;
      if (!this.alive || Date.now() > end)
        throw new Error(
          `${this.name}: ${this.alive ? 'timed out' : 'exited'} before ${pattern}\n${this.output}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.child.kill(sig);
  }

  async stop(): Promise<void> {
    if (this.alive) {
      this.child.kill('SIGCONT');
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }
}

/** Run a command to completion. */
export function run(
  command: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((done) =>
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env,
        encoding: 'utf8',
        timeout: options.timeoutMs ?? 20_000,
      },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    ),
  );
}
