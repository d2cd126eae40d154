import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** What the child server is told on stdin. */
export interface ChildServerConfig {
  address?: string;
  curve?: { secretKey: string; publicKey: string };
  /** Authorized client public keys → module identity. */
  clients?: Record<string, string>;
  heartbeatIntervalMs?: number;
  /** Silence the server's warnings (benchmarks). */
  quiet?: boolean;
}

/** The built child entry; tests and benches run the dist, as production would. */
export const CONTRACT_SERVER_SCRIPT = join(
  __dirname,
  '..',
  '..',
  'dist',
  'testing',
  'contract-server.js',
);

/** A server in a child process (structurally a transport-contract `ContractServer`). */
export interface ChildServer {
  readonly child: ChildProcess;
  readonly address: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/**
 * Start `script` (default: the contract server) in a real child process and
 * wait for the address it reports. `kill()` SIGKILLs it; `stop()` closes
 * stdin so it shuts down gracefully, and waits for it to exit.
 */
export async function startChildServer(
  config: ChildServerConfig,
  script = CONTRACT_SERVER_SCRIPT,
): Promise<ChildServer> {
  if (!existsSync(script))
    throw new Error(`${script} is missing: run \`npx nx run transport-zeromq:build\` first`);
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.write(`${JSON.stringify(config)}\n`);
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error('child server did not report an address within 10 s')),
      10_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { address: string }).address);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child server exited early with ${String(code)}`));
    });
  });
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    child,
    address,
    stop: async () => {
      if (alive()) {
        child.stdin?.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      child.stdout?.destroy();
    },
    // Returns once the signal is sent: the client must notice the death by itself.
    kill: async () => {
      if (alive()) child.kill('SIGKILL');
    },
  };
}
