import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { ErrorCode, type TesseraError, encodeFrame } from '@tessera/protocol';
import { RpcPeer } from '@tessera/transport';
import { contractHandler } from '@tessera/transport/testing';
import { closedOf, prefixed, rawConnect } from '../../test/raw-socket';
import { tempRoot } from '../../test/temp-dir';
import { IpcTransport } from './ipc-transport';
import type { Listener } from '@tessera/transport';

const dir = tempRoot('garbage');

/** Deterministic noise (an LCG), so a failure reproduces. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
afterAll(() => dir.cleanup());

describe('ipc listener under garbage input', () => {
  const warnings: { message: string; data?: Record<string, unknown> }[] = [];
  const serverCloses: (TesseraError | undefined)[] = [];
  const dispatched: unknown[] = [];
  let server: IpcTransport;
  let client: IpcTransport;
  let listener: Listener;
  let good: RpcPeer;

  beforeEach(async () => {
    warnings.length = 0;
    serverCloses.length = 0;
    dispatched.length = 0;
    server = new IpcTransport({
      runtimeDir: join(dir.root, 'run'),
      maxFrameBytes: 1024 * 1024,
      logger: {
        info: () => undefined,
        warn: (message, data) => warnings.push({ message, data }),
        error: () => undefined,
      },
    });
    const contract = contractHandler({ aborted: 0 });
    const handler: typeof contract = (call) => (dispatched.push(call.args[0]), contract(call));
    listener = await server.listen(undefined, (conn) => {
      new RpcPeer(conn, { handler, onClose: (err) => serverCloses.push(err) });
    });
    client = new IpcTransport();
    good = new RpcPeer(await client.connect(listener.address));
    await expect(good.call('echo', ['before'])).resolves.toBe('before');
  });

  afterEach(async () => {
    await good.close();
    await client.close();
    await server.close();
  });

  const cases: [string, () => Buffer, string, RegExp][] = [
    [
      'an oversized length prefix',
      () => Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
      ErrorCode.RESOURCE_EXHAUSTED,
      /length prefix 4294967295 exceeds maxFrameBytes 1048576/,
    ],
    [
      'a valid length with a non-msgpack payload',
      () => prefixed(Buffer.from([0xc1, 0xc1, 0xc1])),
      ErrorCode.INVALID_ARGUMENT,
      /malformed frame: not msgpack/,
    ],
    [
      'msgpack that is not a frame',
      () => prefixed(new Packr().pack([0, -1, '', 'echo', []])),
      ErrorCode.INVALID_ARGUMENT,
      /malformed frame: call frame needs a numeric id/,
    ],
    ...[1, 2, 3].map((seed): [string, () => Buffer, string, RegExp] => [
      `random bytes (seed ${seed})`,
      () => Buffer.concat([Buffer.from([0x00, 0x00, 0x02, 0x00]), noise(4096, seed)]),
      ErrorCode.INVALID_ARGUMENT,
      /malformed frame/,
    ]),
  ];

  it.each(cases)(
    'drops the connection that sends %s, logs why, and keeps serving others',
    async (_, bytes, code, pattern) => {
      const raw = await rawConnect(listener.address);
      raw.on('error', () => undefined);
      raw.write(bytes());
      await closedOf(raw);

      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toMatch(pattern);
      expect(warnings[0]?.message).toContain(listener.address);
      expect(warnings[0]?.data).toMatchObject({ code });
      expect(serverCloses).toEqual([expect.objectContaining({ code })]);

      await expect(good.call('echo', [{ still: 'served' }])).resolves.toEqual({ still: 'served' });
      const again = new RpcPeer(await client.connect(listener.address));
      await expect(again.call('echoArgs', [1, 2])).resolves.toEqual({ count: 2, args: [1, 2] });
      await again.close();
    },
  );

  it('delivers the good frames that came before the bad one in the same chunk', async () => {
    const call = (id: number) =>
      prefixed(encodeFrame({ t: 'call', id, token: '', method: 'echo', args: [id] }));
    const raw = await rawConnect(listener.address);
    raw.on('error', () => undefined);
    dispatched.length = 0;
    raw.write(Buffer.concat([call(101), call(102), prefixed(Buffer.from([0xc1])), call(103)]));
    await closedOf(raw);
    // 101 and 102 were dispatched in order; nothing after the bad frame was.
    expect(dispatched).toEqual([101, 102]);
    expect(serverCloses).toEqual([expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT })]);
    expect(warnings).toHaveLength(1);
  });
});
