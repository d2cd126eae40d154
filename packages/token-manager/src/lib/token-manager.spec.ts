import { ErrorCode, type TesseraError } from '@tessera/protocol';
import { constantTimeEqual, fingerprint, mintToken, parseToken } from './token';
import { TokenManager } from './token-manager';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as TesseraError).code;
  }
  return 'OK';
};

describe('tokens', () => {
  it('are 256 random bits as <id>.<secret>, all distinct', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const t = mintToken();
      expect(parseToken(t)).toBeDefined();
      seen.add(t);
    }
    expect(seen.size).toBe(10_000);
    const { secret } = parseToken(mintToken())!;
    expect(Buffer.from(secret, 'base64url')).toHaveLength(16);
  });

  it('compares in constant time and still correctly', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'ab')).toBe(false);
  });

  it('fingerprints never contain the token', () => {
    const t = mintToken();
    const fp = fingerprint(t);
    expect(fp).toHaveLength(12);
    expect(t).not.toContain(fp);
    expect(fp).toBe(fingerprint(t));
  });
});

describe('TokenManager', () => {
  let now = 1_000_000;
  const tm = () => new TokenManager('vault', { now: () => now });
  const info = (over: Partial<{ caller: string; methods: string[]; expiresAt: number }> = {}) => ({
    caller: 'alice',
    methods: ['read'],
    expiresAt: now + 60_000,
    generation: 1,
    ...over,
  });

  it('verifies caller, scope and expiry, with distinct codes', () => {
    const m = tm();
    const t = mintToken();
    m.addGrant(t, info());
    expect(m.verify(t, 'alice', 'read').caller).toBe('alice');
    expect(codeOf(() => m.verify(t, 'alice', 'write'))).toBe(ErrorCode.PERMISSION_DENIED);
    expect(codeOf(() => m.verify(t, 'bob', 'read'))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(codeOf(() => m.verify('', 'alice', 'read'))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(codeOf(() => m.verify(undefined, 'alice', 'read'))).toBe(ErrorCode.UNAUTHENTICATED);
    // right id, wrong secret
    const forged = t.slice(0, 23) + mintToken().slice(23);
    expect(codeOf(() => m.verify(forged, 'alice', 'read'))).toBe(ErrorCode.UNAUTHENTICATED);
    now += 60_000;
    expect(() => m.verify(t, 'alice', 'read')).toThrow('token expired');
    expect(m.grants()).toEqual([]);
  });

  it('revokes one grant, by caller, or all; narrows scope', () => {
    const m = tm();
    const [a, b, c] = [mintToken(), mintToken(), mintToken()];
    m.addGrant(a, info());
    m.addGrant(b, info({ caller: 'bob', methods: ['read', 'write'] }));
    m.addGrant(c, info({ caller: 'bob' }));
    expect(m.revoke(parseToken(a)!.id)).toBe(true);
    expect(codeOf(() => m.verify(a, 'alice', 'read'))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(m.narrow(parseToken(b)!.id, ['read'])).toBe(true);
    expect(codeOf(() => m.verify(b, 'bob', 'write'))).toBe(ErrorCode.PERMISSION_DENIED);
    expect(m.revokeByCaller('bob')).toBe(2);
    m.addGrant(a, info());
    expect(m.revokeAll()).toBe(1);
  });

  it('keeps inbound grants and outbound tokens in separate stores', () => {
    const m = tm();
    const t = mintToken();
    m.setOutbound('storage', t, ['get'], now + 1000);
    expect(codeOf(() => m.verify(t, undefined, 'get'))).toBe(ErrorCode.UNAUTHENTICATED);
    m.addGrant(mintToken(), info());
    expect(m.outbound('alice')).toBeUndefined();
    expect(m.outbound('storage')?.token).toBe(t);
    now += 1000;
    expect(m.outbound('storage')).toBeUndefined();
  });

  it('never exposes secrets through grants()', () => {
    const m = tm();
    const t = mintToken();
    m.addGrant(t, info());
    expect(JSON.stringify(m.grants())).not.toContain(parseToken(t)!.secret);
  });

  it('stays correct under thousands of interleaved concurrent async operations', async () => {
    const m = tm();
    const callers = ['a', 'b', 'c', 'd'];
    const issued: { token: string; caller: string; revoked: boolean }[] = [];
    const violations: string[] = [];
    const tick = () =>
      new Promise<void>((r) => (Math.random() < 0.5 ? queueMicrotask(r) : setImmediate(r)));
    const worker = async (w: number) => {
      for (let i = 0; i < 250; i++) {
        await tick();
        const op = (w * 7 + i) % 4;
        if (op === 0 || issued.length === 0) {
          const token = mintToken();
          const caller = callers[(w + i) % callers.length] as string;
          m.addGrant(token, info({ caller, methods: ['read'] }));
          issued.push({ token, caller, revoked: false });
        } else if (op === 1) {
          const g = issued[(w * 31 + i) % issued.length]!;
          m.revoke(parseToken(g.token)!.id);
          g.revoked = true;
        } else {
          const g = issued[(w * 13 + i) % issued.length]!;
          await tick();
          let ok = true;
          try {
            m.verify(g.token, g.caller, 'read');
          } catch {
            ok = false;
          }
          if (ok === g.revoked) violations.push(`${g.caller} revoked=${g.revoked} ok=${ok}`);
          const other = callers.find((c) => c !== g.caller) as string;
          try {
            m.verify(g.token, other, 'read');
            violations.push('accepted for the wrong caller');
          } catch {
            // expected
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, w) => worker(w))); // 10,000 operations
    expect(violations).toEqual([]);
    const live = issued.filter((g) => !g.revoked).length;
    expect(m.grants()).toHaveLength(live);
    for (const c of callers) {
      m.revokeByCaller(c);
    }
    expect(m.grants()).toHaveLength(0);
  });
});

describe('key-bound grants', () => {
  const now = 5_000;
  const m = () => new TokenManager('vault', { now: () => now });
  it('accept a token only on a connection authenticated with the caller host key', () => {
    const tm = m();
    const t = mintToken();
    tm.addGrant(t, {
      caller: 'alice',
      methods: ['read'],
      expiresAt: now + 1000,
      generation: 1,
      callerKey: 'K'.repeat(40),
    });
    expect(tm.verify(t, 'alice', 'read', 'K'.repeat(40)).caller).toBe('alice');
    expect(() => tm.verify(t, 'alice', 'read', 'X'.repeat(40))).toThrow(
      'token is bound to another connection key',
    );
    expect(() => tm.verify(t, 'alice', 'read')).toThrow('token is bound to another connection key');
    const g = tm.verify(t, 'alice', 'read', 'K'.repeat(40));
    expect(() => tm.recheck(g, 'alice', 'read', 'X'.repeat(40))).toThrow(
      'token is bound to another connection key',
    );
    expect(tm.callerForKey('K'.repeat(40))).toBe('alice');
    expect(tm.callerForKey('X'.repeat(40))).toBeUndefined();
  });
});

describe('TokenManager: a grant a connection verified once (recheck)', () => {
  const setup = (now = { t: 1_000 }) => {
    const tm = new TokenManager('vault', { now: () => now.t });
    const token = mintToken();
    const info = { caller: 'alice', methods: ['read'], expiresAt: 5_000, generation: 1 };
    const g = tm.addGrant(token, info);
    return { tm, token, info, g, now };
  };

  it('is accepted while stored, unexpired and in scope, whatever else the store holds', () => {
    const { tm, g } = setup();
    for (let i = 0; i < 1000; i++)
      tm.addGrant(mintToken(), {
        caller: `m${i}`,
        methods: ['read'],
        expiresAt: 5_000,
        generation: 1,
      });
    expect(tm.recheck(g, 'alice', 'read')).toBe(g);
    expect(codeOf(() => tm.recheck(g, 'alice', 'write'))).toBe(ErrorCode.PERMISSION_DENIED);
    expect(codeOf(() => tm.recheck(g, 'bob', 'read'))).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it.each([
    ['revoked', ({ tm, g }: ReturnType<typeof setup>) => tm.revoke(g.id)],
    ['revoked with its caller', ({ tm }: ReturnType<typeof setup>) => tm.revokeByCaller('alice')],
    ['revoked with every grant', ({ tm }: ReturnType<typeof setup>) => tm.revokeAll()],
    [
      'replaced under the same id',
      ({ tm, token, info }: ReturnType<typeof setup>) => tm.addGrant(token, info),
    ],
    [
      'pruned once expired',
      ({ tm, now }: ReturnType<typeof setup>) => {
        now.t = 5_000;
        tm.pruneExpired();
        now.t = 1_000; // even with the clock back, it is gone
      },
    ],
  ])('is refused on the very next check once %s', (_what, change) => {
    const s = setup();
    expect(s.tm.recheck(s.g, 'alice', 'read')).toBe(s.g);
    change(s);
    expect(codeOf(() => s.tm.recheck(s.g, 'alice', 'read'))).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('is refused once expired, and by another manager; narrowing applies at once', () => {
    const s = setup();
    s.tm.narrow(s.g.id, ['event:changed']);
    expect(codeOf(() => s.tm.recheck(s.g, 'alice', 'read'))).toBe(ErrorCode.PERMISSION_DENIED);
    s.tm.narrow(s.g.id, ['read']);
    expect(codeOf(() => setup().tm.recheck(s.g, 'alice', 'read'))).toBe(ErrorCode.UNAUTHENTICATED);
    s.now.t = 5_000;
    expect(codeOf(() => s.tm.recheck(s.g, 'alice', 'read'))).toBe(ErrorCode.UNAUTHENTICATED);
    s.now.t = 1_000;
    expect(codeOf(() => s.tm.recheck(s.g, 'alice', 'read'))).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('never shows its bookkeeping: grants() and JSON carry no reference to the manager', () => {
    const { tm, g } = setup();
    expect(Object.keys(g)).not.toContain('heldBy');
    expect(JSON.stringify(tm.grants())).not.toContain('heldBy');
    expect(tm.grants()[0]).not.toHaveProperty('heldBy');
  });
});
