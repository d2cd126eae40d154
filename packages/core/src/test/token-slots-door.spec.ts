import { ErrorCode, type Frame } from '@tessera/protocol';
import { type Connection, RpcPeer } from '@tessera/transport';
import { type Harness, executed, resetExecuted, startApp } from './fixtures';

interface Raw {
  conn: Connection;
  frames: Frame[];
  closed: { v: boolean; err?: unknown };
}

// Raw call frames naming token slots, against the real door of an app on
// each carrier that uses slots (from the attacker review of the slot change).
describe.each(['ipc', 'zeromq'])('token slots against the real door, over %s', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    resetExecuted();
    h = await startApp(
      [
        { caller: 'alice', target: 'vault', methods: ['read'], ttlSeconds: 60 },
        { caller: 'bob', target: 'vault', methods: ['read', 'write'] },
        { caller: 'eve', target: 'vault', methods: ['read'] },
      ],
      { transport: { kind } },
    );
  });
  afterEach(() => h.close());
  const raw = async (as: string): Promise<Raw> => {
    const conn = await h.connect('vault', as);
    const r: Raw = { conn, frames: [], closed: { v: false } };
    conn.attach({
      onFrame: (f) => r.frames.push(f),
      onClose: (e) => {
        r.closed.v = true;
        r.closed.err = e;
      },
    });
    return r;
  };
  const answer = async (r: Raw, id: number): Promise<Frame | 'closed'> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const f = r.frames.find((x) => (x.t === 'result' || x.t === 'error') && x.id === id);
      if (f) return f;
      if (r.closed.v) return 'closed';
      if (Date.now() > deadline) throw new Error('no answer');
      await new Promise((res) => setTimeout(res, 5));
    }
  };
  const code = (f: Frame | 'closed'): string =>
    f === 'closed' ? 'closed' : f.t === 'error' ? f.error.code : 'OK';
  const call = (
    r: Raw,
    id: number,
    tok: { token?: string; tokenSlot?: number; bindsSlot?: boolean },
    method = 'read',
  ): void =>
    r.conn.send({
      t: 'call',
      id,
      token: tok.token ?? '',
      method,
      args: ['greeting'],
      ...tok,
    } as Frame);

  it('slot state is per connection: a slot another connection (same or other caller) bound is never usable', async () => {
    const { token } = await h.app.core.issueToken('alice', 'vault', []);
    const a1 = await raw('alice');
    call(a1, 1, { token, tokenSlot: 0, bindsSlot: true });
    call(a1, 2, { tokenSlot: 0 });
    expect([code(await answer(a1, 1)), code(await answer(a1, 2))]).toEqual(['OK', 'OK']);
    const a2 = await raw('alice'); // same caller, other connection
    call(a2, 1, { tokenSlot: 0 });
    await h.app.core.issueToken('eve', 'vault', []);
    const e = await raw('eve'); // other caller, other connection
    call(e, 1, { tokenSlot: 0 });
    expect(code(await answer(a2, 1))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(await answer(e, 1))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(executed['read']).toBe(2);
  });

  it("binding someone else's (leaked) token to a slot gives no more than sending it in full", async () => {
    const aliceTok = await h.app.core.issueToken('alice', 'vault', []);
    const eveTok = await h.app.core.issueToken('eve', 'vault', []);
    const eve = await raw('eve');
    call(eve, 1, { token: aliceTok.token, tokenSlot: 3, bindsSlot: true });
    call(eve, 2, { tokenSlot: 3 });
    expect(code(await answer(eve, 1))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(code(await answer(eve, 2))).toBe(ErrorCode.UNAUTHENTICATED);
    // a connection whose door already bound eve: rebinding slot to alice's token still refused
    const eve2 = await raw('eve');
    call(eve2, 1, { token: eveTok.token, tokenSlot: 0, bindsSlot: true });
    call(eve2, 2, { token: aliceTok.token, tokenSlot: 0, bindsSlot: true });
    call(eve2, 3, { tokenSlot: 0 });
    expect([
      code(await answer(eve2, 1)),
      code(await answer(eve2, 2)),
      code(await answer(eve2, 3)),
    ]).toEqual(['OK', ErrorCode.UNAUTHENTICATED, ErrorCode.UNAUTHENTICATED]);
  });

  it('revocation and expiry hold on calls that name a slot (cached-grant recheck)', async () => {
    const t1 = await h.app.core.issueToken('alice', 'vault', []);
    const a = await raw('alice');
    call(a, 1, { token: t1.token, tokenSlot: 0, bindsSlot: true });
    call(a, 2, { tokenSlot: 0 });
    expect([code(await answer(a, 1)), code(await answer(a, 2))]).toEqual(['OK', 'OK']);
    await h.app.core.capability.release('alice', 'vault', 'operator revoked');
    call(a, 3, { tokenSlot: 0 });
    expect(code(await answer(a, 3))).toBe(ErrorCode.UNAUTHENTICATED);
    // renewed; expiry
    const t2 = await h.app.core.issueToken('alice', 'vault', []);
    const b = await raw('alice');
    call(b, 1, { token: t2.token, tokenSlot: 255, bindsSlot: true });
    expect(code(await answer(b, 1))).toBe('OK');
    h.clock.now = t2.expiresAt;
    call(b, 2, { tokenSlot: 255 });
    expect(code(await answer(b, 2))).toBe(ErrorCode.UNAUTHENTICATED);
    // rebinding the slot back to the revoked token: still refused
    call(b, 3, { token: t1.token, tokenSlot: 255, bindsSlot: true });
    expect(code(await answer(b, 3))).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('malformed slot frames drop only the sender; other connections and the process go on', async () => {
    const { token } = await h.app.core.issueToken('alice', 'vault', []);
    const good = await raw('alice');
    call(good, 1, { token, tokenSlot: 0, bindsSlot: true });
    expect(code(await answer(good, 1))).toBe('OK');
    const results: string[] = [];
    for (const bad of [256, -1, 1.5, 2 ** 53]) {
      const m = await raw('alice');
      call(m, 1, { tokenSlot: bad });
      results.push(code(await answer(m, 1)));
    }
    for (const bad of ['', 'x'.repeat(257)]) {
      const m = await raw('alice');
      call(m, 1, { token: bad, tokenSlot: 0, bindsSlot: true });
      results.push(code(await answer(m, 1)));
    }
    // Each fails the receiver's decoder: that connection is dropped, nothing is answered.
    expect(results).toEqual(['closed', 'closed', 'closed', 'closed', 'closed', 'closed']);
    expect(executed['read']).toBe(1);
    call(good, 2, { tokenSlot: 0 });
    expect(code(await answer(good, 2))).toBe('OK');
  });

  it('an unbound slot never reaches the door: the peer is told why, and its connection dropped', async () => {
    await h.app.core.issueToken('alice', 'vault', []);
    for (const slot of [0, 17, 255]) {
      const m = await raw('alice');
      call(m, 1, { tokenSlot: slot });
      call(m, 2, { tokenSlot: slot });
      expect(code(await answer(m, 1))).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(await answer(m, 2)).toBe('closed');
    }
    expect(executed['read']).toBeUndefined();
  });

  it('RpcPeer over the carrier uses slots by itself, and revocation holds on the next call', async () => {
    const { token } = await h.app.core.issueToken('alice', 'vault', []);
    const conn = await h.connect('vault', 'alice');
    const sent: Frame[] = [];
    const send = conn.send.bind(conn);
    conn.send = (f: Frame) => {
      sent.push(f);
      send(f);
    };
    const peer = new RpcPeer(conn);
    for (let i = 0; i < 5; i++)
      await expect(peer.call('read', ['greeting'], { token })).resolves.toBe('hello');
    await h.app.core.capability.release('alice', 'vault', 'revoked');
    await expect(peer.call('read', ['greeting'], { token })).rejects.toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
    });
    // The first call bound the token to slot 0; the other five named the slot.
    expect(
      sent.map((f) => (f.t === 'call' ? `${f.tokenSlot}:${f.bindsSlot === true}` : f.t)),
    ).toEqual(['0:true', '0:false', '0:false', '0:false', '0:false', '0:false']);
  });
});
