import { join } from 'node:path';
import { type Frame, encodeFrame } from '@tessera/protocol';
import type { Connection, Listener } from '@tessera/transport';
import { prefixed, rawConnect, tick } from '../../test/raw-socket';
import { tempRoot } from '../../test/temp-dir';
import { IpcTransport } from './ipc-transport';

const dir = tempRoot('partial');
afterAll(() => dir.cleanup());

describe('ipc reassembly over a real socket', () => {
  let transport: IpcTransport;
  let listener: Listener;
  let received: Frame[];

  beforeEach(async () => {
    received = [];
    transport = new IpcTransport({ runtimeDir: join(dir.root, 'run') });
    listener = await transport.listen(undefined, (conn: Connection) => {
      conn.attach({ onFrame: (f) => received.push(f), onClose: () => undefined });
    });
  });
  afterEach(() => transport.close());

  async function until(count: number): Promise<void> {
    for (let i = 0; i < 200 && received.length < count; i++) await tick(5);
  }

  it('reassembles a frame split across many tiny writes', async () => {
    const frame: Frame = { t: 'event', source: 'spec', name: 'big', payload: 'z'.repeat(3000) };
    const bytes = prefixed(encodeFrame(frame));
    const raw = await rawConnect(listener.address);
    // Pause between writes so the reader really sees many small reads.
    for (let at = 0; at < bytes.length; at += 97) {
      raw.write(bytes.subarray(at, Math.min(bytes.length, at + 97)));
      if (at < 400) await tick(2);
    }
    await until(1);
    expect(received).toEqual([frame]);
    raw.destroy();
  });

  it('splits many frames written in one chunk', async () => {
    const frames: Frame[] = Array.from({ length: 2000 }, (_, i) => ({ t: 'cancel', id: i }));
    const raw = await rawConnect(listener.address);
    raw.write(Buffer.concat(frames.map((f) => prefixed(encodeFrame(f)))));
    await until(frames.length);
    expect(received).toEqual(frames);
    raw.destroy();
  });

  it('carries frames from its own writer in order, small and large mixed in one tick', async () => {
    const client = new IpcTransport();
    const conn = await client.connect(listener.address);
    const big = new Uint8Array(200_000).fill(7);
    const frames: Frame[] = [
      { t: 'cancel', id: 1 },
      { t: 'event', source: 's', name: 'big', payload: big },
      { t: 'cancel', id: 2 },
      { t: 'event', source: 's', name: 'big', payload: big },
    ];
    for (const f of frames) conn.send(f);
    await until(frames.length);
    expect(received.map((f) => f.t)).toEqual(['cancel', 'event', 'cancel', 'event']);
    expect(
      Buffer.from((received[3] as { payload: Uint8Array }).payload).equals(Buffer.from(big)),
    ).toBe(true);
    await client.close();
  });
});
