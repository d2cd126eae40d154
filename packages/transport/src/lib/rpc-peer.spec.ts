import { ErrorCode, type Frame, TesseraError, encodeFrame } from '@tessera/protocol';
import type { Connection, ConnectionHandler } from './connection';
import { type CallHandler, RpcPeer } from './rpc-peer';

/** A carrier that encodes like the real ones and can be told to fail a send. */
class FakeConnection implements Connection {
  readonly id = 'fake';
  readonly peer = {};
  closed = false;
  readonly sent: Frame[] = [];
  handler: ConnectionHandler | undefined;
  /** Thrown by the next sends, one per send, before encoding. */
  readonly failures: unknown[] = [];

  send(frame: Frame): void {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    encodeFrame(frame);
    this.sent.push(frame);
  }
  attach(handler: ConnectionHandler): void {
    this.handler = handler;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

async function answerTo(
  handler: CallHandler,
  failures: unknown[] = [],
): Promise<{ sent: Frame[]; peer: RpcPeer }> {
  const conn = new FakeConnection();
  const peer = new RpcPeer(conn, { handler });
  conn.failures.push(...failures);
  conn.handler?.onFrame({ t: 'call', id: 9, token: '', method: 'get', args: [] });
  await new Promise((r) => setImmediate(r));
  return { sent: conn.sent, peer };
}

describe('RpcPeer: answers that cannot be sent', () => {
  it('replaces a result msgpack cannot carry with an INTERNAL error naming the method', async () => {
    const { sent } = await answerTo(async () => ({ when: 2n ** 64n }));
    expect(sent).toEqual([
      {
        t: 'error',
        id: 9,
        error: {
          code: ErrorCode.INTERNAL,
          message: "result of 'get' could not be encoded: a bigint beyond 64 bits",
        },
      },
    ]);
  });

  it('replaces an error whose data cannot be encoded, dropping the data', async () => {
    const { sent } = await answerTo(() => {
      throw TesseraError.notFound('gone', { retry: () => 1 });
    });
    expect(sent).toEqual([
      {
        t: 'error',
        id: 9,
        error: {
          code: ErrorCode.INTERNAL,
          message: "error of 'get' could not be encoded: a function",
        },
      },
    ]);
  });

  it('passes on a carrier limit with its code, and a non-Tessera failure as INTERNAL', async () => {
    const tooBig = new TesseraError(ErrorCode.RESOURCE_EXHAUSTED, 'frame of 9 bytes exceeds 8');
    expect((await answerTo(() => 'x', [tooBig])).sent).toEqual([
      {
        t: 'error',
        id: 9,
        error: {
          code: ErrorCode.RESOURCE_EXHAUSTED,
          message: "result of 'get' was not sent: frame of 9 bytes exceeds 8",
        },
      },
    ]);
    expect((await answerTo(() => 'x', [new Error('/secret/path')])).sent).toEqual([
      {
        t: 'error',
        id: 9,
        error: { code: ErrorCode.INTERNAL, message: "result of 'get' could not be sent" },
      },
    ]);
  });

  it('sends nothing more when the connection is gone, or when the replacement fails too', async () => {
    const gone = TesseraError.unavailable('connection closed');
    expect((await answerTo(() => 'x', [gone])).sent).toEqual([]);
    const full = new TesseraError(ErrorCode.RESOURCE_EXHAUSTED, 'send queue full');
    expect((await answerTo(() => 'x', [full, full])).sent).toEqual([]);
  });

  it('keeps serving after an answer it could not send', async () => {
    const { sent, peer } = await answerTo((call) => (call.id === 9 ? Symbol('x') : 'fine'));
    const conn = peer.connection as FakeConnection;
    conn.handler?.onFrame({ t: 'call', id: 10, token: '', method: 'get', args: [] });
    await new Promise((r) => setImmediate(r));
    expect(sent.map((f) => f.t)).toEqual(['error', 'result']);
    expect(sent[1]).toEqual({ t: 'result', id: 10, value: 'fine' });
  });
});

describe('RpcPeer: calls and events that cannot be sent', () => {
  it('rejects a call whose arguments cannot be encoded with INVALID_ARGUMENT, leaving nothing pending', async () => {
    const peer = new RpcPeer(new FakeConnection());
    await expect(peer.call('put', [Symbol('k')])).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
      message: "arguments of 'put' could not be encoded: a symbol",
    });
    expect(peer.pendingCount).toBe(0);
  });

  it('reports from emit whether the event went out, and never throws', async () => {
    const conn = new FakeConnection();
    const peer = new RpcPeer(conn);
    expect(peer.emit('m', 'changed', { at: () => 1 })).toBe(false);
    expect(peer.emit('m', 'changed', { at: 1 })).toBe(true);
    conn.failures.push(TesseraError.unavailable('gone'));
    expect(peer.emit('m', 'changed', 1)).toBe(false);
    await peer.close();
    expect(peer.emit('m', 'changed', 1)).toBe(false);
    expect(conn.sent).toEqual([{ t: 'event', source: 'm', name: 'changed', payload: { at: 1 } }]);
  });
});

