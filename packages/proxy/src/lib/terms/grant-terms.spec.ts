import { ErrorCode, type GrantTerms, type TesseraError } from '@tessera/protocol';
import { TokenManager, mintToken, tokenId } from '@tessera/token-manager';
import { ModuleProxy } from '../module-proxy';

/** A kv module behind a proxy, a manual clock, and one grant for alice with `terms`. */
function setup(terms: GrantTerms, resources: Record<string, string[]> = { get: ['key'] }) {
  const ran: string[] = [];
  const clock = { now: 1_000_000 };
  const instance = {
    get: (key: string) => (ran.push(`get ${key}`), key),
    set: (key: string, _value: unknown) => (ran.push(`set ${key}`), true),
    list: (prefix?: string) => (ran.push(`list ${String(prefix)}`), []),
  };
  const tokens = new TokenManager('kv', { now: () => clock.now });
  const token = mintToken();
  tokens.addGrant(token, {
    caller: 'alice',
    methods: ['get', 'set', 'list'],
    expiresAt: clock.now + 3_600_000,
    generation: 1,
    ...terms,
  });
  const methods = [
    { name: 'get', params: ['key'] },
    { name: 'set', params: ['key', 'value'] },
    { name: 'list', params: ['prefix'] },
  ].map((m) => ({ ...m, ...(resources[m.name] ? { resources: resources[m.name] } : {}) }));
  const proxy = new ModuleProxy('kv', instance, { methods, events: [] }, tokens);
  const call = (method: string, ...args: unknown[]) => proxy.invoke(token, 'alice', method, args);
  const errorOf = (method: string, ...args: unknown[]): TesseraError => {
    try {
      call(method, ...args);
    } catch (err) {
      return err as TesseraError;
    }
    throw new Error(`${method} was admitted`);
  };
  return { proxy, token, tokens, clock, ran, call, errorOf };
}

