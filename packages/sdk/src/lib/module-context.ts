/** Per-call options for calls to other modules. */
export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A typed client: every method of `T` returns a promise of its result. */
export type Client<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/** Minimal logger a module gets. */
export interface ModuleLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/**
 * What a module's code sees of the framework. Tokens never appear here: the
 * runtime requests, caches and refreshes them.
 */
export interface ModuleContext {
  readonly name: string;
  /**
   * This module's own private directory (mode 0700), kept across restarts:
   * in a sandboxed host the only place it may write, besides what its
   * manifest declares under `tessera.sandbox.write`.
   */
  readonly dataDir: string;
  /** A typed client for another module. */
  client<T extends object>(target: string): Client<T>;
  /** Call one method of another module. */
  call(target: string, method: string, args?: unknown[], options?: CallOptions): Promise<unknown>;
  /** Subscribe to an event of another module; resolves to an unsubscribe. */
  on(
    target: string,
    event: string,
    listener: (payload: unknown) => void,
  ): Promise<() => Promise<void>>;
  /** Emit one of this module's declared events. */
  emit(event: string, payload?: unknown): void;
  readonly log: ModuleLogger;
}
