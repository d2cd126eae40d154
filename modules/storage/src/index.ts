import { defineModule } from '@tessera/sdk';
import { type KvChange, KvStore } from './lib/kv-store';

export type { KvChange } from './lib/kv-store';
export { MAX_KEY_LENGTH } from './lib/check-key';

/** The storage module's methods, as a typed client sees them. */
export interface StorageApi {
  get(key: string): unknown;
  set(key: string, value: unknown): true;
  delete(key: string): boolean;
  list(prefix?: string): string[];
}

/** An in-memory key-value store; emits `changed` ({@link KvChange}) on every set and delete. */
export default defineModule<StorageApi>({
  name: 'storage',
  events: [{ name: 'changed', params: ['key', 'op'] }],
  methods: ['get', 'set', 'delete', 'list'],
  create(ctx) {
    const store = new KvStore((change: KvChange) => ctx.emit('changed', change));
    return {
      get: (key) => store.get(key),
      set: (key, value) => store.set(key, value),
      delete: (key) => store.delete(key),
      list: (prefix) => store.list(prefix),
    };
  },
});
