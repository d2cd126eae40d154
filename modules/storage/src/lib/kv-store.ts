import { ErrorCode, TesseraError } from '@tessera/protocol';
import { checkKey } from './check-key';

/** What the `changed` event carries. */
export interface KvChange {
  key: string;
  op: 'set' | 'delete';
}

/** Most keys one store holds, so a caller cannot grow it without bound. */
export const MAX_ENTRIES = 10_000;

/** An in-memory key-value map that reports every change. */
export class KvStore {
  private readonly data = new Map<string, unknown>();

  constructor(private readonly onChange: (change: KvChange) => void) {}

  get(key: unknown): unknown {
    return this.data.get(checkKey(key));
  }

  set(key: unknown, value: unknown): true {
    const k = checkKey(key);
    if (value === undefined)
      throw TesseraError.invalidArgument('value must not be undefined: use delete', {
        argument: 'value',
      });
    if (!this.data.has(k) && this.data.size >= MAX_ENTRIES) {
      throw new TesseraError(ErrorCode.RESOURCE_EXHAUSTED, `store is full (${MAX_ENTRIES} keys)`);
    }
    this.data.set(k, value);
    this.onChange({ key: k, op: 'set' });
    return true;
  }

  /** True when the key existed. */
  delete(key: unknown): boolean {
    const k = checkKey(key);
    const existed = this.data.delete(k);
    if (existed) this.onChange({ key: k, op: 'delete' });
    return existed;
  }

  /** Keys, sorted, optionally only those starting with `prefix`. */
  list(prefix?: unknown): string[] {
    if (prefix !== undefined && prefix !== null && typeof prefix !== 'string') {
      throw TesseraError.invalidArgument('prefix must be a string', { argument: 'prefix' });
    }
    const p = prefix ?? '';
    return [...this.data.keys()].filter((k) => k.startsWith(p)).sort();
  }
}
