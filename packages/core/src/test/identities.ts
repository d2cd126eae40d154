import {
  type ChannelIdentitySecret,
  type Connection,
  type Transport,
  channelIdentityFrom,
  createChannelIdentity,
  withChannelAuth,
} from '@tessera/transport';

/** Identity keys pinned for these names (`TesseraOptions.identityKeys`), so a test can act as one of them. */
export function pinnedKeys(names: string[]): Record<string, ChannelIdentitySecret> {
  return Object.fromEntries(names.map((n) => [n, createChannelIdentity().secret]));
}

/**
 * Open a connection to `address` proving `as`'s key, as that identity's own
 * host would; `target`'s pinned key, when known, must answer there.
 */
export function connectAs(
  transport: Transport,
  keys: Record<string, ChannelIdentitySecret>,
  address: string,
  as: string,
  target?: string,
): Promise<Connection> {
  const secret = keys[as];
  if (!secret) throw new Error(`no pinned key for ${as}`);
  const serverKey = target !== undefined ? keys[target]?.publicKey : undefined;
  return withChannelAuth(transport, { identity: channelIdentityFrom(secret) }).connect(
    address,
    serverKey ? { serverKey } : {},
  );
}
