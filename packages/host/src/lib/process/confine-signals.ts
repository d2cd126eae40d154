import os from 'node:os';

/**
 * Seat belt for hosts under the Node permission model, which does not cover
 * signals: module code may signal only its own process (and renice only
 * itself). Installed before any module code loads. Not a boundary (a native
 * addon or child process, when allowed, gets around it); the bwrap layer's
 * own pid namespace is what makes other processes unreachable.
 */
export function confineSignals(): void {
  const own = (pid: unknown): boolean => Number(pid) === process.pid;
  const refuse = (what: string, pid: unknown): never => {
    throw Object.assign(new Error(`${what} ${String(pid)}: not permitted in a sandboxed host`), {
      code: 'EPERM',
      syscall: what,
    });
  };
  const kill = process.kill.bind(process);
  Object.defineProperty(process, 'kill', {
    value: (pid: number, signal?: string | number) =>
      own(pid) ? kill(pid, signal) : refuse('kill', pid),
    writable: false,
    configurable: false,
  });
  // process.kill is a wrapper around this raw binding; close it too.
  const raw = (process as unknown as { _kill?: (pid: number, sig: number) => number })._kill;
  if (raw) {
    Object.defineProperty(process, '_kill', {
      value: (pid: number, sig: number) =>
        own(pid) ? raw.call(process, pid, sig) : refuse('kill', pid),
      writable: false,
      configurable: false,
    });
  }
  const setPriority = os.setPriority;
  Object.defineProperty(os, 'setPriority', {
    value: (pid: number, priority?: number) =>
      priority === undefined
        ? setPriority(pid)
        : own(pid) || pid === 0
          ? setPriority(pid, priority)
          : refuse('setpriority', pid),
    writable: false,
    configurable: false,
  });
}
