// A module package as its author writes it: the definition, its API type
// inferred from it, and its entries in the registry.
/* eslint-disable @nx/enforce-module-boundaries -- a consumer's view: it imports the package by name */
import { type ModuleApi, defineModule } from '@tessera/sdk';

export interface KvChange {
  key: string;
  op: 'set' | 'delete';
}

const storage = defineModule({
  name: 'storage',
  events: ['changed'],
  create(ctx) {
    const data = new Map<string, unknown>();
    return {
      get: (key: string): unknown => data.get(key),
      set(key: string, value: unknown): true {
        data.set(key, value);
        ctx.emit('changed', { key, op: 'set' });
        // @ts-expect-error: not one of storage's events
        ctx.emit('chnaged', { key, op: 'set' });
        // @ts-expect-error: the payload of changed has no such op
        ctx.emit('changed', { key, op: 'upsert' });
        // @ts-expect-error: the payload of changed needs a key
        ctx.emit('changed', { op: 'set' });
        return true;
      },
      list: (prefix?: string): string[] =>
        [...data.keys()].filter((k) => k.startsWith(prefix ?? '')),
      whoAmI: () => ctx.name,
    };
  },
});
export default storage;

/** What other modules call: inferred from the definition, never written twice. */
export type StorageApi = ModuleApi<typeof storage>;

declare module '@tessera/sdk' {
  interface TesseraModules {
    storage: StorageApi;
  }
  interface TesseraEvents {
    storage: { changed: KvChange };
  }
}
