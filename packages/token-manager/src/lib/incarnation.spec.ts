import { ErrorCode, type TesseraError } from '@tessera/protocol';
import { mintToken } from './token';
import { TokenManager } from './token-manager';

const now = 1_000_000;
const info = (incarnation?: number) => ({
  caller: 'alice',
  methods: ['read', 'event:changed'],
  expiresAt: now + 60_000,
  generation: 1,
  ...(incarnation !== undefined ? { incarnation } : {}),
});
const refusal = (fn: () => unknown): TesseraError | undefined => {
  try {
    fn();
  } catch (err) {
    return err as TesseraError;
  }
  return undefined;
};

describe('incarnations', () => {
  it('a manager that knows its incarnation refuses a grant minted for another one, or for none', () => {
    const second = new TokenManager('vault', { now: () => now, incarnation: 2 });
    const old = mintToken();
    const err = refusal(() => second.addGrant(old, info(1)));
    expect(err?.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(err?.message).toBe('token was minted for another incarnation of vault');
    expect(refusal(() => second.addGrant(mintToken(), info()))?.code).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    // Never stored, so the token is worth nothing at this incarnation's door.
    expect(second.grants()).toEqual([]);
    expect(refusal(() => second.verify(old, 'alice', 'read'))?.message).toBe(
      'unknown or revoked token',
    );
    const own = mintToken();
    expect(second.addGrant(own, info(2)).incarnation).toBe(2);
    expect(second.verify(own, 'alice', 'read').caller).toBe('alice');
  });

  it('a manager without one (the core, a remote host) takes any', () => {
    const m = new TokenManager('vault', { now: () => now });
    expect(m.incarnation).toBeUndefined();
    expect(m.addGrant(mintToken(), info(7)).incarnation).toBe(7);
    expect(m.addGrant(mintToken(), info()).incarnation).toBeUndefined();
  });
});

describe('liveGrantFor', () => {
  it("finds a caller's live grant holding a scope, usable with the connection's key", () => {
    let t = now;
    const m = new TokenManager('vault', { now: () => t });
    expect(m.liveGrantFor('alice', 'event:changed')).toBeUndefined();
    const bound = m.addGrant(mintToken(), { ...info(), callerKey: 'K' });
    expect(m.liveGrantFor('alice', 'event:changed', 'X')).toBeUndefined(); // another key
    expect(m.liveGrantFor('alice', 'event:changed', 'K')).toBe(bound);
    expect(m.liveGrantFor('alice', 'event:other', 'K')).toBeUndefined(); // scope not held
    expect(m.liveGrantFor('bob', 'event:changed', 'K')).toBeUndefined(); // another caller
    t = bound.expiresAt;
    expect(m.liveGrantFor('alice', 'event:changed', 'K')).toBeUndefined(); // expired
  });
});
