import { ErrorCode, TesseraError } from '@tessera/protocol';
import { TokenManager, mintToken } from '@tessera/token-manager';
import { ModuleProxy } from './module-proxy';

function setup(methods: string[], scope: string[], options = {}) {
  const ran: string[] = [];
  const instance = {
    add: (a: number, b: number) => (ran.push('add'), a + b),
    echo: (...xs: unknown[]) => (ran.push('echo'), xs),
    boom: () => {
      ran.push('boom');
      throw TesseraError.notFound('nope', { id: 1 });
    },
    who(ctx: { caller: string }) {
      ran.push('who');
      return ctx.caller;
    },
    hidden: () => ran.push('hidden'),
  };
  const tokens = new TokenManager('calc');
  const token = mintToken();
  tokens.addGrant(token, {
    caller: 'alice',
    methods: scope,
    expiresAt: Date.now() + 60_000,
    generation: 1,
  });
  const specs = methods.map((name) => ({ name, params: [], withContext: name === 'who' }));
  const proxy = new ModuleProxy(
    'calc',
    instance,
    { methods: specs, events: [{ name: 'tick', params: [] }] },
    tokens,
    options,
  );
  return { proxy, token, ran, tokens };
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as TesseraError).code;
  }
  return 'OK';
};

describe('ModuleProxy', () => {
  it('dispatches declared methods of any arity and propagates typed errors', () => {
    const { proxy, token } = setup(['add', 'echo', 'boom'], ['add', 'echo', 'boom']);
    expect(proxy.invoke(token, 'alice', 'add', [2, 3])).toBe(5);
    expect(proxy.invoke(token, 'alice', 'echo', [])).toEqual([]);
    expect(proxy.invoke(token, 'alice', 'echo', [1, 2, 3, 4, 5, 6, 7, 8])).toHaveLength(8);
    expect(() => proxy.invoke(token, 'alice', 'boom', [])).toThrow(
      expect.objectContaining({ code: ErrorCode.NOT_FOUND, data: { id: 1 } }),
    );
  });

  it('never dispatches an undeclared method, even a real one, even when granted', () => {
    const { proxy, token, ran } = setup(['add'], ['add', 'hidden']);
    expect(code(() => proxy.invoke(token, 'alice', 'hidden', []))).toBe(ErrorCode.METHOD_NOT_FOUND);
    expect(ran).toEqual([]);
  });

  it('tells a caller with a live grant that a misspelt method does not exist, with the nearest name', () => {
    const { proxy, token, ran } = setup(['add', 'echo'], ['add']);
    const err = (() => {
      try {
        proxy.invoke(token, 'alice', 'ehco', []);
      } catch (e) {
        return e as TesseraError;
      }
      throw new Error('resolved');
    })();
    expect(err.code).toBe(ErrorCode.METHOD_NOT_FOUND);
    expect(err.message).toBe("calc has no method 'ehco'; did you mean 'echo'?");
    expect(err.data).toEqual({ suggestion: 'echo' });
    // Nothing near: no suggestion. A real method outside the grant stays PERMISSION_DENIED.
    expect(() => proxy.invoke(token, 'alice', 'zzzzzzzz', [])).toThrow(
      "calc has no method 'zzzzzzzz'",
    );
    expect(code(() => proxy.invoke(token, 'alice', 'echo', []))).toBe(ErrorCode.PERMISSION_DENIED);
    expect(ran).toEqual([]);
  });

  it('tells a caller without a live grant nothing about the method table', () => {
    const { proxy, token, tokens } = setup(['add', 'echo'], ['add']);
    expect(code(() => proxy.invoke('forged', 'alice', 'ehco', []))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(code(() => proxy.invoke(token, 'mallory', 'ehco', []))).toBe(ErrorCode.UNAUTHENTICATED);
    tokens.revokeAll();
    expect(code(() => proxy.invoke(token, 'alice', 'ehco', []))).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('refuses to declare prototype members or internal names', () => {
    const tokens = new TokenManager('x');
    for (const name of [
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
      'prototype',
      '$describe',
      'then',
      'a.b',
    ]) {
      expect(
        () =>
          new ModuleProxy(
            'x',
            { [name]: () => 1 },
            { methods: [{ name, params: [] }], events: [] },
            tokens,
          ),
      ).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
    }
  });

  it('passes the authenticated caller, not anything from the arguments, to context methods', () => {
    const { proxy, token } = setup(['who'], ['who']);
    expect(proxy.invoke(token, 'alice', 'who', [{ caller: 'mallory' }])).toBe('alice');
  });

  it('describes methods and events to a holder of a live grant only', () => {
    const { proxy, token } = setup(['add'], ['add']);
    expect(proxy.describe(token, 'alice').methods.map((m) => m.name)).toEqual(['add']);
    expect(code(() => proxy.describe(mintToken(), 'alice'))).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('delivers events to granted subscribers and stops on revocation', () => {
    const { proxy, token, tokens } = setup(['add'], ['add', 'event:tick']);
    const got: unknown[] = [];
    proxy.subscribe(token, 'alice', 'tick', (_e, p) => got.push(p));
    expect(code(() => proxy.subscribe(token, 'alice', 'other', () => undefined))).toBe(
      ErrorCode.PERMISSION_DENIED,
    );
    expect(proxy.emit('tick', 1)).toBe(1);
    tokens.revokeAll();
    expect(proxy.emit('tick', 2)).toBe(0);
    expect(got).toEqual([1]);
    expect(() => proxy.emit('undeclared', 1)).toThrow(/undeclared event/);
  });

  it('in empty mode answers denied calls with undefined, never running code', () => {
    const { proxy, token, ran } = setup(['add'], ['echo'], { deniedResult: 'empty' });
    expect(proxy.invoke(token, 'alice', 'add', [1, 2])).toBeUndefined();
    expect(proxy.invoke('', 'alice', 'add', [1, 2])).toBeUndefined();
    expect(ran).toEqual([]);
  });
});
