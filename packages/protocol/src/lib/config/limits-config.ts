import { GRANT_TERM_LIMITS } from '../grants/grant-terms';
import { type FieldChecker, describeValue } from '../manifest/field-checker';
import { DEFAULT_LIMITS, LIMITS_FIELDS, type LimitsConfig, RATE_FIELDS } from './app-config';

/** `limits`, defaulted field by field ({@link DEFAULT_LIMITS}). */
export function limitsOf(check: FieldChecker, value: unknown): LimitsConfig {
  if (value === undefined) return { requestModule: { ...DEFAULT_LIMITS.requestModule } };
  const l = check.object(value, 'limits');
  check.noUnknownFields(l, LIMITS_FIELDS, 'limits');
  return {
    requestModule:
      l.requestModule === undefined
        ? { ...DEFAULT_LIMITS.requestModule }
        : rateOf(check, l.requestModule, 'limits.requestModule'),
  };
}

/** `{perSecond, burst?}`: a positive rate, and a whole burst (default: the rate, rounded up). */
function rateOf(check: FieldChecker, value: unknown, field: string): LimitsConfig['requestModule'] {
  const r = check.object(value, field);
  check.noUnknownFields(r, RATE_FIELDS, field);
  const { maxPerSecond, maxBurst } = GRANT_TERM_LIMITS;
  const perSecond = r.perSecond;
  if (
    typeof perSecond !== 'number' ||
    !Number.isFinite(perSecond) ||
    perSecond <= 0 ||
    perSecond > maxPerSecond
  )
    throw check.fail(
      `${field}.perSecond`,
      `must be a number > 0 and <= ${maxPerSecond} (got ${describeValue(perSecond)})`,
    );
  const burst =
    r.burst === undefined
      ? Math.max(1, Math.ceil(perSecond))
      : check.integer(r.burst, `${field}.burst`, 1);
  if (burst > maxBurst) throw check.fail(`${field}.burst`, `must be <= ${maxBurst} (got ${burst})`);
  return { perSecond, burst };
}
