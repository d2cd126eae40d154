import type { DelegateOptions, ModuleContext } from '@tessera/sdk';
import notes from './index';

describe('notes.share: hands get on storage to another module', () => {
  it('delegates get on storage to the module named, through ctx.delegate, and returns the grant', async () => {
    const asked: [string, DelegateOptions][] = [];
    const kv = { list: async () => [], get: async () => undefined };
    const ctx = {
      name: 'notes',
      client: () => kv,
      emit: () => undefined,
      delegate: async (target: string, options: DelegateOptions) => {
        asked.push([target, options]);
        return {
          id: 'g',
          target,
          to: options.to,
          methods: options.methods,
          expiresAt: 1,
          chain: ['notes'],
        };
      },
    } as unknown as ModuleContext;
    const api = await notes.create(ctx);
    await expect(api.share('audit')).resolves.toMatchObject({ to: 'audit', methods: ['get'] });
    expect(asked).toEqual([['storage', { to: 'audit', methods: ['get'] }]]);
  });
});
