import { ErrorCode } from '@tessera/protocol';
import { checkHostListen, isLoopback, safeHostAddress } from './safe-address';

describe('safe addresses in network mode', () => {
  const refused = async (p: Promise<unknown> | (() => unknown)) => {
    try {
      await (typeof p === 'function' ? p() : p);
    } catch (err) {
      return err as { code: string; message: string };
    }
    throw new Error('expected a refusal');
  };

  it('counts only localhost, ::1 and 127.0.0.0/8 literals as loopback, not names that start with 127.', () => {
    for (const h of ['localhost', '::1', '127.0.0.1', '127.1.2.3'])
      expect(isLoopback(h)).toBe(true);
    for (const h of ['127.evil.example', '10.0.0.1', 'example.com', '1270.0.0.1'])
      expect(isLoopback(h)).toBe(false);
  });

  it('a remote host never advertises 0.0.0.0, nor loopback to a core on another machine', async () => {
    const far = 'tcp://10.9.8.7:7700';
    for (const [o, why] of [
      [{ core: far, advertise: '0.0.0.0' }, /names no machine/],
      [
        { core: far, advertise: '127.0.0.1' },
        /loopback address, which modules on other machines cannot reach/,
      ],
      [
        { core: far, listen: 'tcp://127.0.0.1:0' },
        /is loopback: modules on other machines \(the core is at 10\.9\.8\.7\)/,
      ],
    ] as const) {
      const err = await refused(safeHostAddress(o));
      expect(err.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(err.message).toMatch(why);
      expect(err.message).toMatch(/--listen .*--advertise/);
    }
    // An explicit address of this machine, or a name, is taken as given.
    await expect(safeHostAddress({ core: far, listen: 'tcp://10.9.8.1:0' })).resolves.toEqual({
      listen: 'tcp://10.9.8.1:0',
    });
    await expect(
      safeHostAddress({ core: far, advertise: 'search.example.lan' }),
    ).resolves.toMatchObject({ advertise: 'search.example.lan' });
  });

  it('listening everywhere, it advertises its address on the route to the core (loopback for a core on this machine)', async () => {
    await expect(safeHostAddress({ core: 'tcp://127.0.0.1:7700' })).resolves.toEqual({
      listen: 'tcp://0.0.0.0:0',
      advertise: '127.0.0.1',
      derived: '127.0.0.1',
    });
    await expect(
      safeHostAddress({ core: 'tcp://127.0.0.1:7700', listen: 'tcp://127.0.0.1:0' }),
    ).resolves.toEqual({ listen: 'tcp://127.0.0.1:0' });
  });

  it("the core's own hosts listen where remote hosts can reach them, or the config says why not", async () => {
    expect(checkHostListen({ listen: 'tcp://10.0.0.5:7700' })).toBe('tcp://10.0.0.5:0');
    expect(checkHostListen({ listen: 'tcp://127.0.0.1:0' })).toBe('tcp://127.0.0.1:0');
    expect(checkHostListen({ listen: 'tcp://0.0.0.0:7700', advertise: '10.0.0.5' })).toBe(
      'tcp://10.0.0.5:0',
    );
    for (const [network, why] of [
      [
        { listen: 'tcp://10.0.0.5:7700', hostListen: 'tcp://127.0.0.1:0' },
        /is loopback, but remote hosts reach the core at tcp:\/\/10\.0\.0\.5:7700/,
      ],
      [
        { listen: 'tcp://10.0.0.5:7700', hostListen: 'tcp://0.0.0.0:0' },
        /would advertise 0\.0\.0\.0/,
      ],
      [{ listen: 'tcp://0.0.0.0:7700', advertise: 'core.example.lan' }, /cannot be guessed/],
    ] as const) {
      const err = await refused(() => checkHostListen(network));
      expect(err.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(err.message).toMatch(why);
      expect(err.message).toMatch(/set network\.hostListen/);
    }
  });
});
