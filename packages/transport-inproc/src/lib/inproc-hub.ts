import type { Connection } from '@tessera/transport';

/**
 * The address space of in-process listeners, like the file system is for
 * Unix sockets. Share one hub between the transports that must reach each
 * other; by default every in-process transport in the process shares one.
 */
export class InProcHub {
  private readonly listeners = new Map<string, (conn: Connection) => void>();
  private counter = 0;

  freshAddress(): string {
    return `inproc://${process.pid}-${++this.counter}-${Math.random().toString(36).slice(2, 8)}`;
  }

  bind(address: string, accept: (conn: Connection) => void): boolean {
    if (this.listeners.has(address)) return false;
    this.listeners.set(address, accept);
    return true;
  }

  unbind(address: string): void {
    this.listeners.delete(address);
  }

  lookup(address: string): ((conn: Connection) => void) | undefined {
    return this.listeners.get(address);
  }
}

/** The process-wide default hub. */
export const defaultInProcHub = new InProcHub();
