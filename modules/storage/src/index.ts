import { type ModuleApi, defineModule } from '@tessera/sdk';
import { type KvChange, KvStore } from './lib/kv-store';

export type { KvChange } from './lib/kv-store';
export { MAX_KEY_LENGTH } from './lib/check-key';

/** An in-memory key-value store; emits `changed` ({@link KvChange}) on every set and delete. */
const storage = defineModule({
  name: 'storage',
  events: [{ name: 'changed', params: ['key', 'op'] }],
  methods: ['get', 'set', 'delete', 'list'],
  create(ctx) {
    const store = new KvStore((change) => ctx.emit('changed', change));
    return {
      /** The value stored under `key`, or undefined. */
      get: (key: string): unknown => store.get(key),
      /** Store `value` under `key`; emits `changed`. */
      set: (key: string, value: unknown): true => store.set(key, value),
      /** Remove `key`; true when it was there. Emits `changed` when it was. */
      delete: (key: string): boolean => store.delete(key),
      /** Keys starting with `prefix` (all keys without one), sorted. */
      list: (prefix?: string): string[] => store.list(prefix),
    };
  },
});
export default storage;

/** The storage module's methods, as a typed client sees them: inferred from the definition. */
export type StorageApi = ModuleApi<typeof storage>;

// Importing this package's types makes `ctx.client('storage')` and
// `ctx.on('storage', 'changed', …)` typed by name in any module.
declare module '@tessera/sdk' {
  interface TesseraModules {
    storage: StorageApi;
  }
  interface TesseraEvents {
    storage: { changed: KvChange };
  }
}
