import { TesseraError } from '@tessera/protocol';

/** Hosts the core is waiting on to `register`, each with its own deadline. */
export class ReadyWaiter {
  private readonly waiting = new Map<string, (ok: boolean) => void>();

  /** Resolves when `name` registers, rejects after `ms` or when told it failed. */
  wait(name: string, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(name);
        reject(TesseraError.unavailable(`module ${name} did not register within ${ms} ms`));
      }, ms);
      this.waiting.set(name, (ok) => {
        clearTimeout(timer);
        this.waiting.delete(name);
        if (ok) resolve();
        else reject(TesseraError.unavailable(`module ${name} failed to start`));
      });
    });
  }

  settle(name: string, ok: boolean): void {
    this.waiting.get(name)?.(ok);
  }
}
