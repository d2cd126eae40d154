import { GRANT_TERM_LIMITS, isParamName } from '../grants/grant-terms';
import { type FieldChecker, describeValue } from './field-checker';

/**
 * `tessera.resources`: which method parameters name a resource, so that a
 * grant's constraints may scope them (`{"get": "key", "copy": ["from", "to"]}`).
 * Each method must be one the module provides; each parameter an identifier,
 * at most {@link GRANT_TERM_LIMITS.maxParamsPerMethod} per method. The host
 * checks at start that the method really has parameters of those names.
 */
export function resourcesOf(
  check: FieldChecker,
  value: unknown,
  provides: Readonly<Record<string, readonly string[]>>,
): Record<string, string[]> {
  const obj = check.object(value, 'tessera.resources');
  const provided = new Set(Object.values(provides).flat());
  const entries = Object.entries(obj);
  if (entries.length > GRANT_TERM_LIMITS.maxConstrainedMethods)
    throw check.fail(
      'tessera.resources',
      `names ${entries.length} methods; at most ${GRANT_TERM_LIMITS.maxConstrainedMethods}`,
    );
  const out: [string, string[]][] = [];
  for (const [method, params] of entries) {
    const field = `tessera.resources.${method}`;
    if (!provided.has(method))
      throw check.failWith(
        field,
        `${field} names method ${JSON.stringify(method)}, which no capability in tessera.provides lists`,
      );
    const list = typeof params === 'string' ? [params] : check.array(params, field);
    if (list.length === 0 || list.length > GRANT_TERM_LIMITS.maxParamsPerMethod)
      throw check.fail(
        field,
        `must name 1 to ${GRANT_TERM_LIMITS.maxParamsPerMethod} parameters (got ${list.length})`,
      );
    const names = list.map((p, i) => {
      const at = typeof params === 'string' ? field : `${field}[${i}]`;
      if (!isParamName(p)) throw check.fail(at, `${describeValue(p)} is not a parameter name`);
      return p;
    });
    check.unique(names, field);
    out.push([method, names]);
  }
  return Object.fromEntries(out);
}
