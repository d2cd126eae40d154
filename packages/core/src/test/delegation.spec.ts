import { ErrorCode, resolveToken } from '@tessera/protocol';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { RpcPeer, TRANSPORT_REGISTRY, type Transport } from '@tessera/transport';
import { createTessera, type Tessera } from '../lib/tessera';
import { CORE_MANAGER_METHODS, CORE_MODULE_METHODS } from '../index';
import { connectAs, pinnedKeys } from './identities';
import { packageEntry as entry } from './fixtures/module-packages';

type Outcome<T = unknown> = { ok: true; value: T } | { ok: false; code: string; message: string };
interface Delegated {
  id: string;
  target: string;
  to: string;
  methods: string[];
  expiresAt: number;
  chain: string[];
}

/**
 * Delegation through real hosts on ipc: courier holds a grant on echo and
 * hands part of it to relay, which holds none of its own; relay's calls to
 * echo then carry the delegated token, checked by echo's door like any.
 */
describe('delegation with attenuation, end to end over ipc', () => {
  let app: Tessera;
  let transport: Transport;
  const peers: RpcPeer[] = [];
  const keys = pinnedKeys(['eve']);

  beforeAll(async () => {
    const policy = new StaticPolicyEngine([
      ...['echo', 'relay', 'courier', 'thief'].map((caller) => ({
        caller,
        target: 'core',
        methods: [...CORE_MODULE_METHODS],
      })),
      { caller: 'eve', target: 'core', methods: [...CORE_MANAGER_METHODS] },
      { caller: 'eve', target: 'courier', methods: ['delegate', 'callOn'] },
      { caller: 'eve', target: 'relay', methods: ['relay', 'whoAmI', 'notices'] },
      // courier's own grant on echo, for 60 s; relay has none of its own.
      { caller: 'courier', target: 'echo', methods: ['echo', 'pid', 'add'], ttlSeconds: 60 },
      // The policy consents to courier handing echo's methods to relay (not to thief).
      { caller: 'relay', target: 'echo', methods: ['echo', 'pid', 'add'], delegatedBy: 'courier' },
    ]);
    app = await createTessera({
      isolation: 'process',
      transport: { kind: 'ipc' },
      policy,
      identities: [{ name: 'eve', provides: {}, requires: [] }],
      identityKeys: keys,
      capability: { sweepIntervalMs: 0 },
    });
    await app.core.load([
      entry('@tessera-test/echo', 'echo', { events: ['beat'] }),
      entry('@tessera-test/relay', 'relay', { dependencies: ['echo'] }),
      entry('@tessera-test/courier', 'courier'),
      entry('@tessera-test/thief', 'thief'),
    ]);
    transport = resolveToken(app.container, TRANSPORT_REGISTRY).create({ kind: 'ipc' });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await transport?.close();
    await app?.close();
  });

  /** Call `module.method(...args)` as eve, over a connection proving eve's key. */
  const asEve = async <T>(module: string, method: string, args: unknown[] = []): Promise<T> => {
    const { token } = await app.core.issueToken('eve', module, []);
    const peer = new RpcPeer(
      await connectAs(transport, keys, app.core.module(module)?.address as string, 'eve'),
    );
    peers.push(peer);
    return (await peer.call(method, args, { token, timeoutMs: 10_000 })) as T;
  };
  const delegate = (methods: string[], ttlSeconds?: number, to = 'relay') =>
    asEve<Outcome<Delegated>>('courier', 'delegate', ['echo', to, methods, ttlSeconds]);
  const grantOf = (caller: string, target: string) =>
    app.core.capability.grants().find((g) => g.caller === caller && g.target === target);
  const courierGrant = async () => {
    const own = await asEve<Outcome>('courier', 'callOn', ['echo', 'echo', ['warm']]);
    expect(own).toEqual({ ok: true, value: 'warm' });
    return grantOf('courier', 'echo');
  };

  it('refuses to widen: a method the parent lacks, or a lifetime past its expiry, gets nothing', async () => {
    await courierGrant();
    const wider = await delegate(['echo', 'sleep']);
    expect(wider).toMatchObject({
      ok: false,
      code: ErrorCode.PERMISSION_DENIED,
      message: expect.stringContaining("cannot delegate sleep: courier's grant on echo has only"),
    });
    const longer = await delegate(['echo'], 120);
    expect(longer).toMatchObject({
      ok: false,
      code: ErrorCode.PERMISSION_DENIED,
      message: expect.stringContaining('a delegation cannot outlive its parent'),
    });
    expect(grantOf('relay', 'echo')).toBeUndefined();
    // relay holds nothing of its own on echo: the policy has no rule for it.
    await expect(asEve('relay', 'relay', ['x'])).rejects.toMatchObject({
      code: ErrorCode.PERMISSION_DENIED,
    });
  });

  it('is refused when the policy does not consent (no rule lets courier delegate to thief)', async () => {
    await courierGrant();
    const refused = await delegate(['echo'], undefined, 'thief');
    expect(refused).toEqual({
      ok: false,
      code: ErrorCode.PERMISSION_DENIED,
      message: 'no rule lets courier delegate echo to thief',
    });
    expect(grantOf('thief', 'echo')).toBeUndefined();
  });

  it('works for the receiver: its calls carry the delegated token, and echo sees relay as the caller', async () => {
    const parent = await courierGrant();
    const out = await delegate(['echo', 'pid'], 30);
    expect(out).toMatchObject({
      ok: true,
      value: { target: 'echo', to: 'relay', methods: ['echo', 'pid'], chain: ['courier'] },
    });
    const d = (out as { value: Delegated }).value;
    expect(d.expiresAt).toBeLessThanOrEqual(parent?.expiresAt as number);
    expect(d).not.toHaveProperty('token');
    expect(grantOf('relay', 'echo')).toMatchObject({
      id: d.id,
      parent: parent?.id,
      chain: ['courier'],
      methods: ['echo', 'pid'],
    });
    await expect(asEve('relay', 'relay', ['hello'])).resolves.toBe('hello');
    const who = await asEve<{ relay: number; echo: number }>('relay', 'whoAmI');
    expect(who.echo).toEqual(expect.any(Number));
  });

  it("dies with its parent: revoking courier's grant makes relay's next call UNAUTHENTICATED at echo", async () => {
    await courierGrant();
    expect((await delegate(['echo'])).ok).toBe(true);
    await expect(asEve('relay', 'relay', ['before'])).resolves.toBe('before');
    await app.core.capability.release('courier', 'echo', 'released');
    expect(grantOf('relay', 'echo')).toBeUndefined();
    // Echo's door refuses the token relay still holds: the child went with its parent.
    await expect(asEve('relay', 'relay', ['after'])).rejects.toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
      message: 'unknown or revoked token',
    });
    // eve's own grant on relay is fine: it is relay's call to echo that was refused.
    await expect(asEve('relay', 'notices')).resolves.toEqual(expect.any(Array));
  });

  it('dies with its parent module: unloading courier revokes what it handed on', async () => {
    await courierGrant();
    expect((await delegate(['echo'])).ok).toBe(true);
    await expect(asEve('relay', 'relay', ['before'])).resolves.toBe('before');
    await app.core.unload('courier');
    expect(grantOf('relay', 'echo')).toBeUndefined();
    await expect(asEve('relay', 'relay', ['after'])).rejects.toMatchObject({
      code: ErrorCode.UNAUTHENTICATED,
    });
  });
});
