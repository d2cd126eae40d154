import { ErrorCode, type TesseraError } from '@tessera/protocol';
import type { Connection } from '@tessera/transport';
import { ZeroMqTransport } from './zeromq-transport';

/** Resolves with the close reason (`null` for a clean close) or `'open'` after `ms`. */
function closeOf(conn: Connection, ms: number): Promise<TesseraError | null | 'open'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('open'), ms);
    conn.attach({
      onFrame: () => undefined,
      onClose: (err) => {
        clearTimeout(timer);
        resolve(err ?? null);
      },
    });
  });
}

describe('zeromq peer liveness', () => {
  let server: ZeroMqTransport;
  let accepted: Connection[];
  let address: string;

  beforeEach(async () => {
    accepted = [];
    server = new ZeroMqTransport({ heartbeatIntervalMs: 200 });
    address = (await server.listen(undefined, (conn) => accepted.push(conn))).address;
  });

  afterEach(() => server.close());

  it('closes the server-side connection cleanly when the client says goodbye', async () => {
    const client = new ZeroMqTransport();
    const conn = await client.connect(address);
    const closed = closeOf(accepted[0] as Connection, 2_000);
    await conn.close();
    expect(await closed).toBeNull();
    await client.close();
  });

  it('closes the server-side connection with UNAVAILABLE when the client vanishes without a word', async () => {
    const client = new ZeroMqTransport();
    await client.connect(address);
    const closed = closeOf(accepted[0] as Connection, 3_000);
    const started = Date.now();
    await client.close(); // drops the Dealer at once: no BYE
    const reason = await closed;
    expect(reason).not.toBe('open');
    expect((reason as TesseraError).code).toBe(ErrorCode.UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('closes the client connection with UNAVAILABLE when the listener goes away', async () => {
    const client = new ZeroMqTransport({ heartbeatIntervalMs: 200 });
    const conn = await client.connect(address);
    const closed = closeOf(conn, 3_000);
    await server.close();
    const reason = await closed;
    expect(reason === null || (reason !== 'open' && reason.code === ErrorCode.UNAVAILABLE)).toBe(
      true,
    );
    expect(conn.closed).toBe(true);
    await client.close();
  });

  it('fails connect with UNAVAILABLE when nobody listens, within the timeout', async () => {
    const client = new ZeroMqTransport();
    const started = Date.now();
    await expect(
      client.connect('ipc:///tmp/tessera-nobody-listens.sock', { timeoutMs: 300 }),
    ).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    expect(Date.now() - started).toBeLessThan(1_500);
    await client.close();
  });
});

describe('zeromq liveness budget (heartbeatMisses)', () => {
  /** Connect, then freeze this process (server and client alike) for `ms`: nobody beats. */
  async function survives(misses: number, frozenMs: number): Promise<boolean> {
    const server = new ZeroMqTransport({ heartbeatIntervalMs: 100, heartbeatMisses: misses });
    const accepted: Connection[] = [];
    const { address } = await server.listen(undefined, (c) => accepted.push(c));
    const client = new ZeroMqTransport({ heartbeatIntervalMs: 100, heartbeatMisses: 100 });
    await client.connect(address);
    const conn = accepted[0] as Connection;
    const closed = closeOf(conn, frozenMs + 300);
    const until = Date.now() + frozenMs;
    while (Date.now() < until) {
      // spin: no pongs are read, no ticks run, as if the link were cut for frozenMs
    }
    const outcome = await closed;
    await client.close();
    await server.close();
    return outcome === 'open';
  }

  it('rides out a silence shorter than misses × interval, and drops a peer past it', async () => {
    expect(await survives(30, 600)).toBe(true); // budget 3 s
    expect(await survives(2, 600)).toBe(false); // budget 200 ms
  });
});
