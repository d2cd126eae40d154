import { ErrorCode, type TesseraError } from '@tessera/protocol';
import type { ApprovalPending } from '@tessera/sdk';
import { InProcHub, InProcTransport } from '@tessera/transport-inproc';
import { RpcPeer } from '@tessera/transport';
import type { ModuleRoute } from '../contracts/module-core-api';
import { ModuleCaller } from './module-caller';

/**
 * A request the core holds for the operator: the waiting call keeps its own
 * timeout and signal, the request is cancelled once no call waits for it,
 * and the module's log shows the verification code.
 */
describe('ModuleCaller while a request waits for the operator', () => {
  let transport: InProcTransport;
  beforeEach(async () => {
    transport = new InProcTransport({ hub: new InProcHub() });
    await transport.listen('inproc://target', (conn) => {
      new RpcPeer(conn, { handler: (call) => call.args[0] });
    });
  });
  afterEach(() => transport.close());

  /** A core that answers only when the test says so, recording each request's options. */
  function heldCore() {
    const asked: { timeoutMs?: number; signal?: AbortSignal }[] = [];
    let answer: () => void = () => undefined;
    const route: ModuleRoute = {
      token: 'tok',
      methods: ['m'],
      expiresAt: Date.now() + 60_000,
      generation: 1,
      address: 'inproc://target',
    };
    const core = {
      requestModule: (_t: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}) => {
        asked.push(options);
        return new Promise<ModuleRoute>((resolve, reject) => {
          answer = () => resolve(route);
          options.signal?.addEventListener('abort', () =>
            reject(new Error('cancelled at the core')),
          );
        });
      },
    };
    return { core, asked, answer: () => answer() };
  }

  function caller(core: ReturnType<typeof heldCore>['core'], lines: string[] = []) {
    const store = new Map<string, { token: string }>();
    return new ModuleCaller(
      'me',
      core,
      async (address) => new RpcPeer(await transport.connect(address)),
      {
        outbound: (t) => store.get(t),
        setOutbound: (t, token) => void store.set(t, { token }),
        dropOutbound: (t) => store.delete(t),
      },
      {
        log: {
          info: (m) => void lines.push(`info ${m}`),
          warn: (m) => void lines.push(`warn ${m}`),
          error: (m) => void lines.push(`error ${m}`),
        },
      },
    );
  }

  it("times out with the call's own timeout, and then cancels the request at the core", async () => {
    const held = heldCore();
    const c = caller(held.core);
    const err = (await c
      .call('target', 'm', [1], { timeoutMs: 40 })
      .catch((e: unknown) => e)) as TesseraError;
    expect(err.code).toBe(ErrorCode.TIMEOUT);
    expect(err.message).toBe('call timed out after 40 ms waiting for access to target');
    expect(held.asked).toHaveLength(1);
    expect(held.asked[0]?.timeoutMs).toBe(40);
    expect(held.asked[0]?.signal?.aborted).toBe(true);
    await c.close();
  });

  it('is cancelled by the call’s AbortSignal, and the request with it', async () => {
    const held = heldCore();
    const c = caller(held.core);
    const ctl = new AbortController();
    const pending = c
      .call('target', 'm', [1], { signal: ctl.signal })
      .catch((e: TesseraError) => e);
    await new Promise((r) => setTimeout(r, 5));
    ctl.abort();
    expect(await pending).toMatchObject({ code: ErrorCode.CANCELLED });
    expect(held.asked[0]?.signal?.aborted).toBe(true);
    await c.close();
  });

  it('keeps the request while another call still waits for it, and both go on once it is answered', async () => {
    const held = heldCore();
    const c = caller(held.core);
    const ctl = new AbortController();
    const quitter = c
      .call('target', 'm', [1], { signal: ctl.signal })
      .catch((e: TesseraError) => e);
    const patient = c.call('target', 'm', [2]);
    await new Promise((r) => setTimeout(r, 5));
    ctl.abort();
    expect(await quitter).toMatchObject({ code: ErrorCode.CANCELLED });
    expect(held.asked).toHaveLength(1);
    expect(held.asked[0]?.signal?.aborted).toBe(false);
    held.answer();
    await expect(patient).resolves.toBe(2);
    await expect(c.call('target', 'm', [3], { timeoutMs: 1000 })).resolves.toBe(3);
    expect(held.asked).toHaveLength(1);
    await c.close();
  });

  it("logs the request's id and code, and tells the module's awaitingApproval listeners", () => {
    const lines: string[] = [];
    const c = caller(heldCore().core, lines);
    const seen: ApprovalPending[] = [];
    c.onLifecycle('awaitingApproval', (info) => seen.push(info));
    const notice = {
      target: 'audit',
      id: '3f9c2a71',
      code: '482913',
      methods: ['summary'],
      reason: 'the audit log is sensitive',
    };
    c.awaitingApproval(notice);
    expect(lines).toEqual([
      'info waiting for operator approval to call audit (summary): request 3f9c2a71, code 482913 (the audit log is sensitive)',
    ]);
    expect(seen).toEqual([notice]);
  });
});
