import { DEFAULT_RESTART } from '@tessera/protocol';

/** Lifecycle events, for progress output and supervision tests. */
export type CoreEvent =
  | { kind: 'loading'; module: string }
  | { kind: 'ready'; module: string; ms: number; pid?: number; remote?: string }
  | { kind: 'crashed'; module: string; reason: string; revoked: number }
  | { kind: 'restarting'; module: string; attempt: number; inMs: number }
  | { kind: 'failed'; module: string; reason: string }
  | { kind: 'unloaded'; module: string }
  /** A remote host's connection was lost (its grants are revoked); it re-attaches by itself. */
  | { kind: 'lost'; module: string; reason: string };

/**
 * Restart policy for crashed or hung modules: after the n-th crash in a row
 * the module restarts in `min(maxBackoffMs, backoffMs·2^(n-1))` ms, while
 * n ≤ `maxRestarts`; past that it is given up on (`failed`). A crash after
 * the module ran (was ready) for `resetAfterMs` counts as the first again.
 */
export interface RestartPolicy {
  maxRestarts: number;
  backoffMs: number;
  maxBackoffMs: number;
  /**
   * How long a module must stay ready before its restart count goes back
   * to 0; default {@link DEFAULT_RESET_AFTER_MS}. 0: never (counted over the
   * app's life).
   */
  resetAfterMs?: number;
}

/** Default {@link RestartPolicy.resetAfterMs}: a minute of stable running, as in `tessera.config.json`. */
export const DEFAULT_RESET_AFTER_MS = DEFAULT_RESTART.resetAfterMs;

/** Fan-out of {@link CoreEvent}s; a throwing listener never breaks loading. */
export class CoreEvents {
  private readonly listeners = new Set<(e: CoreEvent) => void>();

  on(listener: (e: CoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: CoreEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a progress printer must not break loading
      }
    }
  }
}
