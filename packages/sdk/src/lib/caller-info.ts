import type { RateLimit, ResourceConstraints } from '@tessera/protocol';

/**
 * Who is calling this module, as `ctx.caller` shows it during a call: the
 * identity its connection proved (never a name the request claims) and the
 * grant the call came under. Read-only facts, for checks the declarative
 * constraints cannot express.
 */
export interface CallerInfo {
  /** The proven caller: a module name, or `operator`. */
  readonly name: string;
  /** The grant's scope: methods and `event:<name>` entries. */
  readonly methods: readonly string[];
  /** The grant's resource constraints (already enforced by the door); absent: none. */
  readonly constraints?: ResourceConstraints;
  /** The grant's rate limit (already enforced by the door); absent: none. */
  readonly rateLimit?: RateLimit;
  /** Epoch milliseconds at which the grant expires (`Number.MAX_SAFE_INTEGER`: with its channel). */
  readonly expiresAt: number;
}
