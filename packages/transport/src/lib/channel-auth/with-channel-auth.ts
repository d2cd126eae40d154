import type { Connection, ConnectOptions, Listener, Transport } from '../connection';
import {
  type ChannelAuthOptions,
  DEFAULT_MAX_PENDING_HANDSHAKES,
  acceptChannel,
  openChannel,
  refuseChannel,
} from './handshake';

/**
 * The same carrier, with every connection proving its identity key in the
 * channel handshake before its first frame reaches the layer above: an
 * accepted connection is handed on only once the client proved a key
 * `authorize` admits (its `peer` says which), and `connect` resolves only
 * once the server proved the key the route named (`serverKey`).
 *
 * Unproven peers are bounded: each listener runs at most
 * `maxPendingHandshakes` handshakes at once (a connection beyond them is
 * refused and closed at once), and until its handshake ends a peer may send
 * no frame over `maxHandshakeFrameBytes`, which the carrier refuses unread.
 *
 * Closing it closes only what it opened through `inner` when it `owns`
 * the inner transport; a shared carrier (in-process hosts) stays open.
 */
export function withChannelAuth(
  inner: Transport,
  options: ChannelAuthOptions & { owns?: boolean },
): Transport {
  const listeners = new Set<Listener>();
  const connections = new Set<Connection>();
  return {
    kind: inner.kind,
    async listen(address, onConnection) {
      const maxPending = options.maxPendingHandshakes ?? DEFAULT_MAX_PENDING_HANDSHAKES;
      let pending = 0;
      const listener = await inner.listen(address, (raw) => {
        if (pending >= maxPending)
          return refuseChannel(raw, options, `too many handshakes in progress (${maxPending})`);
        pending++;
        acceptChannel(raw, options)
          .finally(() => pending--)
          .then(onConnection, () => undefined); // refused: closed, and reported via onRefused
      });
      listeners.add(listener);
      return listener;
    },
    async connect(address: string, connectOptions: ConnectOptions = {}) {
      const raw = await inner.connect(address, connectOptions);
      const conn = await openChannel(raw, {
        ...options,
        ...(connectOptions.serverKey !== undefined ? { serverKey: connectOptions.serverKey } : {}),
      });
      // Forget it once it is gone: a host that died or restarted must not
      // leave its connection (and the RPC peer attached to it) here for ever.
      connections.add(conn);
      conn.onEnd(() => connections.delete(conn));
      return conn;
    },
    async close() {
      if (options.owns) return inner.close();
      const all = [...listeners, ...connections];
      listeners.clear();
      connections.clear();
      await Promise.all(all.map((x) => x.close()));
    },
    ...(inner.reclaim ? { reclaim: (address: string) => inner.reclaim!(address) } : {}),
  };
}
