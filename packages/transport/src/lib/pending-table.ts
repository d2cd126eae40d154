/** What the table holds: anything with the correlation id it is filed under. */
export interface HasId {
  readonly id: number;
}

const SLOTS = 1024; // a power of two: `id & MASK` is the slot
const MASK = SLOTS - 1;

/**
 * The calls waiting for an answer, by correlation id. Ids are handed out in
 * sequence and most calls are answered soon, so each call gets slot
 * `id % 1024` of an array; only a call whose slot is still held by an older
 * one (more than a thousand in flight, or a slow one) goes to a Map. A
 * `Map<number, …>` alone costs about ten times as much per call (hashing,
 * and its table growing and shrinking under a steady churn of keys).
 */
export class PendingTable<P extends HasId> {
  private readonly slots: (P | undefined)[] = new Array<P | undefined>(SLOTS).fill(undefined);
  private readonly overflow = new Map<number, P>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(entry: P): void {
    const i = entry.id & MASK;
    if (this.slots[i] === undefined) this.slots[i] = entry;
    else this.overflow.set(entry.id, entry);
    this.count++;
  }

  /** Remove and return the entry filed under `id`, if any. */
  take(id: number): P | undefined {
    const i = id & MASK;
    const slot = this.slots[i];
    if (slot !== undefined && slot.id === id) {
      this.slots[i] = undefined;
      this.count--;
      return slot;
    }
    if (this.overflow.size === 0) return undefined;
    const entry = this.overflow.get(id);
    if (entry !== undefined) {
      this.overflow.delete(id);
      this.count--;
    }
    return entry;
  }

  /** Every entry, oldest (lowest id) first. For sweeps and shutdown, not the per-call path. */
  inOrder(): P[] {
    const all: P[] = [];
    if (this.count === 0) return all;
    for (const s of this.slots) if (s !== undefined) all.push(s);
    for (const e of this.overflow.values()) all.push(e);
    return all.sort((a, b) => a.id - b.id);
  }
}
