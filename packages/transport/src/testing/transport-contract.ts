import { ErrorCode, type EventFrame, type Frame, TesseraError } from '@tessera/protocol';
import type { Transport } from '../lib/connection';
import { RpcPeer } from '../lib/rpc-peer';

/** A running contract server, wherever it lives (this process or a child). */
export interface ContractServer {
  readonly address: string;
  /** Stop the server gracefully. */
  stop(): Promise<void>;
  /** Kill it abruptly (SIGKILL for a child process); in-process: drop every connection. */
  kill(): Promise<void>;
}

/** What a transport package provides to run the contract against itself. */
export interface ContractHarness {
  /** The transport the client side connects with. */
  client(): Transport;
  /** Start a server that runs {@link serveContract} on this transport. */
  startServer(): Promise<ContractServer>;
}

async function rejection(p: Promise<unknown>): Promise<TesseraError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TesseraError) return err;
    throw new Error(`expected a TesseraError, got ${String(err)}`);
  }
  throw new Error('expected the call to reject, but it resolved');
}

/**
 * The one behaviour every transport must show. Runs with jest globals.
 * Assertions are on error `code`, never on `instanceof` across a boundary.
 */
export function describeTransportContract(name: string, harness: () => ContractHarness): void {
  describe(`transport contract: ${name}`, () => {
    let h: ContractHarness;
    let server: ContractServer;
    let transport: Transport;
    const peers: RpcPeer[] = [];

    async function connect(options: { onEvent?: (e: EventFrame) => void } = {}): Promise<RpcPeer> {
      const conn = await transport.connect(server.address);
      const peer = new RpcPeer(conn, options);
      peers.push(peer);
      return peer;
    }

    beforeEach(async () => {
      h = harness();
      transport = h.client();
      server = await h.startServer();
    });

    afterEach(async () => {
      await Promise.all(peers.splice(0).map((p) => p.close()));
      await server.stop();
      await transport.close();
    });

    it('round-trips plain values of every msgpack type', async () => {
      const peer = await connect();
      const values = [
        0,
        -1,
        1.5,
        2 ** 53 - 1,
        'text',
        'ünïcødé ✓',
        true,
        false,
        null,
        [],
        [1, [2, [3]]],
        { a: 1, nested: { b: [true, null] } },
        'x'.repeat(100_000),
      ];
      for (const v of values) {
        await expect(peer.call('echo', [v])).resolves.toEqual(v);
      }
    });

    it('round-trips undefined as a result and as arguments, keeping arity', async () => {
      const peer = await connect();
      await expect(peer.call('echo', [undefined])).resolves.toBeUndefined();
      await expect(peer.call('echo', [])).resolves.toBeUndefined();
      const r = (await peer.call('echoArgs', [undefined, 1, undefined])) as {
        count: number;
        args: unknown[];
      };
      expect(r.count).toBe(3);
      expect(r.args[0]).toBeUndefined();
      expect(r.args[1]).toBe(1);
    });

    it('round-trips binary data byte for byte', async () => {
      const peer = await connect();
      const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
      const back = (await peer.call('echo', [bytes])) as Uint8Array;
      expect(ArrayBuffer.isView(back)).toBe(true);
      expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
      const empty = (await peer.call('echo', [new Uint8Array(0)])) as Uint8Array;
      expect(empty.byteLength).toBe(0);
    });

    it('keeps 1000 concurrent calls correlated', async () => {
      const peer = await connect();
      const results = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => peer.call('echo', [i])),
      );
      expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    });

    it('carries a thrown TesseraError as {code, message, data}', async () => {
      const peer = await connect();
      const err = await rejection(
        peer.call('throwTessera', [ErrorCode.NOT_FOUND, 'no such note', { id: 7 }]),
      );
      expect(err.code).toBe(ErrorCode.NOT_FOUND);
      expect(err.message).toBe('no such note');
      expect(err.data).toEqual({ id: 7 });
    });

    it('turns an unexpected Error into INTERNAL without leaking its message', async () => {
      const peer = await connect();
      const err = await rejection(peer.call('throwError', ['boom']));
      expect(err.code).toBe(ErrorCode.INTERNAL);
      expect(err.message).not.toContain('secret');
      expect(err.message).not.toContain('boom');
    });

    it('turns non-Error throws and rejections into INTERNAL', async () => {
      const peer = await connect();
      for (const v of [
        'a string',
        42,
        { code: 'PERMISSION_DENIED', message: 'forged' },
        null,
        undefined,
      ]) {
        expect((await rejection(peer.call('throwValue', [v]))).code).toBe(ErrorCode.INTERNAL);
        expect((await rejection(peer.call('rejectValue', [v]))).code).toBe(ErrorCode.INTERNAL);
      }
    });

    it('answers a result or error msgpack cannot carry with INTERNAL naming the method, and keeps serving', async () => {
      const peer = await connect();
      const reasons: Record<string, string> = {
        function: 'a function',
        symbol: 'a symbol',
        bigint: 'a bigint beyond 64 bits',
        cycle: 'a circular or too deeply nested value',
      };
      // A short timeout: an answer that is dropped fails as TIMEOUT, not as a hung test.
      for (const [kind, reason] of Object.entries(reasons)) {
        const err = await rejection(peer.call('unencodable', [kind], { timeoutMs: 3_000 }));
        expect({ code: err.code, message: err.message }).toEqual({
          code: ErrorCode.INTERNAL,
          message: `result of 'unencodable' could not be encoded: ${reason}`,
        });
      }
      const err = await rejection(peer.call('throwUnencodable', ['bigint'], { timeoutMs: 3_000 }));
      expect({ code: err.code, message: err.message }).toEqual({
        code: ErrorCode.INTERNAL,
        message: `error of 'throwUnencodable' could not be encoded: a bigint beyond 64 bits`,
      });
      await expect(peer.call('echo', ['still serving'])).resolves.toBe('still serving');
    });

    it('refuses arguments msgpack cannot carry with INVALID_ARGUMENT, before sending', async () => {
      const peer = await connect();
      const err = await rejection(peer.call('echo', [{ f: () => 1 }], { timeoutMs: 3_000 }));
      expect({ code: err.code, message: err.message }).toEqual({
        code: ErrorCode.INVALID_ARGUMENT,
        message: `arguments of 'echo' could not be encoded: a function`,
      });
      expect(peer.pendingCount).toBe(0);
      await expect(peer.call('echo', [1])).resolves.toBe(1);
    });

    it('drops an event payload msgpack cannot carry, and the events after it still flow', async () => {
      const got: unknown[] = [];
      const peer = await connect({ onEvent: (e) => got.push(e.payload) });
      await expect(peer.call('emitUnencodable', ['function'])).resolves.toEqual([false, true]);
      for (let i = 0; i < 50 && got.length < 1; i++) await new Promise((r) => setTimeout(r, 5));
      expect(got).toEqual(['after']);
    });

    it('answers an unknown method with METHOD_NOT_FOUND and keeps serving', async () => {
      const peer = await connect();
      expect((await rejection(peer.call('nope', []))).code).toBe(ErrorCode.METHOD_NOT_FOUND);
      await expect(peer.call('echo', ['still here'])).resolves.toBe('still here');
    });

    it('times out a slow call with TIMEOUT and keeps the connection usable', async () => {
      const peer = await connect();
      const started = Date.now();
      const err = await rejection(peer.call('sleep', [2_000], { timeoutMs: 50 }));
      expect(err.code).toBe(ErrorCode.TIMEOUT);
      expect(Date.now() - started).toBeLessThan(1_500);
      await expect(peer.call('echo', [1])).resolves.toBe(1);
    });

    it('cancels with an AbortSignal, and the server sees the cancel', async () => {
      const peer = await connect();
      const ctl = new AbortController();
      const call = peer.call('waitForAbort', [], { signal: ctl.signal });
      await new Promise((r) => setTimeout(r, 30));
      ctl.abort();
      expect((await rejection(call)).code).toBe(ErrorCode.CANCELLED);
      let seen = 0;
      for (let i = 0; i < 50 && seen === 0; i++) {
        seen = (await peer.call('abortedCount', [])) as number;
        if (seen === 0) await new Promise((r) => setTimeout(r, 10));
      }
      expect(seen).toBe(1);
    });

    it('rejects a call whose signal is already aborted without sending it', async () => {
      const peer = await connect();
      const ctl = new AbortController();
      ctl.abort();
      expect((await rejection(peer.call('echo', [1], { signal: ctl.signal }))).code).toBe(
        ErrorCode.CANCELLED,
      );
    });

    it('delivers events in order', async () => {
      const got: unknown[] = [];
      const peer = await connect({ onEvent: (e) => got.push(e.payload) });
      await peer.call('emit', [20]);
      for (let i = 0; i < 50 && got.length < 20; i++) await new Promise((r) => setTimeout(r, 5));
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('rejects pending calls with UNAVAILABLE when the client closes', async () => {
      const peer = await connect();
      // Handlers attach before any await: a rejection must never be unobserved.
      const pending = [peer.call('sleep', [5_000]), peer.call('waitForAbort', [])].map(rejection);
      await peer.close();
      for (const p of pending) expect((await p).code).toBe(ErrorCode.UNAVAILABLE);
      expect((await rejection(peer.call('echo', [1]))).code).toBe(ErrorCode.UNAVAILABLE);
      await peer.close(); // idempotent
    });

    it('rejects pending calls with UNAVAILABLE when the server closes the connection', async () => {
      const peer = await connect();
      const other = rejection(peer.call('sleep', [5_000]));
      const err = await rejection(peer.call('closeConnection', []));
      expect(err.code).toBe(ErrorCode.UNAVAILABLE);
      expect((await other).code).toBe(ErrorCode.UNAVAILABLE);
    });

    it('fails pending calls fast with UNAVAILABLE when the peer dies', async () => {
      const peer = await connect();
      await expect(peer.call('echo', ['alive'])).resolves.toBe('alive');
      const pending = rejection(peer.call('sleep', [10_000]));
      const started = Date.now();
      await server.kill();
      expect((await pending).code).toBe(ErrorCode.UNAVAILABLE);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it("hands the server the caller's token on every call: repeated, renewed, and more tokens than slots", async () => {
      const peer = await connect();
      const tok = (i: number): string => `tok${i}.`.padEnd(45, String.fromCharCode(97 + (i % 26)));
      const seen = (token: string): Promise<unknown> => peer.call('token', [], { token });
      // The same token again and again (on carriers that encode, later calls name its slot).
      for (let i = 0; i < 3; i++) await expect(seen(tok(0))).resolves.toBe(tok(0));
      // Renewed: the new token, then the old one again.
      await expect(seen(tok(1))).resolves.toBe(tok(1));
      await expect(seen(tok(0))).resolves.toBe(tok(0));
      // Forty tokens, twice round, concurrently: more than a sender's slots, so bindings are replaced.
      const tokens = Array.from({ length: 40 }, (_, i) => tok(i));
      const twice = [...tokens, ...tokens];
      await expect(Promise.all(twice.map(seen))).resolves.toEqual(twice);
      // No token, and one too long for a slot, travel as they are.
      await expect(seen('')).resolves.toBe('');
      await expect(seen('L'.repeat(300))).resolves.toBe('L'.repeat(300));
      // A call that could not be sent bound nothing: the next call with its token still gets it there.
      const fresh = tok(99);
      const unsent = peer.call('token', [() => 1], { token: fresh, timeoutMs: 3_000 });
      expect((await rejection(unsent)).code).toBe(ErrorCode.INVALID_ARGUMENT);
      await expect(seen(fresh)).resolves.toBe(fresh);
      await expect(seen(fresh)).resolves.toBe(fresh);
      // Another connection's slots are its own.
      const other = await connect();
      await expect(other.call('token', [], { token: tok(5) })).resolves.toBe(tok(5));
      await expect(seen(tok(6))).resolves.toBe(tok(6));
      await expect(other.call('token', [], { token: tok(5) })).resolves.toBe(tok(5));
    });

    it('refuses a call naming a token slot its connection never bound, and drops that connection only', async () => {
      // Someone else's connection bound slot 0 to its token...
      const victim = await connect();
      const secret = 'victim-token'.padEnd(45, 'v');
      await expect(victim.call('token', [], { token: secret })).resolves.toBe(secret);
      await expect(victim.call('token', [], { token: secret })).resolves.toBe(secret);
      // ...a bare connection names slot 0 without binding it.
      const bare = async () => {
        const conn = await transport.connect(server.address);
        const got = { frames: [] as Frame[], closed: false };
        conn.attach({
          onFrame: (f) => got.frames.push(f),
          onClose: () => (got.closed = true),
        });
        return { conn, got };
      };
      const until = async (check: () => boolean) => {
        const deadline = Date.now() + 5_000;
        while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      };
      const probe = await bare();
      probe.conn.send({ t: 'call', id: 1, token: '', method: 'token', args: [], tokenSlot: 0 });
      await until(() => probe.got.closed);
      // Told why (a carrier without slots says so), then dropped: an honest peer never does this.
      expect(probe.got.frames).toEqual([
        {
          t: 'error',
          id: 1,
          error: {
            code: ErrorCode.INVALID_ARGUMENT,
            message: probe.conn.tokenSlots
              ? 'call names token slot 0, which the caller never bound on this connection'
              : 'this connection does not carry token slots',
          },
        },
      ]);
      expect(probe.got.closed).toBe(true);
      await expect(victim.call('token', [], { token: secret })).resolves.toBe(secret);
      // Bound on its own connection, a slot carries that connection's token only.
      const own = await bare();
      own.conn.send({
        t: 'call',
        id: 2,
        token: 'mine',
        method: 'token',
        args: [],
        tokenSlot: 0,
        bindsSlot: true,
      });
      own.conn.send({ t: 'call', id: 3, token: '', method: 'token', args: [], tokenSlot: 0 });
      await until(() => own.got.frames.length >= 2 || own.got.closed);
      if (own.conn.tokenSlots) {
        expect(own.got.frames).toEqual([
          { t: 'result', id: 2, value: 'mine' },
          { t: 'result', id: 3, value: 'mine' },
        ]);
      } else {
        // A carrier that hands frames over by reference takes no slot at all.
        expect(own.got.frames[0]).toMatchObject({ t: 'error', id: 2 });
        expect(own.got.closed).toBe(true);
      }
      await own.conn.close();
      await expect(victim.call('token', [], { token: secret })).resolves.toBe(secret);
    });

    it('serves several connections independently', async () => {
      const a = await connect();
      const b = await connect();
      await a.close();
      await expect(b.call('echo', ['b'])).resolves.toBe('b');
    });
  });
}
