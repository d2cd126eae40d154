import { type Socket, createConnection } from 'node:net';

/** A plain socket to an `ipc://` address: lets a spec speak bytes, not frames. */
export function rawConnect(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(address.slice('ipc://'.length));
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves when `socket` is closed (by either side). */
export function closedOf(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) resolve();
    else socket.once('close', () => resolve());
  });
}

/** One length-prefixed frame around `payload`. */
export function prefixed(payload: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(payload.length, 0);
  return Buffer.concat([head, payload]);
}

export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));
