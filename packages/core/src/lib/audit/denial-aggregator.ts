import { type DeniedCalls, DenialFolds } from '@tessera/host';
import type { SecurityTrail } from './security-trail';

/** How long refusals are folded together before one `call.denied` line per kind is written. */
export const DEFAULT_DENIAL_WINDOW_MS = 1000;
/** Distinct (target, caller, code, grant) lines per window; the rest fold into one per target. */
export const MAX_DENIAL_LINES = 64;

interface Folded extends DeniedCalls {
  target: string;
}

/**
 * Folds refused calls, from the core's own doors and from hosts' reports,
 * into one `call.denied` line per target, caller, code and grant per
 * window, with the count: a flood of N refusals costs a bounded number of
 * lines, however many hosts or reports carry it.
 */
export class DenialAggregator {
  private readonly window = new DenialFolds<Folded>(
    MAX_DENIAL_LINES,
    'more refusals of other kinds than one window lists',
  );
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly trail: SecurityTrail,
    private readonly windowMs = DEFAULT_DENIAL_WINDOW_MS,
  ) {}

  add(target: string, d: DeniedCalls): void {
    this.window.add(
      `${target}\u0000${d.caller ?? ''}\u0000${d.code}\u0000${d.grant ?? ''}`,
      `${target}\u0000*`,
      d,
      { target },
    );
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    this.timer.unref?.();
  }

  /** Write the window's lines now (also on close). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const f of this.window.take())
      this.trail.record({
        kind: 'call.denied',
        outcome: 'denied',
        ...(f.caller !== undefined ? { subject: f.caller } : {}),
        target: f.target,
        reason: f.reason,
        code: f.code,
        ...(f.grant !== undefined ? { grant: f.grant } : {}),
        methods: f.methods,
        count: f.count,
        windowMs: this.windowMs,
      });
  }

  close(): void {
    this.flush();
  }
}
