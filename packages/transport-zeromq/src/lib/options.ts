import { DEFAULT_MAX_FRAME_BYTES, type Logger } from '@tessera/protocol';

/**
 * CURVE keys of this transport (Z85 strings, see {@link generateKeyPair}).
 * `authorize` is required to listen, `serverKey` to connect.
 */
export interface ZeroMqCurveOptions {
  secretKey: string;
  publicKey: string;
  /**
   * Server side: map an authenticated client public key to the module
   * identity it stands for, or `undefined` to refuse it. Runs in the ZAP
   * handler, before the client can send a single byte of application data.
   */
  authorize?: (publicKey: string) => string | undefined;
  /** Client side: the server's public key. */
  serverKey?: string;
}

/** Options of the `zeromq` transport kind. */
export interface ZeroMqTransportOptions {
  /**
   * CURVE encryption and authentication. Required on `tcp://`; optional on
   * `ipc://` (file permissions protect it). `false` turns it off everywhere,
   * which on tcp:// is INSECURE: anyone who can reach the port can call in.
   */
  curve?: ZeroMqCurveOptions | false;
  /** Largest encoded frame accepted or sent (default 16 MiB). */
  maxFrameBytes?: number;
  /** ZeroMQ per-peer queue limits, in messages (default 1000 each). */
  sendHighWaterMark?: number;
  receiveHighWaterMark?: number;
  /** How long a blocked ZeroMQ send may wait before the peer counts as unreachable (default 2000 ms). */
  sendTimeoutMs?: number;
  /** Frames a connection may queue before `send` throws RESOURCE_EXHAUSTED (default 100 000). */
  maxQueuedFrames?: number;
  /** Default for {@link ConnectOptions.timeoutMs} (default 5000 ms). */
  connectTimeoutMs?: number;
  /** ZMTP heartbeat and carrier ping interval (default 1000 ms). */
  heartbeatIntervalMs?: number;
  /**
   * How many intervals a peer may stay silent before it counts as dead
   * (default 5: a 5 s budget, so a 2 s network cut, stretched by TCP's
   * retransmission backoff, is ridden out). Any traffic resets the count.
   */
  heartbeatMisses?: number;
  /** Where dropped peers and an insecure tcp listener are reported (`warn`); default the console. */
  logger?: Logger;
  /**
   * Where a listener without an address makes its private `tessera-zmq-*`
   * directory for its `ipc://` socket (default: the temp dir). An app gives
   * its own runtime dir, so what a killed run leaves is swept with its state.
   */
  runtimeDir?: string;
}

/** Every key {@link ZeroMqTransportOptions} accepts, for config validation. */
export const ZEROMQ_OPTION_KEYS: readonly (keyof ZeroMqTransportOptions)[] = [
  'curve',
  'maxFrameBytes',
  'sendHighWaterMark',
  'receiveHighWaterMark',
  'sendTimeoutMs',
  'maxQueuedFrames',
  'connectTimeoutMs',
  'heartbeatIntervalMs',
  'heartbeatMisses',
  'logger',
  'runtimeDir',
];

/** Options with every default filled in. */
export interface ResolvedOptions {
  curve: ZeroMqCurveOptions | false | undefined;
  maxFrameBytes: number;
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
  sendTimeoutMs: number;
  maxQueuedFrames: number;
  connectTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatMisses: number;
  logger: Logger;
  runtimeDir: string | undefined;
}

/** Default {@link ZeroMqTransportOptions.heartbeatMisses}. */
export const DEFAULT_HEARTBEAT_MISSES = 5;

const consoleLogger: Logger = {
  info: (message, data) => console.info(`[tessera:zeromq] ${message}`, data ?? ''),
  warn: (message, data) => console.warn(`[tessera:zeromq] ${message}`, data ?? ''),
  error: (message, data) => console.error(`[tessera:zeromq] ${message}`, data ?? ''),
};

export function resolveOptions(o: ZeroMqTransportOptions): ResolvedOptions {
  return {
    curve: o.curve,
    maxFrameBytes: o.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    sendHighWaterMark: o.sendHighWaterMark ?? 1000,
    receiveHighWaterMark: o.receiveHighWaterMark ?? 1000,
    sendTimeoutMs: o.sendTimeoutMs ?? 2000,
    maxQueuedFrames: o.maxQueuedFrames ?? 100_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 5000,
    heartbeatIntervalMs: o.heartbeatIntervalMs ?? 1000,
    heartbeatMisses: o.heartbeatMisses ?? DEFAULT_HEARTBEAT_MISSES,
    logger: o.logger ?? consoleLogger,
    runtimeDir: o.runtimeDir,
  };
}