describe('rate limits at the door', () => {
  it('admits a burst, refuses the next with retryAfterMs, and recovers at the stated rate', () => {
    const { call, errorOf, clock, ran } = setup({ rateLimit: { perSecond: 4, burst: 2 } });
    call('get', 'a');
    call('get', 'b');
    const err = errorOf('get', 'c');
    expect(err).toMatchObject({
      code: ErrorCode.RESOURCE_EXHAUSTED,
      message: 'rate limit: alice may call kv 4 times a second (burst 2); retry in 250 ms',
      data: { retryAfterMs: 250, perSecond: 4, burst: 2 },
    });
    expect(ran).toEqual(['get a', 'get b']); // the refused call never ran
    clock.now += 249;
    expect(errorOf('get', 'c').data?.['retryAfterMs']).toBe(1);
    clock.now += 1;
    call('get', 'c');
    // Over 10 s at 4/s: 40 more calls fit, the 41st does not (counts, not wall-clock timing).
    let admitted = 0;
    for (let t = 0; t < 10_000; t += 50) {
      clock.now += 50;
      for (;;) {
        try {
          call('list', 'x');
          admitted++;
        } catch (e) {
          expect((e as TesseraError).code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
          break;
        }
      }
    }
    expect(admitted).toBe(40);
  });

  it('limits one method on its own, and needs room in both buckets without spending a refused call', () => {
    const { call, errorOf, clock } = setup({
      rateLimit: { perSecond: 10, burst: 3, perMethod: { set: { perSecond: 1, burst: 1 } } },
    });
    call('set', 'a', 1);
    expect(errorOf('set', 'b', 2)).toMatchObject({
      code: ErrorCode.RESOURCE_EXHAUSTED,
      message: 'rate limit: alice may call set on kv 1 time a second (burst 1); retry in 1000 ms',
      data: { retryAfterMs: 1000, method: 'set' },
    });
    call('get', 'a'); // the refused set took nothing from the overall bucket: 2 left
    call('get', 'b');
    expect(errorOf('get', 'c').data?.['retryAfterMs']).toBe(100);
    clock.now += 1000;
    call('set', 'c', 3);
  });

  it('keeps the bucket per caller: a renewed grant does not refill it', () => {
    const { call, errorOf, tokens } = setup({ rateLimit: { perSecond: 1, burst: 1 } });
    call('get', 'a');
    const renewed = mintToken();
    tokens.addGrant(renewed, {
      caller: 'alice',
      methods: ['get'],
      expiresAt: tokens.now() + 60_000,
      generation: 2,
      rateLimit: { perSecond: 1, burst: 1 },
    });
    expect(errorOf('get', 'b').code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
  });

  it('follows a narrowed limit (a reload), keeping what is left up to the new burst', () => {
    const { call, errorOf, tokens, token, clock } = setup({
      rateLimit: { perSecond: 100, burst: 100 },
    });
    call('get', 'a');
    tokens.narrow(tokenId(token) as string, ['get'], { rateLimit: { perSecond: 1, burst: 2 } });
    call('get', 'b');
    call('get', 'c');
    expect(errorOf('get', 'd').data?.['retryAfterMs']).toBe(1000);
    tokens.narrow(tokenId(token) as string, ['get'], {}); // the reload lifted it
    for (let i = 0; i < 50; i++) call('get', 'e');
    clock.now += 1;
  });
});

describe('resource constraints at the door', () => {
  it('admits keys inside the constraint and refuses others before the module runs', () => {
    const { call, errorOf, ran } = setup({ constraints: { get: { key: ['note:*', 'readme'] } } });
    expect(call('get', 'note:1')).toBe('note:1');
    expect(call('get', 'readme')).toBe('readme');
    expect(errorOf('get', 'config:admin')).toMatchObject({
      code: ErrorCode.PERMISSION_DENIED,
      message: `key "config:admin" is outside this grant's constraint on get.key`,
      data: { constraint: 'get.key' },
    });
    expect(errorOf('get', 'readme2').code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(errorOf('get', 42).message).toBe(
      "key must be a string under this grant's constraint on get.key (got number)",
    );
    expect(errorOf('get').message).toBe(
      "key must be a string under this grant's constraint on get.key (got undefined)",
    );
    call('set', 'anything', 1); // unconstrained method
    expect(ran).toEqual(['get note:1', 'get readme', 'set anything']);
  });

  it('matches prefix, suffix, both, exact and anything; cuts a long value in the message', () => {
    const { call, errorOf } = setup({
      constraints: { get: { key: ['a*', '*.txt', 'x*y', 'exact'] } },
    });
    for (const ok of ['a', 'abc', 'b.txt', '.txt', 'xy', 'x-y', 'exact']) call('get', ok);
    for (const no of ['b', 'txt', 'x', 'yx', 'exactly', 'Exact'])
      expect(errorOf('get', no).code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(errorOf('get', 'z'.repeat(1000)).message).toBe(
      `key "${'z'.repeat(64)}…" is outside this grant's constraint on get.key`,
    );
    const any = setup({ constraints: { get: { key: ['*'] } } });
    any.call('get', '');
  });

  it('refuses every call of a method whose constraint names no declared resource (fail closed)', () => {
    const { errorOf, ran } = setup({ constraints: { list: { prefix: ['note:'] } } });
    expect(errorOf('list', 'note:').message).toBe(
      'this grant constrains list.prefix, which kv does not declare as a resource: refused',
    );
    expect(ran).toEqual([]);
  });

  it('follows a reload that changes the constraint', () => {
    const { call, errorOf, tokens, token } = setup({ constraints: { get: { key: ['a*'] } } });
    call('get', 'a1');
    tokens.narrow(tokenId(token) as string, ['get', 'set', 'list'], {
      constraints: { get: { key: ['b*'] } },
    });
    expect(errorOf('get', 'a1').code).toBe(ErrorCode.PERMISSION_DENIED);
    call('get', 'b1');
  });

  it('refuses to build a proxy whose declared resource is not a parameter', () => {
    expect(() => setup({}, { get: ['id'] })).toThrow(
      "kv: get declares resource parameter 'id', but its parameters are (key)",
    );
  });

  it('counts a refused constraint against the rate limit: the limit comes first', () => {
    const { call, errorOf } = setup({
      constraints: { get: { key: ['a*'] } },
      rateLimit: { perSecond: 1, burst: 2 },
    });
    expect(errorOf('get', 'b').code).toBe(ErrorCode.PERMISSION_DENIED);
    call('get', 'a');
    expect(errorOf('get', 'a').code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
  });
});

describe('the active call (ctx.caller, ctx.signal)', () => {
  it('is the dispatched grant during the synchronous part of the method only', async () => {
    const clock = { now: 5_000 };
    const tokens = new TokenManager('kv', { now: () => clock.now });
    const token = mintToken();
    tokens.addGrant(token, {
      caller: 'alice',
      methods: ['who'],
      expiresAt: 65_000,
      generation: 1,
      constraints: { who: { x: ['*'] } },
    });
    const seen: unknown[] = [];
    const instance = {
      who: async (x: string) => {
        seen.push(proxy.active()?.grant.caller, proxy.active()?.signal?.aborted);
        await null;
        seen.push(proxy.active());
        return x;
      },
    };
    const proxy: ModuleProxy = new ModuleProxy(
      'kv',
      instance,
      { methods: [{ name: 'who', params: ['x'], resources: ['x'] }], events: [] },
      tokens,
    );
    const ctl = new AbortController();
    const done = proxy.invoke(token, 'alice', 'who', ['1'], { signal: ctl.signal });
    expect(proxy.active()).toBeUndefined();
    await done;
    expect(seen).toEqual(['alice', false, undefined]);
  });
});
