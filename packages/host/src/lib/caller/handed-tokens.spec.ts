import { TesseraError } from '@tessera/protocol';
import type { RpcPeer } from '@tessera/transport';
import type { DelegatedRoute } from '../contracts/module-core-api';
import { HandedTokens } from './handed-tokens';
import type { Dialer } from './module-caller';

const route = (id: string, methods: string[], expiresAt = 10_000): DelegatedRoute => ({
  target: 'storage',
  id,
  token: `token-${id}`,
  methods,
  expiresAt,
  generation: 1,
  address: 'ipc://storage',
  delegatedBy: 'notes',
});

/** A dialer whose peers answer with the token's outcome: `dead` tokens are refused. */
function fakeDialer(dead: Set<string>) {
  const used: string[] = [];
  const dial: Dialer = async () =>
    ({
      closed: false,
      close: async () => undefined,
      call: async (method: string, _args: unknown[], _o: unknown, token: string) => {
        used.push(token);
        if (dead.has(token)) throw TesseraError.unauthenticated('unknown or revoked token');
        return `${method} via ${token}`;
      },
    }) as unknown as RpcPeer;
  return { dial, used };
}

describe('HandedTokens: delegated tokens beside the module’s own', () => {
  it('is used only for methods the own grant lacks, newest first', async () => {
    const { dial } = fakeDialer(new Set());
    const handed = new HandedTokens(dial, () => 0);
    handed.add(route('a', ['get']));
    handed.add(route('b', ['get', 'list']));
    expect(handed.holds('storage')).toBe(true);
    expect(handed.pick('storage', 'get', new Set(['get']))).toBeUndefined();
    const h = handed.pick('storage', 'get', new Set(['event:changed']));
    await expect(handed.call(h as never, 'get', [], {})).resolves.toBe('get via token-b');
    expect(handed.pick('storage', 'set', undefined)).toBeUndefined();
  });

  it('drops a token the target refuses and tries the next one covering the method, else refuses', async () => {
    const dead = new Set(['token-b']);
    const { dial, used } = fakeDialer(dead);
    const handed = new HandedTokens(dial, () => 0);
    handed.add(route('a', ['get']));
    handed.add(route('b', ['get']));
    await expect(
      handed.call(handed.pick('storage', 'get', undefined) as never, 'get', [], {}),
    ).resolves.toBe('get via token-a');
    expect(used).toEqual(['token-b', 'token-a']);
    dead.add('token-a');
    await expect(
      handed.call(handed.pick('storage', 'get', undefined) as never, 'get', [], {}),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(handed.holds('storage')).toBe(false);
  });

  it('forgets expired tokens by its own clock', () => {
    const clock = { now: 0 };
    const handed = new HandedTokens(fakeDialer(new Set()).dial, () => clock.now);
    handed.add(route('a', ['get'], 100));
    clock.now = 100;
    expect(handed.pick('storage', 'get', undefined)).toBeUndefined();
    expect(handed.holds('storage')).toBe(false);
  });
});
