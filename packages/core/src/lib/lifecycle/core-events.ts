/** Lifecycle events, for progress output and supervision tests. */
export type CoreEvent =
  | { kind: 'loading'; module: string }
  | { kind: 'ready'; module: string; ms: number; pid?: number }
  | { kind: 'crashed'; module: string; reason: string; revoked: number }
  | { kind: 'restarting'; module: string; attempt: number; inMs: number }
  | { kind: 'failed'; module: string; reason: string }
  | { kind: 'unloaded'; module: string };

/** Restart policy for crashed or hung modules. */
export interface RestartPolicy {
  maxRestarts: number;
  backoffMs: number;
  maxBackoffMs: number;
}

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
