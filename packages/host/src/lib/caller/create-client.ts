import type { ModuleCaller } from './module-caller';
import type { Client } from '@tessera/sdk';

/**
 * A typed client for `target`: `client.get('k')` calls method `get`.
 * `then` and symbols are not methods, so a client is never mistaken for a promise.
 */
export function createClient<T extends object>(caller: ModuleCaller, target: string): Client<T> {
  const cache = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(Object.create(null) as object, {
    get(_t, prop) {
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      let fn = cache.get(prop);
      if (!fn) {
        fn = (...args: unknown[]) => caller.call(target, prop, args);
        cache.set(prop, fn);
      }
      return fn;
    },
  }) as Client<T>;
}
