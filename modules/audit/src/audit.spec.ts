import { ErrorCode, TesseraError } from '@tessera/protocol';
import type { ModuleContext } from '@tessera/sdk';
import audit from './index';
import { MAX_RECENT } from './lib';

type Listener = (payload: unknown) => void;

function fakeContext(callResult: () => Promise<unknown>) {
  const listeners = new Map<string, Listener>();
  const ctx = {
    name: 'audit',
    on: async (target: string, event: string, l: Listener) => {
      listeners.set(`${target}.${event}`, l);
      return async () => undefined;
    },
    call: () => callResult(),
  } as unknown as ModuleContext;
  const fire = (source: string, payload: unknown) => listeners.get(source)?.(payload);
  return { ctx, listeners, fire };
}

describe('audit module', () => {
  it('subscribes to notes.noteAdded and storage.changed while created, and counts what it sees', async () => {
    const { ctx, listeners, fire } = fakeContext(async () => true);
    const api = await audit.create(ctx);
    expect([...listeners.keys()].sort()).toEqual(['notes.noteAdded', 'storage.changed']);
    fire('storage.changed', { key: 'note:1', op: 'set' });
    fire('notes.noteAdded', { id: '1', title: 't' });
    expect(api.summary()).toEqual({
      total: 2,
      bySource: { 'notes.noteAdded': 1, 'storage.changed': 1 },
    });
    expect(api.recent(1)).toEqual([
      { source: 'notes.noteAdded', payload: { id: '1', title: 't' }, at: expect.any(String) },
    ]);
  });

  it(`keeps at most ${MAX_RECENT} recent events but counts all`, async () => {
    const { ctx, fire } = fakeContext(async () => true);
    const api = await audit.create(ctx);
    for (let i = 0; i < MAX_RECENT + 5; i++) fire('storage.changed', { i });
    expect(api.summary().total).toBe(MAX_RECENT + 5);
    const recent = api.recent(MAX_RECENT);
    expect(recent).toHaveLength(MAX_RECENT);
    expect(recent[0]?.payload).toEqual({ i: 5 });
    expect(() => api.recent(0)).toThrow(`limit must be an integer from 1 to ${MAX_RECENT}`);
    expect(() => api.recent(MAX_RECENT + 1)).toThrow(TesseraError);
  });

  it('tryTamper reports a refusal with its code and reason, and rethrows anything else', async () => {
    const refused = fakeContext(async () => {
      throw TesseraError.permissionDenied("'set' is not granted to audit on storage");
    });
    await expect((await audit.create(refused.ctx)).tryTamper()).resolves.toEqual({
      denied: true,
      code: ErrorCode.PERMISSION_DENIED,
      reason: "'set' is not granted to audit on storage",
    });
    const allowed = fakeContext(async () => true);
    await expect((await audit.create(allowed.ctx)).tryTamper()).resolves.toEqual({ denied: false });
    const broken = fakeContext(async () => {
      throw TesseraError.unavailable('storage is gone');
    });
    await expect((await audit.create(broken.ctx)).tryTamper()).rejects.toThrow('storage is gone');
  });
});
