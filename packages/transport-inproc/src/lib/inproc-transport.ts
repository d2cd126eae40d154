import { TesseraError } from '@tessera/protocol';
import type { Connection, Listener, Transport } from '@tessera/transport';
import { InProcConnection } from './inproc-connection';
import { type InProcHub, defaultInProcHub } from './inproc-hub';

/** Options of the `inproc` transport kind. */
export interface InProcTransportOptions {
  /** Hub to bind and look up addresses in; defaults to the process-wide hub. */
  hub?: InProcHub;
}

/** Transport for modules that share the core's process. Addresses: `inproc://name`. */
export class InProcTransport implements Transport {
  readonly kind = 'inproc';
  private readonly hub: InProcHub;
  private readonly listeners = new Set<Listener>();
  private readonly connections = new Set<InProcConnection>();

  constructor(options: InProcTransportOptions = {}) {
    this.hub = options.hub ?? defaultInProcHub;
  }

  async listen(
    address: string | undefined,
    onConnection: (conn: Connection) => void,
  ): Promise<Listener> {
    const addr = address ?? this.hub.freshAddress();
    if (!addr.startsWith('inproc://')) {
      throw TesseraError.invalidArgument(
        `inproc address must start with inproc://, got ${JSON.stringify(addr)}`,
      );
    }
    const accepted = new Set<InProcConnection>();
    const accept = (conn: Connection): void => {
      const c = conn as InProcConnection;
      accepted.add(c);
      c.onEnd(() => accepted.delete(c));
      onConnection(conn);
    };
    if (!this.hub.bind(addr, accept)) throw TesseraError.invalidArgument(`address in use: ${addr}`);
    const listener: Listener & { killAll(): void } = {
      address: addr,
      close: async () => {
        this.hub.unbind(addr);
        this.listeners.delete(listener);
        await Promise.all([...accepted].map((c) => c.close()));
      },
      killAll: () => {
        this.hub.unbind(addr);
        for (const c of accepted) c.destroy('listener killed');
      },
    };
    this.listeners.add(listener);
    return listener;
  }

  async connect(address: string): Promise<Connection> {
    const accept = this.hub.lookup(address);
    if (!accept) throw TesseraError.unavailable(`nothing listens at ${address}`);
    const [client, server] = InProcConnection.pair();
    this.connections.add(client);
    client.onEnd(() => this.connections.delete(client));
    accept(server);
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners].map((l) => l.close()));
    await Promise.all([...this.connections].map((c) => c.close()));
    this.connections.clear();
  }
}

/** Abruptly drop every connection of a listener made by {@link InProcTransport}. */
export function killInProcListener(listener: Listener): void {
  (listener as Listener & { killAll(): void }).killAll();
}
