import type { RateSpec } from '@tessera/protocol';

/**
 * A token bucket: holds up to `burst` calls, refilled at `perSecond`. The
 * clock is the caller's (ms); nothing runs between calls, so an idle bucket
 * costs nothing.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private spec: RateSpec,
    now: number,
  ) {
    this.tokens = spec.burst;
    this.last = now;
  }

  get rate(): RateSpec {
    return this.spec;
  }

  /** Add what `perSecond` earned since the last fill, up to `burst`. A clock going back earns nothing. */
  fill(now: number): void {
    if (now <= this.last) return;
    this.tokens = Math.min(
      this.spec.burst,
      this.tokens + ((now - this.last) * this.spec.perSecond) / 1000,
    );
    this.last = now;
  }

  /** Whether one call fits now (after {@link fill}). */
  get ready(): boolean {
    return this.tokens >= 1;
  }

  take(): void {
    this.tokens -= 1;
  }

  /** Milliseconds until one call fits, at least 1. */
  get waitMs(): number {
    // Less a hair, so float dust (0.996 + 0.004) does not round a 1 ms wait up to 2.
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.spec.perSecond - 1e-9));
  }

  /** A new rate for the same holder (a reload changed it): what is left stays, up to the new burst. */
  reconfigure(spec: RateSpec): void {
    this.spec = spec;
    this.tokens = Math.min(this.tokens, spec.burst);
  }
}
