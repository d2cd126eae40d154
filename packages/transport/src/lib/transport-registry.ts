import { TesseraError, typedToken } from '@tessera/protocol';
import type { Transport } from './connection';

/** Builds a transport from the `options` half of a `{kind, options}` config. */
export type TransportFactory = (options: Record<string, unknown>) => Transport;

/** The `transport` field of the app config. */
export interface TransportConfig {
  kind: string;
  options?: Record<string, unknown>;
}

/**
 * Maps config `kind`s to transport factories. Each `transport-*` package's
 * `registerX` adds its kind; an unknown kind is a config error, never a
 * silent fallback.
 */
export class TransportRegistry {
  private readonly factories = new Map<string, TransportFactory>();
  private readonly created = new Set<Transport>();

  add(kind: string, factory: TransportFactory): void {
    this.factories.set(kind, factory);
  }

  kinds(): string[] {
    return [...this.factories.keys()].sort();
  }

  create(config: TransportConfig): Transport {
    const factory = this.factories.get(config.kind);
    if (!factory) {
      throw TesseraError.invalidArgument(
        `transport.kind ${JSON.stringify(config.kind)} is unknown; known kinds: ${this.kinds().join(', ') || '(none registered)'}`,
        { field: 'transport.kind' },
      );
    }
    const transport = factory(config.options ?? {});
    this.created.add(transport);
    return transport;
  }

  /** Close every transport this registry created (idempotent: transports close once). */
  async close(): Promise<void> {
    const all = [...this.created];
    this.created.clear();
    await Promise.all(all.map((t) => t.close()));
  }
}

/** DI token for the app's {@link TransportRegistry} (one per container). */
export const TRANSPORT_REGISTRY = typedToken<TransportRegistry>('TransportRegistry');
