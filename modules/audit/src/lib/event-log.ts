/** One event audit saw. */
export interface SeenEvent {
  /** `<module>.<event>`, e.g. `notes.noteAdded`. */
  source: string;
  payload: unknown;
  /** ISO-8601 time it was seen. */
  at: string;
}

/** Most recent events kept; older ones are dropped (counters keep counting). */
export const MAX_RECENT = 100;

/** Counters per source and a bounded log of the most recent events. */
export class EventLog {
  private readonly counts = new Map<string, number>();
  private readonly recentEvents: SeenEvent[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  record(source: string, payload: unknown): void {
    this.counts.set(source, (this.counts.get(source) ?? 0) + 1);
    this.recentEvents.push({ source, payload, at: this.now().toISOString() });
    if (this.recentEvents.length > MAX_RECENT)
      this.recentEvents.splice(0, this.recentEvents.length - MAX_RECENT);
  }

  /** Events seen per source, and in total. */
  summary(): { total: number; bySource: Record<string, number> } {
    const bySource = Object.fromEntries(
      [...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)),
    );
    return { total: [...this.counts.values()].reduce((a, b) => a + b, 0), bySource };
  }

  /** The last `limit` events, newest last. */
  recent(limit: number): SeenEvent[] {
    return this.recentEvents.slice(-limit);
  }
}
