import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router, type Context } from 'zeromq';
import { TesseraError } from '@tessera/protocol';
import type { ServerCurve } from '../curve/curve-policy';
import type { ResolvedOptions } from '../options';

/** A bound Router and what to clean up after it. */
export interface BoundRouter {
  socket: Router;
  address: string;
  /** Private directory made for a default ipc address, removed on close. */
  privateDir: string | undefined;
}

/** Socket options shared by both ends: no silent drops, no hang, dead peers noticed. */
export function commonSocketOptions(o: ResolvedOptions) {
  return {
    linger: 0,
    sendHighWaterMark: o.sendHighWaterMark,
    receiveHighWaterMark: o.receiveHighWaterMark,
    sendTimeout: o.sendTimeoutMs,
    maxMessageSize: o.maxFrameBytes + 64,
    heartbeatInterval: o.heartbeatIntervalMs,
    heartbeatTimeout: o.heartbeatMisses * o.heartbeatIntervalMs,
    heartbeatTimeToLive: o.heartbeatMisses * o.heartbeatIntervalMs,
  };
}

/**
 * Create and bind the listener's Router: `mandatory` so a send to a gone
 * peer fails instead of vanishing; with CURVE, `zapEnforceDomain` so a
 * missing ZAP handler fails closed instead of admitting everyone.
 */
export async function bindRouter(
  context: Context,
  address: string | undefined,
  options: ResolvedOptions,
  curve: ServerCurve | undefined,
  zapDomain: string | undefined,
): Promise<BoundRouter> {
  let privateDir: string | undefined;
  let target = address;
  if (target === undefined) {
    const base = options.runtimeDir ?? tmpdir();
    await mkdir(base, { recursive: true, mode: 0o700 });
    privateDir = await mkdtemp(join(base, 'tessera-zmq-')); // mode 0700
    target = `ipc://${join(privateDir, 'listener.sock')}`;
  }
  const socket = new Router({ context, mandatory: true, ...commonSocketOptions(options) });
  if (curve) {
    socket.curveServer = true;
    socket.curveSecretKey = curve.secretKey;
    socket.curvePublicKey = curve.publicKey;
    socket.zapDomain = zapDomain ?? null;
    socket.zapEnforceDomain = true;
  }
  try {
    await socket.bind(target);
  } catch (err) {
    socket.close();
    if (privateDir) await rm(privateDir, { recursive: true, force: true });
    const code = (err as { code?: unknown }).code;
    throw TesseraError.invalidArgument(
      `cannot listen on ${target}: ${typeof code === 'string' ? code : String(err)}`,
    );
  }
  const bound = socket.lastEndpoint ?? target;
  if (bound.startsWith('ipc://') && !privateDir) {
    // The socket file is the only gate on ipc without CURVE: owner only.
    await chmod(bound.slice('ipc://'.length), 0o600).catch(() => undefined);
  }
  return { socket, address: bound, privateDir };
}
