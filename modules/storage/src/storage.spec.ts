import { ErrorCode, TesseraError } from '@tessera/protocol';
import { type ModuleContext, isModuleDefinition, specOf } from '@tessera/sdk';
import storage, { type StorageApi } from './index';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof TesseraError) return err.code;
    throw err;
  }
  return 'RETURNED';
}

async function create(): Promise<{ kv: StorageApi; emitted: [string, unknown][] }> {
  const emitted: [string, unknown][] = [];
  const ctx = {
    name: 'storage',
    emit: (event: string, payload: unknown) => emitted.push([event, payload]),
  } as unknown as ModuleContext;
  return { kv: await storage.create(ctx), emitted };
}

describe('storage module', () => {
  it('is a module definition named storage with exactly its four methods and the changed event', async () => {
    const { kv } = await create();
    expect(isModuleDefinition(storage)).toBe(true);
    expect(specOf(storage, kv)).toEqual({
      methods: [
        { name: 'get', params: ['key'] },
        { name: 'set', params: ['key', 'value'] },
        { name: 'delete', params: ['key'] },
        { name: 'list', params: ['prefix'] },
      ],
      events: [{ name: 'changed', params: ['key', 'op'] }],
    });
  });

  it('stores, lists by prefix, deletes, and emits changed for each change', async () => {
    const { kv, emitted } = await create();
    expect(kv.set('note:2', { t: 2 })).toBe(true);
    kv.set('note:1', 'one');
    kv.set('other', 3);
    expect(kv.get('note:2')).toEqual({ t: 2 });
    expect(kv.get('missing')).toBeUndefined();
    expect(kv.list('note:')).toEqual(['note:1', 'note:2']);
    expect(kv.list()).toEqual(['note:1', 'note:2', 'other']);
    expect(kv.delete('note:1')).toBe(true);
    expect(kv.delete('note:1')).toBe(false);
    expect(emitted).toEqual([
      ['changed', { key: 'note:2', op: 'set' }],
      ['changed', { key: 'note:1', op: 'set' }],
      ['changed', { key: 'other', op: 'set' }],
      ['changed', { key: 'note:1', op: 'delete' }],
    ]);
  });

  it('rejects keys that are not non-empty strings of at most 256 characters', async () => {
    const { kv, emitted } = await create();
    for (const key of ['', 'k'.repeat(257), 7, null, undefined, ['a'], { k: 1 }]) {
      expect(codeOf(() => kv.set(key as string, 1))).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(codeOf(() => kv.get(key as string))).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(codeOf(() => kv.delete(key as string))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
    expect(() => kv.set('', 1)).toThrow('key must be a non-empty string of at most 256 characters');
    expect(kv.set('k'.repeat(256), 1)).toBe(true);
    expect(codeOf(() => kv.list(5 as unknown as string))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => kv.set('k', undefined))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(emitted).toHaveLength(1);
  });
});
