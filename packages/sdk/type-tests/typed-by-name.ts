// A module using storage by name: typed with no type argument, mistakes are compile errors.
/* eslint-disable @nx/enforce-module-boundaries -- a consumer's view: it imports the package by name */
import { type Client, defineModule } from '@tessera/sdk';
import type { KvChange, StorageApi } from './storage-module';

type Equal<A, B> =
  (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
const exactly = <A, B>(_proof: Equal<A, B>): void => undefined;

/** An API typed by hand, as before the registry. */
interface LegacyApi {
  ping(): string;
}

export default defineModule({
  name: 'notes',
  create(ctx) {
    const storage = ctx.client('storage');
    exactly<typeof storage, Client<StorageApi>>(true);
    exactly<ReturnType<typeof storage.set>, Promise<true>>(true);
    exactly<ReturnType<typeof storage.list>, Promise<string[]>>(true);
    exactly<StorageApi['get'], (key: string) => unknown>(true);

    // @ts-expect-error: no module is registered under that name
    ctx.client('stroage');
    // @ts-expect-error: storage has no method gte
    void storage.gte('k');
    // @ts-expect-error: set takes a string key
    void storage.set(42, 'v');

    void ctx.on('storage', 'changed', (_change) => {
      exactly<typeof _change, KvChange>(true);
    });
    // @ts-expect-error: storage has no event chnaged
    void ctx.on('storage', 'chnaged', () => undefined);
    // @ts-expect-error: the listener takes a KvChange, not a number
    void ctx.on('storage', 'changed', (n: number) => n);

    // Back-compat: a hand-typed client for a module that is not registered.
    const _legacy = ctx.client<LegacyApi>('legacy');
    exactly<ReturnType<typeof _legacy.ping>, Promise<string>>(true);
    // ... and an unregistered module's events, with unknown payloads.
    void ctx.on('legacy', 'tick', (_payload) => exactly<typeof _payload, unknown>(true));
    // Lifecycle hooks keep their own overload.
    ctx.on('restarted', (target: string) => target);

    // notes registered no events: its emit takes any name.
    ctx.emit('anything', { at: 1 });
    return { add: async (title: string) => storage.set(`note:${title}`, title) };
  },
});
