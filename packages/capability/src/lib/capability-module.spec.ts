import { ErrorCode, type TesseraError } from '@tessera/protocol';
import { DenyAllPolicyEngine, type ModuleFacts, type PolicyEngine } from '@tessera/policy';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import type { GrantInfo } from '@tessera/token-manager';
import { CapabilityModule } from './capability-module';
import type { ModuleDirectory } from './module-directory';
import { codeOf } from '@tessera/protocol/testing';

/** A recording directory: a fake of the layer below, for unit tests of this one. */
function directory(opts: { failInform?: boolean } = {}) {
  const log: string[] = [];
  const facts: Record<string, ModuleFacts> = {
    a: { name: 'a', provides: {}, requires: [] },
    b: { name: 'b', provides: {}, requires: [] },
  };
  const d: ModuleDirectory = {
    facts: (n) => facts[n],
    informTarget: async (t: string, _tok: string, i: GrantInfo) => {
      await new Promise((r) => setTimeout(r, 5)); // the ack takes time: the caller must wait for it
      if (opts.failInform) throw new Error('target gone');
      log.push(`informTarget ${t} from ${i.caller} [${i.methods.join(',')}]`);
    },
    informCaller: async (c, t) => void log.push(`informCaller ${c} for ${t}`),
    revokeAtTarget: async (t, ids) => void log.push(`revokeAtTarget ${t} ${ids.length}`),
    narrowAtTarget: async (t, _id, m) => void log.push(`narrowAtTarget ${t} [${m.join(',')}]`),
    narrowAtCaller: async (c, t, m) => void log.push(`narrowAtCaller ${c} ${t} [${m.join(',')}]`),
    dropAtCaller: async (c, t) => void log.push(`dropAtCaller ${c} ${t}`),
  };
  return { d, log };
}

