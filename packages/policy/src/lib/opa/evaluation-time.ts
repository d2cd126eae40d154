import type { Logger } from '@tessera/protocol';
import { REQUEST_LIMITS } from '../limits/request-limits';
import { truncateText } from '../limits/truncate';
import type { PolicyInput } from '../policy-engine';

/** An evaluation slower than this is counted and logged. */
export const DEFAULT_SLOW_EVALUATION_MS = 100;
/**
 * What evaluating the largest request may take before a new bundle is
 * rejected. The shipped policy takes about 1 ms; a budget a thousand
 * times that only stops policies that would stall the core on every request.
 */
export const DEFAULT_EVALUATION_BUDGET_MS = 1000;
/** At most one slow-evaluation warning per this many ms; the others are counted into it. */
const REPORT_EVERY_MS = 10_000;

/**
 * The largest request a caller can make of `base`'s parties:
 * {@link REQUEST_LIMITS}.maxMethods method names of the longest valid
 * length (64), none of which the target provides.
 */
export function largestRequest(base: PolicyInput): PolicyInput {
  const methods = Array.from({ length: REQUEST_LIMITS.maxMethods }, (_, i) =>
    `probe_${i}_`.padEnd(64, 'x'),
  );
  return { ...base, methods };
}

const nameOf = (facts: unknown): string => {
  const name = (facts as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' ? truncateText(name, 64) : '?';
};

/** What a slow evaluation was asked, for the log: who, whom, how many methods. */
export function describeInput(input: unknown): string {
  const i = (typeof input === 'object' && input !== null ? input : {}) as Partial<PolicyInput>;
  const count = Array.isArray(i.methods) ? i.methods.length : 0;
  return `${nameOf(i.subject)} -> ${nameOf(i.target)}, ${count} method${count === 1 ? '' : 's'}`;
}

/**
 * Counts evaluations slower than a threshold and logs them, at most one
 * line per 10 s (with how many it folded in), so a flood of slow requests
 * cannot flood the log too.
 */
export class SlowEvaluations {
  private total = 0;
  private unreported = 0;
  private lastReport = -Infinity;

  constructor(
    readonly thresholdMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Evaluations over the threshold so far. */
  get count(): number {
    return this.total;
  }

  record(ms: number, input: unknown): void {
    if (ms <= this.thresholdMs) return;
    this.total++;
    this.unreported++;
    const now = this.now();
    if (now - this.lastReport < REPORT_EVERY_MS) return;
    const folded = this.unreported - 1;
    const more =
      folded > 0 ? `; ${folded} more over ${this.thresholdMs} ms since the last report` : '';
    this.logger.warn(
      `slow policy evaluation: ${Math.round(ms)} ms (${describeInput(input)}); the core's event loop waited${more}`,
      { ms: Math.round(ms), thresholdMs: this.thresholdMs, slowEvaluations: this.total },
    );
    this.unreported = 0;
    this.lastReport = now;
  }
}
