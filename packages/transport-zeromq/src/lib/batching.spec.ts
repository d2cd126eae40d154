import { ErrorCode, type Frame, TesseraError } from '@tessera/protocol';
import type { Connection } from '@tessera/transport';
import { ZeroMqTransport } from './zeromq-transport';

function codeOfThrow(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    return err instanceof TesseraError ? err.code : 'not a TesseraError';
  }
  return 'did not throw';
}

describe('zeromq batching and send limits', () => {
  let server: ZeroMqTransport;
  let client: ZeroMqTransport;
  let received: Frame[];
  let address: string;

  beforeEach(async () => {
    received = [];
    server = new ZeroMqTransport();
    const listener = await server.listen(undefined, (conn) =>
      conn.attach({ onFrame: (f) => received.push(f), onClose: () => undefined }),
    );
    address = listener.address;
  });

  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('sends frames queued in one tick as one ZeroMQ message, delivered in order', async () => {
    client = new ZeroMqTransport();
    const conn = await client.connect(address);
    const before = client.stats();
    for (let i = 0; i < 500; i++) conn.send({ t: 'event', source: 's', name: 'n', payload: i });
    for (let i = 0; i < 200 && received.length < 500; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(received.map((f) => (f.t === 'event' ? f.payload : undefined))).toEqual(
      Array.from({ length: 500 }, (_, i) => i),
    );
    const after = client.stats();
    expect(after.framesSent - before.framesSent).toBe(500);
    expect(after.batchesSent - before.batchesSent).toBe(1);
    expect(after.messagesSent - before.messagesSent).toBe(1);
    expect(server.stats().framesReceived).toBe(500);
  });

  it('splits a tick larger than the batch size into several messages, still in order', async () => {
    client = new ZeroMqTransport();
    const conn = await client.connect(address);
    const payload = 'x'.repeat(10_000);
    for (let i = 0; i < 60; i++) conn.send({ t: 'event', source: 's', name: String(i), payload });
    for (let i = 0; i < 200 && received.length < 60; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(received.map((f) => (f.t === 'event' ? f.name : ''))).toEqual(
      Array.from({ length: 60 }, (_, i) => String(i)),
    );
    expect(client.stats().batchesSent).toBeGreaterThan(1);
    expect(client.stats().batchesSent).toBeLessThan(10);
  });

  it('throws RESOURCE_EXHAUSTED for an oversized frame or a full queue, and UNAVAILABLE once closed', async () => {
    client = new ZeroMqTransport({ maxFrameBytes: 1024, maxQueuedFrames: 10 });
    const conn: Connection = await client.connect(address);
    expect(
      codeOfThrow(() =>
        conn.send({ t: 'event', source: 's', name: 'n', payload: 'x'.repeat(2_000) }),
      ),
    ).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    for (let i = 0; i < 10; i++) conn.send({ t: 'event', source: 's', name: 'n', payload: i });
    expect(codeOfThrow(() => conn.send({ t: 'event', source: 's', name: 'n', payload: 10 }))).toBe(
      ErrorCode.RESOURCE_EXHAUSTED,
    );
    await conn.close();
    expect(codeOfThrow(() => conn.send({ t: 'control', op: 'ping' }))).toBe(ErrorCode.UNAVAILABLE);
  });
});
