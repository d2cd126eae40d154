import { ErrorCode } from '@tessera/protocol';
import { codeOf } from '@tessera/protocol/testing';
import type { ModuleContext } from '@tessera/sdk';
import audit from './index';

describe('audit.readNote: reads a note through whatever grant audit holds', () => {
  it('calls storage.get with the note key, and checks the id first', async () => {
    const calls: unknown[][] = [];
    const ctx = {
      name: 'audit',
      on: async () => async () => undefined,
      call: async (...args: unknown[]) => {
        calls.push(args);
        return { id: '1' };
      },
    } as unknown as ModuleContext;
    const api = await audit.create(ctx);
    await expect(api.readNote('1')).resolves.toEqual({ id: '1' });
    expect(calls).toEqual([['storage', 'get', ['note:1']]]);
    expect(await codeOf(Promise.resolve().then(() => api.readNote('' as string)))).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
  });
});
