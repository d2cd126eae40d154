import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContractServer } from '@tessera/transport/testing';

const SCRIPT = join(__dirname, 'contract-server.cjs');
const BUILT = join(__dirname, '..', 'dist', 'index.js');

/** Every child started by this test file, so a failed test cannot leak one. */
const children = new Set<ChildProcess>();

/**
 * Start the contract server in a real child process (built dist, real
 * socket) and wait for the address it prints.
 */
export async function startChildServer(
  runtimeDir: string,
): Promise<ContractServer & { pid: number }> {
  if (!existsSync(BUILT))
    throw new Error(`build first: npx nx run transport-ipc:build (missing ${BUILT})`);
  const child = spawn(process.execPath, [SCRIPT, runtimeDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  exited.then(
    () => children.delete(child),
    () => undefined,
  );
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error('contract server did not start within 10 s')),
      10_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /LISTENING (\S+)\n/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`contract server exited early: ${code ?? signal}`));
    });
  });
  const socketPath = address.slice('ipc://'.length);
  let killed = false;
  return {
    address,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin?.end();
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(force);
      }
      // A SIGKILLed server cannot clean up; its supervisor (here: us) removes the
      // socket. A gracefully stopped one must have removed it itself.
      if (killed) await unlink(socketPath).catch(() => undefined);
    },
    /** SIGKILL, without waiting for the exit: the peer's sockets die with it. */
    async kill() {
      killed = true;
      child.kill('SIGKILL');
    },
  };
}

/** Kill whatever a test left running. */
export function killAllChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}
