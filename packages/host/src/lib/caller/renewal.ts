/**
 * When a token should be renewed: once less than a fifth of its lifetime is
 * left, or less than a second, but never earlier than half-way (so a very
 * short TTL is not renewed on every call). Times in the caller's clock, ms.
 */
export function renewalDue(receivedAt: number, expiresAt: number): number {
  const lifetime = Math.max(0, expiresAt - receivedAt);
  const margin = Math.min(lifetime / 2, Math.max(lifetime / 5, MIN_MARGIN_MS));
  return expiresAt - margin;
}

const MIN_MARGIN_MS = 1000;

/** How long to wait before trying a failed background renewal again. */
export const RENEWAL_RETRY_MS = 1000;

/** How often, at most, a call denied a scope a reload took asks for a new token. */
export const REGAIN_INTERVAL_MS = 1000;

/** How a lost subscription is restored: delays double from the first to the cap, for so many attempts. */
export interface ResubscribeOptions {
  /** Default 50 ms. */
  initialDelayMs?: number;
  /** Default 2 s. */
  maxDelayMs?: number;
  /** Default 150 (about five minutes at the cap); then the subscription ends (`revoked`). */
  maxAttempts?: number;
}

/** The delay before attempt `n` (0-based; the first is immediate). */
export function backoffDelay(n: number, o: Required<ResubscribeOptions>): number {
  return n === 0 ? 0 : Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** (n - 1));
}

export const DEFAULT_RESUBSCRIBE: Required<ResubscribeOptions> = {
  initialDelayMs: 50,
  maxDelayMs: 2000,
  maxAttempts: 150,
};
