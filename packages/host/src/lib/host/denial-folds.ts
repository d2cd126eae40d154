import type { DeniedCalls } from '../contracts/module-core-api';

/** Method names kept per folded entry. */
const MAX_METHODS = 8;

/**
 * Refused calls folded by key into bounded entries, for the host's reports
 * to the core and the core's `call.denied` lines alike: at most `maxKeys`
 * distinct entries, the rest counted into one overflow entry (per
 * `overflowKey`), and at most 8 method names each.
 */
export class DenialFolds<T extends DeniedCalls> {
  private entries = new Map<string, T>();

  constructor(
    private readonly maxKeys: number,
    /** The overflow entry's reason. */
    private readonly overflowReason: string,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Count `d.count` refusals of `d.methods` under `key` (a new entry carries
   * `extra` too); a new key past the bound counts under `overflowKey`.
   */
  add(
    key: string,
    overflowKey: string,
    d: Omit<DeniedCalls, 'methods'> & { methods: readonly string[] },
    extra: Omit<T, keyof DeniedCalls>,
  ): void {
    const over = !this.entries.has(key) && this.entries.size >= this.maxKeys;
    if (over) key = overflowKey;
    let entry = this.entries.get(key);
    if (!entry) {
      const fields: DeniedCalls = over
        ? { code: 'MANY', reason: this.overflowReason, methods: [], count: 0 }
        : {
            ...(d.caller !== undefined ? { caller: d.caller } : {}),
            code: d.code,
            ...(d.grant !== undefined ? { grant: d.grant } : {}),
            reason: d.reason,
            methods: [],
            count: 0,
          };
      entry = { ...extra, ...fields } as unknown as T;
      this.entries.set(key, entry);
    }
    entry.count += d.count;
    for (const m of d.methods)
      if (entry.methods.length < MAX_METHODS && !entry.methods.includes(m)) entry.methods.push(m);
  }

  /** The entries folded so far, and a fresh start. */
  take(): T[] {
    const taken = [...this.entries.values()];
    this.entries = new Map();
    return taken;
  }
}
