import type { HostControl } from '@tessera/host';
import type { GrantTerms, LimitsConfig, RateLimit, RateSpec } from '@tessera/protocol';

/**
 * The rate on `requestModule` that every grant on the core carries: the
 * tighter of the policy's (if it sets one) and the app's
 * `limits.requestModule`, field by field. The core's door then enforces it
 * per caller, so no module can flood the capability module and the policy.
 */
export function withRequestModuleLimit(limit: RateLimit | undefined, ceiling: RateSpec): RateLimit {
  const own = limit?.perMethod?.['requestModule'];
  const rate: RateSpec = own
    ? {
        perSecond: Math.min(own.perSecond, ceiling.perSecond),
        burst: Math.min(own.burst, ceiling.burst),
      }
    : { ...ceiling };
  return { ...limit, perMethod: { ...limit?.perMethod, requestModule: rate } };
}

/** The core's own grant sink, with {@link withRequestModuleLimit} applied to every grant and re-decided terms. */
export function withCoreLimits(sink: HostControl, limits: LimitsConfig): HostControl {
  const ceiling = limits.requestModule;
  const capped = (terms: GrantTerms): GrantTerms => ({
    ...terms,
    rateLimit: withRequestModuleLimit(terms.rateLimit, ceiling),
  });
  return {
    ...sink,
    grant: (token, info) => sink.grant(token, { ...info, ...capped(info) }),
    narrow: (grantId, methods, terms) =>
      sink.narrow(grantId, methods, terms === undefined ? undefined : capped(terms)),
  };
}
