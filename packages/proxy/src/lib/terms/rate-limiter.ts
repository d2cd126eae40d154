import { ErrorCode, type RateLimit, type RateSpec, TesseraError } from '@tessera/protocol';
import type { Grant } from '@tessera/token-manager';
import { TokenBucket } from './token-bucket';

/** One caller's buckets, as its grant's {@link RateLimit} says. */
class CallerBuckets {
  overall: TokenBucket | undefined;
  readonly perMethod = new Map<string, TokenBucket>();
  private rates = new Map<string, RateSpec>();

  constructor(
    public limit: RateLimit,
    now: number,
  ) {
    this.configure(limit, now);
  }

  /** Take up a (new) limit, keeping what the caller has left of the old one. */
  configure(limit: RateLimit, now: number): void {
    this.limit = limit;
    const overall =
      limit.perSecond !== undefined
        ? { perSecond: limit.perSecond, burst: limit.burst ?? 1 }
        : undefined;
    if (!overall) this.overall = undefined;
    else if (this.overall) this.overall.reconfigure(overall);
    else this.overall = new TokenBucket(overall, now);
    this.rates = new Map(Object.entries(limit.perMethod ?? {}));
    for (const [method, bucket] of this.perMethod) {
      const rate = this.rates.get(method);
      if (rate) bucket.reconfigure(rate);
      else this.perMethod.delete(method);
    }
  }

  /** The bucket of `method`, made full on its first call; undefined when it has no rate of its own. */
  of(method: string, now: number): TokenBucket | undefined {
    let bucket = this.perMethod.get(method);
    if (bucket === undefined) {
      const rate = this.rates.get(method);
      if (rate === undefined) return undefined;
      this.perMethod.set(method, (bucket = new TokenBucket(rate, now)));
    }
    return bucket;
  }
}

/**
 * The door's rate limits: a token bucket per caller (overall) and per
 * caller and method, as the caller's grant says. Kept per caller rather
 * than per token, so renewing a grant (or asking for a new one) never
 * refills it; a reload that changes the limit reconfigures the buckets,
 * keeping what is left. Consulted only for grants that carry a limit.
 */
export class RateLimiter {
  private readonly byCaller = new Map<string, CallerBuckets>();
  /** The last caller served, most often the next one too. */
  private lastCaller: string | undefined;
  private lastBuckets: CallerBuckets | undefined;

  constructor(private readonly target: string) {}

  /**
   * Admit one call of `method` under `grant` (which has a `rateLimit`), or
   * throw `RESOURCE_EXHAUSTED` with `data.retryAfterMs`. A refused call
   * takes nothing from either bucket.
   */
  admit(grant: Grant, limit: RateLimit, method: string, now: number): void {
    const caller = grant.caller;
    let buckets = caller === this.lastCaller ? this.lastBuckets : this.byCaller.get(caller);
    if (buckets === undefined) this.byCaller.set(caller, (buckets = new CallerBuckets(limit, now)));
    else if (buckets.limit !== limit) buckets.configure(limit, now);
    this.lastCaller = caller;
    this.lastBuckets = buckets;
    const overall = buckets.overall;
    const own = buckets.of(method, now);
    overall?.fill(now);
    own?.fill(now);
    if (overall !== undefined && !overall.ready)
      throw this.exhausted(grant.caller, undefined, overall);
    if (own !== undefined && !own.ready) throw this.exhausted(grant.caller, method, own);
    overall?.take();
    own?.take();
  }

  /** Forget a caller's buckets (tests; a caller gone for good). */
  forget(caller: string): void {
    this.byCaller.delete(caller);
    if (caller === this.lastCaller) this.lastCaller = this.lastBuckets = undefined;
  }

  private exhausted(caller: string, method: string | undefined, bucket: TokenBucket): TesseraError {
    const { perSecond, burst } = bucket.rate;
    const retryAfterMs = bucket.waitMs;
    const what = method === undefined ? `call ${this.target}` : `call ${method} on ${this.target}`;
    return new TesseraError(
      ErrorCode.RESOURCE_EXHAUSTED,
      `rate limit: ${caller} may ${what} ${perSecond} time${perSecond === 1 ? '' : 's'} a second (burst ${burst}); retry in ${retryAfterMs} ms`,
      { retryAfterMs, perSecond, burst, ...(method !== undefined ? { method } : {}) },
    );
  }
}
