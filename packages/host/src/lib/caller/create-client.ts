import type { ModuleCaller } from './module-caller';
import type { Client } from '@tessera/sdk';

/**
 * A typed client for `target`: `client.get('k')` calls method `get`.
 * `then` and symbols are not methods, so a client is never mistaken for a promise.
 *
 * The client is a plain object whose prototype is a Proxy: the first read
 * of a name goes through the trap, which keeps the method on the client
 * itself, so every later call is an ordinary property read.
 */
export function createClient<T extends object>(caller: ModuleCaller, target: string): Client<T> {
  const methods: object = new Proxy(Object.create(null) as object, {
    get(_t, prop, receiver: object) {
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      const fn = (...args: unknown[]): Promise<unknown> => caller.call(target, prop, args);
      if (receiver === client) Object.defineProperty(client, prop, { value: fn });
      return fn;
    },
  });
  const client = Object.create(methods) as object;
  return client as Client<T>;
}
