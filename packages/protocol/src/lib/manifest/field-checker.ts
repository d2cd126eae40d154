import { TesseraError } from '../errors/tessera-error';
import { closestName } from './did-you-mean';

/** A plain JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How a value is described in a message: JSON for data, the type otherwise. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/**
 * Builds `INVALID_ARGUMENT` errors that name where the mistake is: a prefix
 * (`package @x/y`, `tessera.config.json`) and a field path
 * (`tessera.requires[1]`), also put in `data.field`.
 */
export class FieldChecker {
  constructor(
    private readonly prefix: string,
    private readonly data: Record<string, unknown> = {},
  ) {}

  /** `<prefix>: <field> <problem>`. */
  fail(field: string, problem: string): TesseraError {
    return TesseraError.invalidArgument(`${this.prefix}: ${field} ${problem}`, {
      ...this.data,
      field,
    });
  }

  /** A message that does not start with the field name. */
  failWith(field: string, message: string): TesseraError {
    return TesseraError.invalidArgument(`${this.prefix}: ${message}`, { ...this.data, field });
  }

  /** Throw for the first key of `obj` not in `known`, with a did-you-mean when one is near. */
  noUnknownFields(obj: JsonObject, known: readonly string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      const field = path ? `${path}.${key}` : key;
      const near = closestName(key, known);
      const hint = near ? `did you mean '${near}'?` : `known fields: ${known.join(', ')}`;
      throw this.failWith(field, `unknown field '${field}' (${hint})`);
    }
  }

  object(value: unknown, field: string): JsonObject {
    if (!isJsonObject(value))
      throw this.fail(field, `must be an object (got ${describeValue(value)})`);
    return value;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value === '')
      throw this.fail(field, `must be a non-empty string (got ${describeValue(value)})`);
    return value;
  }

  boolean(value: unknown, field: string): boolean {
    if (typeof value !== 'boolean')
      throw this.fail(field, `must be true or false (got ${describeValue(value)})`);
    return value;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value))
      throw this.fail(field, `must be an array (got ${describeValue(value)})`);
    return value;
  }

  /** An integer >= `min`. */
  integer(value: unknown, field: string, min: number): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw this.fail(field, `must be an integer >= ${min} (got ${describeValue(value)})`);
    }
    return value;
  }

  /** One of `allowed`; never falls back to a default for a present-but-wrong value. */
  oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      const list = allowed.map((a) => `"${a}"`).join(', ');
      throw this.fail(field, `must be one of ${list} (got ${describeValue(value)})`);
    }
    return value as T;
  }

  /** Throw when `items[i]` repeats an earlier item. */
  unique(items: readonly string[], field: string): void {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      if (seen.has(item)) throw this.fail(`${field}[${i}]`, `repeats ${JSON.stringify(item)}`);
      seen.add(item);
    });
  }
}
