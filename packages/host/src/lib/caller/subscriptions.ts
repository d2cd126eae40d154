import type { EventFrame } from '@tessera/protocol';

type Listener = (payload: unknown) => void;

/**
 * The caller's event listeners, per target and event. Only what the module
 * asked for: the wire-level `$subscribe`s that keep them fed are the
 * {@link ModuleCaller}'s business.
 */
export class Subscriptions {
  private readonly byTarget = new Map<string, Map<string, Set<Listener>>>();

  /** Add a listener; true when it is the first for this event of `target`. */
  add(target: string, event: string, listener: Listener): boolean {
    let events = this.byTarget.get(target);
    if (!events) this.byTarget.set(target, (events = new Map()));
    let set = events.get(event);
    const first = !set;
    if (!set) events.set(event, (set = new Set()));
    set.add(listener);
    return first;
  }

  /** Remove a listener; true when it was the last for this event of `target`. */
  remove(target: string, event: string, listener: Listener): boolean {
    const set = this.byTarget.get(target)?.get(event);
    if (!set?.delete(listener) || set.size > 0) return false;
    this.drop(target, event);
    return true;
  }

  /** Forget every listener of `event` on `target`. */
  drop(target: string, event: string): void {
    const events = this.byTarget.get(target);
    events?.delete(event);
    if (events?.size === 0) this.byTarget.delete(target);
  }

  has(target: string): boolean {
    return this.byTarget.has(target);
  }

  /** The events of `target` with listeners. */
  events(target: string): string[] {
    return [...(this.byTarget.get(target)?.keys() ?? [])];
  }

  /** Hand an event that arrived on `from`'s connection to its listeners. */
  deliver(from: string, e: EventFrame): void {
    const set = this.byTarget.get(from)?.get(e.name);
    if (!set) return;
    for (const l of set) {
      try {
        l(e.payload);
      } catch {
        // a failing listener must not stop delivery to the others
      }
    }
  }

  clear(): void {
    this.byTarget.clear();
  }
}