describe('RpcPeer: pending calls', () => {
  it('matches every answer to its call, in any order, with more than a thousand in flight', async () => {
    const conn = new FakeConnection();
    const peer = new RpcPeer(conn);
    // 2,500 calls: ids a multiple of 1,024 apart share a slot of the pending table.
    const calls = Array.from({ length: 2500 }, (_, i) => peer.call('get', [i]));
    expect(peer.pendingCount).toBe(2500);
    const sent = conn.sent.filter((f) => f.t === 'call');
    // Answer the newest first, leaving the very first call for last.
    for (const f of [...sent.slice(1)].reverse())
      conn.handler?.onFrame({ t: 'result', id: f.id, value: (f.args[0] as number) * 2 });
    conn.handler?.onFrame({ t: 'result', id: sent[0]!.id, value: -1 });
    const values = await Promise.all(calls);
    expect(values[0]).toBe(-1);
    expect(values.slice(1)).toEqual(Array.from({ length: 2499 }, (_, i) => (i + 1) * 2));
    expect(peer.pendingCount).toBe(0);
    // A late or unknown answer is dropped, not matched to another call.
    const next = peer.call('get', [1]);
    conn.handler?.onFrame({ t: 'result', id: sent[0]!.id, value: 'stale' });
    conn.handler?.onFrame({ t: 'result', id: sent[0]!.id + 1024 * 3, value: 'stranger' });
    expect(peer.pendingCount).toBe(1);
    const id = conn.sent[conn.sent.length - 1]!;
    conn.handler?.onFrame({ t: 'result', id: (id as { id: number }).id, value: 'mine' });
    await expect(next).resolves.toBe('mine');
  });

  it('expires calls on the default timeout after it has passed since each call, never before', async () => {
    jest.useFakeTimers();
    try {
      const conn = new FakeConnection();
      const peer = new RpcPeer(conn, { defaultTimeoutMs: 100 });
      const first = peer.call('get', []);
      const firstOutcome = first.catch((e: TesseraError) => e.code);
      await jest.advanceTimersByTimeAsync(60);
      const second = peer.call('get', []);
      const secondOutcome = second.catch((e: TesseraError) => e.code);
      await jest.advanceTimersByTimeAsync(39); // 99 ms after the first
      expect(peer.pendingCount).toBe(2);
      await jest.advanceTimersByTimeAsync(30); // past 100 ms (and one sweep) for the first only
      await expect(firstOutcome).resolves.toBe(ErrorCode.TIMEOUT);
      expect(peer.pendingCount).toBe(1);
      await jest.advanceTimersByTimeAsync(30); // 99 ms after the second
      expect(peer.pendingCount).toBe(1);
      await jest.advanceTimersByTimeAsync(30);
      await expect(secondOutcome).resolves.toBe(ErrorCode.TIMEOUT);
      expect(conn.sent.filter((f) => f.t === 'cancel')).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('RpcPeer: token slots from a peer that hands frames over unchecked', () => {
  it('refuses a slot that is no slot number, without throwing, and drops the connection', async () => {
    for (const tokenSlots of [true, false]) {
      const conn = new FakeConnection();
      Object.assign(conn, { tokenSlots });
      const seen: string[] = [];
      new RpcPeer(conn, { handler: (call) => seen.push(call.token) });
      for (const tokenSlot of ['length', -1, 256, 1.5, '__proto__'])
        conn.handler?.onFrame({
          t: 'call',
          id: 1,
          token: 'tok',
          method: 'm',
          args: [],
          tokenSlot: tokenSlot as number,
          bindsSlot: true,
        });
      await new Promise((r) => setImmediate(r));
      expect(seen).toEqual([]);
      expect(conn.closed).toBe(true);
      expect(conn.sent.map((f) => f.t)).toEqual(['error', 'error', 'error', 'error', 'error']);
    }
  });
});
