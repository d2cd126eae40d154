/** Where `tessera run` listens for SIGINT and SIGTERM; tests pass an EventEmitter. */
export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/** Exit code of a forced stop (a second Ctrl-C), as shells report 128 + SIGINT. */
export const FORCED_EXIT_CODE = 130;

/**
 * Calls `onStop` on the first SIGINT or SIGTERM and `onForce` on the next one.
 * Returns a function that removes the listeners.
 */
export function onStopSignals(
  source: SignalSource,
  onStop: () => void,
  onForce: () => void,
): () => void {
  let stopping = false;
  const listener = (): void => {
    if (stopping) return onForce();
    stopping = true;
    onStop();
  };
  source.on('SIGINT', listener);
  source.on('SIGTERM', listener);
  return () => {
    source.off('SIGINT', listener);
    source.off('SIGTERM', listener);
  };
}
