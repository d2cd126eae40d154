import { TesseraError } from '@tessera/protocol';

/** Map a failed ZeroMQ send to the framework's error: nothing fails silently. */
export function sendError(err: unknown): TesseraError {
  if (err instanceof TesseraError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EHOSTUNREACH') return TesseraError.unavailable('peer unreachable (disconnected)');
  if (code === 'EAGAIN')
    return TesseraError.unavailable('peer did not accept data before the send timeout');
  return TesseraError.unavailable(
    `send failed: ${typeof code === 'string' ? code : 'socket error'}`,
  );
}