describe('CapabilityModule', () => {
  const make = (engine: PolicyEngine, dir = directory()) => ({
    cap: new CapabilityModule(engine, dir.d, { sweepIntervalMs: 0 }),
    ...dir,
  });

  it('informs the target, waits for its ack, then informs the caller', async () => {
    const { cap, log } = make(
      new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x', 'y'] }]),
    );
    const issued = await cap.requestModule('a', 'b');
    expect(issued.methods).toEqual(['x', 'y']);
    expect(log).toEqual(['informTarget b from a [x,y]', 'informCaller a for b']);
    expect(JSON.stringify(cap.grants())).not.toContain(issued.token.split('.')[1]);
    await cap.close();
  });

  it('never grants more than was requested, whatever the policy offers', async () => {
    const { cap, log } = make(
      new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x', 'y', 'z'] }]),
    );
    expect((await cap.requestModule('a', 'b', ['y'])).methods).toEqual(['y']);
    const err = (await cap.requestModule('a', 'b', ['nope']).catch((e) => e)) as TesseraError;
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).toBe('none of the requested methods (nope) is granted');
    expect(log.filter((l) => l.startsWith('informTarget'))).toEqual(['informTarget b from a [y]']);
    await cap.close();
  });

  it('returns no token when the target does not acknowledge', async () => {
    const { cap, log } = make(
      new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x'] }]),
      directory({ failInform: true }),
    );
    expect(await codeOf(cap.requestModule('a', 'b'))).toBe(ErrorCode.UNAVAILABLE);
    expect(cap.grants()).toEqual([]);
    expect(log).toEqual([]);
    await cap.close();
  });

  it('denies by default, on engine errors and on malformed decisions, with the reason', async () => {
    const cases: [PolicyEngine, RegExp][] = [
      [new DenyAllPolicyEngine(), /no policy configured/],
      [
        {
          revision: 1,
          decide: async () => {
            throw new Error('wasm trap');
          },
          onChange: () => () => undefined,
          close: async () => undefined,
        },
        /policy engine error: wasm trap/,
      ],
      [
        {
          revision: 1,
          decide: async () => undefined as never,
          onChange: () => () => undefined,
          close: async () => undefined,
        },
        /no decision/,
      ],
      [
        {
          revision: 1,
          decide: async () => ({ allow: true, methods: 'all', ttlSeconds: 5, reason: '' }) as never,
          onChange: () => () => undefined,
          close: async () => undefined,
        },
        /malformed methods/,
      ],
      [
        {
          revision: 1,
          decide: async () => ({ allow: true, methods: ['x'], ttlSeconds: -1, reason: '' }),
          onChange: () => () => undefined,
          close: async () => undefined,
        },
        /ttlSeconds/,
      ],
      [
        {
          revision: 1,
          decide: async () =>
            ({ allow: 'yes', methods: ['x'], ttlSeconds: 5, reason: '' }) as never,
          onChange: () => () => undefined,
          close: async () => undefined,
        },
        /boolean allow/,
      ],
    ];
    for (const [engine, reason] of cases) {
      const { cap, log } = make(engine);
      const err = await cap.requestModule('a', 'b').catch((e: TesseraError) => e);
      expect(err).toMatchObject({ code: ErrorCode.PERMISSION_DENIED });
      expect((err as TesseraError).message).toMatch(reason);
      expect(log).toEqual([]);
      await cap.close();
    }
  });

  it('rejects unknown callers and targets, and bad arguments', async () => {
    const { cap } = make(new StaticPolicyEngine([]));
    expect(await codeOf(cap.requestModule('ghost', 'b'))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(await codeOf(cap.requestModule('a', 'ghost'))).toBe(ErrorCode.NOT_FOUND);
    expect(await codeOf(cap.requestModule('a', '../b'))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await codeOf(cap.requestModule('a', 'b', 'x' as never))).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    await cap.close();
  });

  it('keeps one grant per pair: a new request revokes the previous token at the target', async () => {
    const { cap, log } = make(
      new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x'] }]),
    );
    const first = await cap.requestModule('a', 'b');
    const second = await cap.requestModule('a', 'b');
    expect(second.token).not.toBe(first.token);
    expect(cap.grants()).toHaveLength(1);
    expect(log).toContain('revokeAtTarget b 1');
    await cap.close();
  });

  it('after a policy change, revokes grants no longer allowed and narrows shrunk ones, on both sides', async () => {
    const engine = new StaticPolicyEngine([
      { caller: 'a', target: 'b', methods: ['x', 'y'] },
      { caller: 'b', target: 'a', methods: ['z'] },
    ]);
    const { cap, log } = make(engine);
    await cap.requestModule('a', 'b');
    await cap.requestModule('b', 'a');
    log.length = 0;
    const events: string[] = [];
    cap.onEvent((e) => events.push(e.kind));
    engine.setRules([{ caller: 'a', target: 'b', methods: ['x', 'w'] }]);
    await cap.settled();
    expect(log).toEqual(
      expect.arrayContaining([
        'narrowAtTarget b [x]',
        'narrowAtCaller a b [x]',
        'revokeAtTarget a 1',
        'dropAtCaller b a',
      ]),
    );
    expect(cap.grants().map((g) => [g.caller, g.target, g.methods])).toEqual([['a', 'b', ['x']]]);
    expect(events.sort()).toEqual(['narrowed', 'revoked']);
    await cap.close();
  });

  it('revokes expired grants on both sides and every grant of an unloaded module', async () => {
    let now = 0;
    const dir = directory();
    const cap = new CapabilityModule(
      new StaticPolicyEngine([
        { caller: 'a', target: 'b', methods: ['x'], ttlSeconds: 1 },
        { caller: 'b', target: 'a', methods: ['x'] },
      ]),
      dir.d,
      {
        sweepIntervalMs: 5,
        now: () => now,
      },
    );
    await cap.requestModule('a', 'b');
    await cap.requestModule('b', 'a');
    now = 1000;
    await new Promise((r) => setTimeout(r, 30));
    expect(cap.grants().map((g) => g.caller)).toEqual(['b']);
    expect(dir.log).toContain('dropAtCaller a b');
    expect(await cap.revokeModule('a', 'unloaded')).toBe(1);
    expect(cap.grants()).toEqual([]);
    await cap.close();
  });
});
