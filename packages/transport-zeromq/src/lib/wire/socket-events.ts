import type { Event, Socket } from 'zeromq';

/**
 * Read a socket's monitor events with the Observer's own `receive` loop.
 * (Its `events.on()` emitter mode patches a native prototype with a
 * `require` captured at first use, which breaks when module registries are
 * recycled, e.g. between jest test files.) The loop ends with the socket.
 */
export function watchEvents(socket: Socket, onEvent: (event: Event) => void): Promise<void> {
  const observer = socket.events;
  return (async () => {
    try {
      while (!observer.closed) onEvent(await observer.receive());
    } catch {
      // The observer closes with its socket: nothing left to watch.
    }
  })();
}
