import { createClient } from './create-client';
import type { ModuleCaller } from './module-caller';

describe('createClient', () => {
  const calls: unknown[][] = [];
  const caller = {
    call: (target: string, method: string, args: unknown[]) => {
      calls.push([target, method, args]);
      return Promise.resolve(`${target}.${method}`);
    },
  } as unknown as ModuleCaller;

  it('calls any method name on its target, and keeps the method after the first read', async () => {
    const client = createClient<{ get(k: string): Promise<string> }>(caller, 'storage');
    const first = client.get;
    expect(client.get).toBe(first); // kept on the client: later reads skip the proxy trap
    await expect(client.get('k')).resolves.toBe('storage.get');
    await expect(
      (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)['other']!(1, 2),
    ).resolves.toBe('storage.other');
    expect(calls).toEqual([
      ['storage', 'get', ['k']],
      ['storage', 'other', [1, 2]],
    ]);
  });

  it('is never mistaken for a promise, and symbols are not methods', async () => {
    const client = createClient<object>(caller, 'storage') as Record<string | symbol, unknown>;
    expect(client['then']).toBeUndefined();
    expect(client[Symbol.iterator]).toBeUndefined();
    await expect(Promise.resolve(client)).resolves.toBe(client);
  });

  it('gives each client its own methods', () => {
    const a = createClient<{ get(): Promise<unknown> }>(caller, 'a');
    const b = createClient<{ get(): Promise<unknown> }>(caller, 'b');
    expect(a.get).not.toBe(b.get);
  });
});
