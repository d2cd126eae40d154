import { ErrorCode } from '@tessera/protocol';
import type { ModuleContext } from '@tessera/sdk';
import notes, { type NotesApi } from './index';
import { codeOf } from '@tessera/protocol/testing';

/** A fake context whose `storage` client is a plain map. */
async function create(): Promise<{
  api: NotesApi;
  data: Map<string, unknown>;
  emitted: [string, unknown][];
}> {
  const data = new Map<string, unknown>();
  const emitted: [string, unknown][] = [];
  const kv = {
    get: async (k: string) => data.get(k),
    set: async (k: string, v: unknown) => data.set(k, v) && true,
    delete: async (k: string) => data.delete(k),
    list: async (p = '') => [...data.keys()].filter((k) => k.startsWith(p)).sort(),
  };
  const ctx = {
    name: 'notes',
    client: (target: string) => {
      if (target === 'storage') return kv;
      if (target === 'audit') return { summary: async () => ({ total: 0, bySource: {} }) };
      throw new Error(`unexpected client for ${target}`);
    },
    emit: (event: string, payload: unknown) => emitted.push([event, payload]),
  } as unknown as ModuleContext;
  return { api: await notes.create(ctx), data, emitted };
}

describe('notes module', () => {
  it('adds a note to storage under note:<id> and emits noteAdded without the body', async () => {
    const { api, data, emitted } = await create();
    const note = await api.add('Groceries', 'milk, eggs');
    expect(note).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: 'Groceries',
      body: 'milk, eggs',
      createdAt: expect.any(String),
    });
    expect(data.get(`note:${note.id}`)).toEqual(note);
    expect(emitted).toEqual([['noteAdded', { id: note.id, title: 'Groceries' }]]);
    await expect(api.get(note.id)).resolves.toEqual(note);
  });

  it('lists notes oldest first and removes them', async () => {
    const { api } = await create();
    const a = await api.add('a', '');
    await new Promise((r) => setTimeout(r, 2));
    const b = await api.add('b', 'x');
    expect((await api.list()).map((n) => n.title)).toEqual(['a', 'b']);
    await expect(api.remove(a.id)).resolves.toBe(true);
    await expect(api.remove(a.id)).resolves.toBe(false);
    expect(await api.list()).toEqual([b]);
    expect(await codeOf(api.get(a.id))).toBe(ErrorCode.NOT_FOUND);
  });

  it('rejects bad titles, bodies and ids before touching storage', async () => {
    const { api, data } = await create();
    expect(await codeOf(api.add('', 'b'))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(api.add('t'.repeat(201), 'b'))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(api.add('t', 5 as unknown as string))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(api.get('../other'))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(api.remove('x'))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(data.size).toBe(0);
  });
});
