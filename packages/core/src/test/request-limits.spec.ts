import { ErrorCode, type TesseraError } from '@tessera/protocol';
import { type Harness, startApp } from './fixtures';

/** What a hostile module sends: issue 11's 1.4 M-entry `methods` (12.6 MB, under the frame limit). */
const flood = (n = 1_400_000): string[] => Array.from({ length: n }, (_, i) => `m${i}`);

const errorOf = async (p: Promise<unknown>): Promise<TesseraError> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: TesseraError) => e,
  );

describe('requestModule refuses oversized requests before the policy sees them', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startApp([{ caller: 'eve', target: 'vault', methods: ['read'] }]);
  });
  afterEach(() => h.close());

  /** eve's core channel, as her host would hold it. */
  const coreChannel = async () => {
    const { token } = await h.app.core.issueToken('eve', 'core', []);
    return { core: await h.dial('core', 'eve'), token };
  };
  const request = async (arg: unknown): Promise<TesseraError> => {
    const { core, token } = await coreChannel();
    return errorOf(core.call('requestModule', [arg], { token }));
  };

  it('caps methods at 256 entries: INVALID_ARGUMENT, the policy never asked', async () => {
    const { core, token } = await coreChannel();
    const asked = h.policy.asked.length;
    const methods = flood();
    const err = await errorOf(core.call('requestModule', [{ to: 'vault', methods }], { token })); // the policy alone took ~21 s
    expect(err).toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
      message: 'methods lists 1400000 entries; at most 256 may be requested',
    });
    expect(h.policy.asked.length).toBe(asked);
    // 256 is still fine.
    const most = ['read', ...Array.from({ length: 255 }, (_, i) => `m${i}`)];
    await expect(
      core.call('requestModule', [{ to: 'vault', methods: most }], { token }),
    ).resolves.toMatchObject({ methods: ['read'] });
  });

  it('refuses long or malformed method names and targets, quoting at most a few dozen characters', async () => {
    const long = 'x'.repeat(1_000_000);
    const cases: [unknown, RegExp][] = [
      [{ to: 'vault', methods: [long] }, /^methods\[0\] has 1000000 characters; at most 128$/],
      [{ to: 'vault', methods: ['read', 'not a method'] }, /^methods\[1\] "not a method" is not/],
      [{ to: 'vault', methods: ['__proto__'] }, /is not a method name or event:<name> scope$/],
      [{ to: 'vault', methods: 'read' }, /^methods must be an array of strings/],
      [{ to: long }, /^requestModule: "x{64}… \(\+999936 chars\)" is not a module name$/],
      [
        { to: 'vault', extra: 1 },
        /^requestModule takes \{to, methods\?\}; unknown field\(s\): extra$/,
      ],
      [[], /^requestModule takes \{to, methods\?\}$/],
    ];
    for (const [arg, message] of cases) {
      const err = await request(arg);
      expect(err.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(err.message).toMatch(message);
      expect(err.message.length).toBeLessThan(200);
    }
  });

  it('quotes a forged `from` only in part', async () => {
    const err = await request({ to: 'vault', from: 'a'.repeat(100_000) });
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message.length).toBeLessThan(200);
  });

  it('the capability module checks the same, whoever calls it', async () => {
    const subject = { name: 'eve', provides: {}, requires: [] };
    const target = { name: 'vault', provides: {}, requires: [] };
    await expect(
      h.app.core.capability.requestModule({ subject, target, methods: flood(300) }),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT, message: /at most 256/ });
  });
});
