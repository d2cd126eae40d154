import type { CallDenial } from '@tessera/proxy';
import type { DeniedCalls } from '../contracts/module-core-api';

/** How often a host reports what its door refused; nothing is sent while nothing is refused. */
export const DENIAL_REPORT_MS = 1000;
/** Distinct (caller, code, grant) counts kept per interval; the rest are folded into one. */
export const MAX_DENIAL_KEYS = 32;
const MAX_METHODS = 8;

/**
 * Counts the calls a host's door refused and sends them to the core once
 * per interval, one entry per caller, code and grant: a flood of refused
 * calls costs a map update each and one report a second, whatever its size.
 */
export class DenialReporter {
  private counts = new Map<string, DeniedCalls>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly send: (denials: DeniedCalls[]) => Promise<unknown>,
    private readonly intervalMs = DENIAL_REPORT_MS,
  ) {}

  add(d: CallDenial): void {
    if (this.closed) return;
    let key = `${d.caller ?? ''}\u0000${d.code}\u0000${d.grant ?? ''}`;
    if (!this.counts.has(key) && this.counts.size >= MAX_DENIAL_KEYS) key = 'overflow';
    let entry = this.counts.get(key);
    if (!entry) {
      entry =
        key === 'overflow'
          ? {
              code: 'MANY',
              reason: 'more callers, codes and grants than one report lists',
              methods: [],
              count: 0,
            }
          : {
              ...(d.caller !== undefined ? { caller: d.caller } : {}),
              code: d.code,
              ...(d.grant !== undefined ? { grant: d.grant } : {}),
              reason: d.reason,
              methods: [],
              count: 0,
            };
      this.counts.set(key, entry);
    }
    entry.count++;
    if (entry.methods.length < MAX_METHODS && !entry.methods.includes(d.method))
      entry.methods.push(d.method);
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
    this.timer.unref?.();
  }

  /** Send what was counted now (also on close). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.counts.size === 0) return;
    const batch = [...this.counts.values()];
    this.counts = new Map();
    // The trail is best effort: a core that cannot take it must not stall the door.
    void this.send(batch).catch(() => undefined);
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}
