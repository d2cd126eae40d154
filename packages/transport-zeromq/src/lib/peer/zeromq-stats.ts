/** Counters of one transport, for tests and benchmarks: batching shows as frames > messages. */
export interface ZeroMqStats {
  /** Protocol frames handed to the carrier. */
  framesSent: number;
  /** DATA messages (batches) those frames travelled in. */
  batchesSent: number;
  framesReceived: number;
  batchesReceived: number;
}

export function emptyStats(): ZeroMqStats {
  return { framesSent: 0, batchesSent: 0, framesReceived: 0, batchesReceived: 0 };
}
