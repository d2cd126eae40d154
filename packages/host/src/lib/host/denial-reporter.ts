import type { CallDenial } from '@tessera/proxy';
import type { DeniedCalls } from '../contracts/module-core-api';
import { DenialFolds } from './denial-folds';

/** How often a host reports what its door refused; nothing is sent while nothing is refused. */
export const DENIAL_REPORT_MS = 1000;
/** Distinct (caller, code, grant) counts kept per interval; the rest are folded into one. */
export const MAX_DENIAL_KEYS = 32;

/**
 * Counts the calls a host's door refused and sends them to the core once
 * per interval, one entry per caller, code and grant: a flood of refused
 * calls costs a map update each and one report a second, whatever its size.
 */
export class DenialReporter {
  private readonly folds = new DenialFolds<DeniedCalls>(
    MAX_DENIAL_KEYS,
    'more callers, codes and grants than one report lists',
  );
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly send: (denials: DeniedCalls[]) => Promise<unknown>,
    private readonly intervalMs = DENIAL_REPORT_MS,
  ) {}

  add(d: CallDenial): void {
    if (this.closed) return;
    this.folds.add(
      `${d.caller ?? ''}\u0000${d.code}\u0000${d.grant ?? ''}`,
      'overflow',
      { ...d, count: 1, methods: [d.method] },
      {},
    );
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
    this.timer.unref?.();
  }

  /** Send what was counted now (also on close). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.folds.size === 0) return;
    const batch = this.folds.take();
    // The trail is best effort: a core that cannot take it must not stall the door.
    void this.send(batch).catch(() => undefined);
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}
