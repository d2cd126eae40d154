import { ErrorCode, TesseraError } from '@tessera/protocol';
import type { CallOptions } from '@tessera/sdk';

/**
 * One request shared by every call waiting for it (a module's calls to a
 * target share one `requestModule`), each waiter keeping its own timeout
 * and AbortSignal: a waiter that gives up leaves alone, and the request
 * itself is cancelled once nobody waits any more (a request held for the
 * operator is then dropped at the core).
 */
export class SharedRequest<T> {
  readonly promise: Promise<T>;
  private readonly controller = new AbortController();
  private waiters = 0;
  private settled = false;

  /** `start` makes the request; it must honour `signal`. */
  constructor(start: (signal: AbortSignal) => Promise<T>) {
    this.promise = start(this.controller.signal);
    const done = (): void => {
      this.settled = true;
    };
    this.promise.then(done, done);
  }

  /** The shared answer, or `TIMEOUT`/`CANCELLED` when this waiter's own limit comes first. */
  wait(options: CallOptions = {}, what = 'access'): Promise<T> {
    const { timeoutMs, signal } = options;
    if (timeoutMs === undefined && signal === undefined) return this.join(this.promise);
    if (signal?.aborted) return Promise.reject(cancelled());
    return this.join(
      new Promise<T>((resolve, reject) => {
        const stop = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        const onAbort = (): void => {
          stop();
          reject(cancelled());
        };
        const timer =
          timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                stop();
                reject(
                  new TesseraError(
                    ErrorCode.TIMEOUT,
                    `call timed out after ${timeoutMs} ms waiting for ${what}`,
                  ),
                );
              }, timeoutMs);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.promise.then(
          (v) => {
            stop();
            resolve(v);
          },
          (e: unknown) => {
            stop();
            reject(e);
          },
        );
      }),
    );
  }

  private join(p: Promise<T>): Promise<T> {
    this.waiters += 1;
    const leave = (): void => {
      this.waiters -= 1;
      if (this.waiters === 0 && !this.settled) this.controller.abort();
    };
    p.then(leave, leave);
    return p;
  }
}

const cancelled = (): TesseraError => new TesseraError(ErrorCode.CANCELLED, 'call cancelled');
