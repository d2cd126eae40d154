/**
 * Policies decide every token: the whole stack (core, capability module,
 * proxies, in-process transport) against REAL wasm compiled by the pinned OPA,
 * never a mocked engine. The default policy (policies/build) is driven through
 * its data (deny list, TTLs); narrowing, which the default policy can only
 * express through manifests, uses a small fixture policy whose methods come
 * from data (fixtures/scoped-policy), compiled here with `opa build -t wasm`.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode, resolveToken } from '@tessera/protocol';
import {
  OpaPolicyEngine,
  buildBundle,
  silentPolicyLogger,
  type ModuleFacts,
} from '@tessera/policy';
import type { CapabilityEvent } from '@tessera/capability';
import { defineModule } from '@tessera/sdk';
import { RpcPeer, TRANSPORT_REGISTRY, type Transport } from '@tessera/transport';
import type { ModuleEntry } from '../lib/core/core';
import { createTessera, type Tessera } from '../lib/tessera';
import { codeOf, errorOf } from '@tessera/protocol/testing';

const REPO = resolve(__dirname, '../../../..');
const DEFAULT_BUILD = join(REPO, 'policies/build');
const SCOPED_SOURCES = join(__dirname, 'fixtures/scoped-policy');
/** Building the default policy may compile the CLI and (first time) `go install` OPA. */
const BUILD_TIMEOUT_MS = 300_000;

// ---------------------------------------------------------------------------
// Modules, defined inline; every execution of module code is counted.

const executed: Record<string, number> = {};
const ran = (what: string): void => {
  executed[what] = (executed[what] ?? 0) + 1;
};
function resetExecuted(): void {
  for (const k of Object.keys(executed)) delete executed[k];
}

const store = defineModule({
  name: 'store',
  create() {
    ran('store.create');
    const data = new Map<string, unknown>([['greeting', 'hello']]);
    return {
      get(key: string) {
        ran('get');
        return data.get(key);
      },
      set(key: string, value: unknown) {
        ran('set');
        data.set(key, value);
        return true;
      },
    };
  },
});

/** Calls the store through its typed client (tokens requested and cached by the SDK). */
const reader = defineModule({
  name: 'reader',
  create(ctx) {
    ran('reader.create');
    const s = ctx.client<{ get(key: string): unknown; set(key: string, value: unknown): boolean }>(
      'store',
    );
    return {
      readStore: (key: string) => s.get(key),
      writeStore: (key: string, value: unknown) => s.set(key, value),
    };
  },
});

const stranger = defineModule({
  name: 'stranger',
  create() {
    ran('stranger.create');
    return { hello: () => 'hi' };
  },
});

const MODULES: ModuleEntry[] = [
  {
    manifest: { name: 'store', provides: { 'kv-read': ['get'], 'kv-write': ['set'] } },
    definition: store,
  },
  {
    manifest: {
      name: 'reader',
      dependencies: ['store'],
      requires: ['kv-read'],
      provides: { 'reader-api': ['readStore', 'writeStore'] },
    },
    definition: reader,
  },
  { manifest: { name: 'stranger', requires: ['mail'] }, definition: stranger },
];

/** A non-module identity (as a test or an attacker holding its own core channel would be). */
const EVE: ModuleFacts = { name: 'eve', provides: {}, requires: ['reader-api'] };

// ---------------------------------------------------------------------------
// Bundles on disk.

function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function copyBundle(from: string, to: string): string {
  copyFileSync(join(from, 'policy.wasm'), join(to, 'policy.wasm'));
  copyFileSync(join(from, 'data.json'), join(to, 'data.json'));
  return to;
}

/** Replace a file as editors and build tools do: write aside, then rename over it. */
function atomicWrite(path: string, content: string | Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

function writeData(bundleDir: string, data: unknown): void {
  atomicWrite(join(bundleDir, 'data.json'), JSON.stringify(data, null, 2));
}

interface DefaultData {
  tessera: {
    ttl: { default_seconds: number; per_target: Record<string, number> };
    deny: Array<{ caller: string; target: string; reason?: string }>;
    operator: unknown;
  };
}

/** The shipped data.json of the default policy, with changes applied. */
function defaultData(change: (d: DefaultData) => void = () => undefined): DefaultData {
  const d = JSON.parse(readFileSync(join(DEFAULT_BUILD, 'data.json'), 'utf8')) as DefaultData;
  change(d);
  return d;
}

// ---------------------------------------------------------------------------
// The stack.

interface Stack {
  app: Tessera;
  engine: OpaPolicyEngine;
  clock: { now: number };
  events: CapabilityEvent[];
  /** A raw connection to a module's endpoint, as a caller holding a token would open. */
  dial(module: string): Promise<RpcPeer>;
  close(): Promise<void>;
}

async function startStack(bundle: string, watch = false): Promise<Stack> {
  const { engine, outcome } = await OpaPolicyEngine.open({
    bundle,
    watch,
    debounceMs: 50,
    logger: silentPolicyLogger,
  });
  if (!outcome.ok) throw outcome.error;
  const clock = { now: Date.now() };
  const app = await createTessera({
    policy: engine,
    now: () => clock.now,
    // No sweeper: expiry must be enforced on the call path itself.
    capability: { sweepIntervalMs: 0 },
    identities: [EVE],
    modules: MODULES,
  });
  const events: CapabilityEvent[] = [];
  app.core.capability.onEvent((e) => events.push(e));
  const transport: Transport = resolveToken(app.container, TRANSPORT_REGISTRY).create({
    kind: 'inproc',
  });
  const peers: RpcPeer[] = [];
  return {
    app,
    engine,
    clock,
    events,
    async dial(module) {
      const address = app.core.listModules().find((m) => m.name === module)?.address;
      if (!address) throw new Error(`no address for ${module}`);
      const peer = new RpcPeer(await transport.connect(address));
      peers.push(peer);
      return peer;
    },
    async close() {
      await Promise.all(peers.map((p) => p.close()));
      await transport.close();
      await app.close();
      await engine.close();
    },
  };
}

function grantOf(s: Stack, caller: string, target: string) {
  return s.app.core.capability.grants().find((g) => g.caller === caller && g.target === target);
}

/** Wait for `done` to hold, at most `ms`; fails with `what` otherwise. */
async function within(ms: number, what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---------------------------------------------------------------------------

/** The default policy, compiled by the build (policies:build) unless it already is. */
beforeAll(() => {
  if (!existsSync(join(DEFAULT_BUILD, 'policy.wasm'))) {
    execFileSync('npx', ['nx', 'run', 'policies:build'], {
      cwd: REPO,
      env: { ...process.env, NX_DAEMON: 'false' },
      stdio: 'inherit',
      timeout: BUILD_TIMEOUT_MS,
    });
  }
}, BUILD_TIMEOUT_MS);

describe('the default Rego policy, compiled to wasm, decides every token end to end', () => {
  let bundle: string;
  let s: Stack;

  beforeEach(async () => {
    resetExecuted();
    bundle = copyBundle(DEFAULT_BUILD, scratch('tessera-policy-reload-'));
    s = await startStack(bundle);
  });
  afterEach(async () => {
    await s.close();
    rmSync(bundle, { recursive: true, force: true });
  });

  it('allows what the manifests match: reader (requires kv-read) gets [get] on store for the data TTL, and the call runs', async () => {
    expect(s.engine.revision).toBe(1);
    const issued = await s.app.core.capability.requestModule('reader', 'store');
    expect(issued.methods).toEqual(['get']);
    expect(issued.generation).toBe(1);
    expect(issued.expiresAt).toBe(s.clock.now + 3600 * 1000); // data.tessera.ttl.default_seconds
    expect(grantOf(s, 'reader', 'store')?.reason).toBe('reader requires kv-read provided by store');

    const peer = await s.dial('store');
    await expect(peer.call('get', ['greeting'], { token: issued.token })).resolves.toBe('hello');
    // Module to module: reader's own client asks the core on its channel, gets a token, calls.
    const eve = await s.app.core.capability.requestModule('eve', 'reader');
    const viaReader = await s.dial('reader');
    await expect(viaReader.call('readStore', ['greeting'], { token: eve.token })).resolves.toBe(
      'hello',
    );
    expect(executed['get']).toBe(2);
  });

  it('denies what no rule allows: no token, no grant, no module code', async () => {
    const err = await errorOf(s.app.core.capability.requestModule('stranger', 'store'));
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).toBe('stranger does not require any capability store provides');
    const alsoDenied = await errorOf(s.app.core.capability.requestModule('store', 'reader'));
    expect(alsoDenied.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(grantOf(s, 'stranger', 'store')).toBeUndefined();
    expect(grantOf(s, 'store', 'reader')).toBeUndefined();
    // Asking for a method outside the policy's offer is a deny too.
    const scoped = await errorOf(s.app.core.capability.requestModule('reader', 'store', ['set']));
    expect(scoped.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(scoped.message).toContain('none of the requested methods');
    expect(executed['get']).toBeUndefined();
    expect(executed['set']).toBeUndefined();
  });

  it('enforces the method scope on the call path: get runs, set is PERMISSION_DENIED at the store and never runs', async () => {
    const { token } = await s.app.core.capability.requestModule('reader', 'store');
    const peer = await s.dial('store');
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    expect(await codeOf(peer.call('set', ['greeting', 'pwned'], { token }))).toBe(
      ErrorCode.PERMISSION_DENIED,
    );
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    // The same through reader's client (its own request replaces the pair's grant, one per
    // pair): the store refuses set, and the code reaches back through reader.
    const eve = await s.app.core.capability.requestModule('eve', 'reader');
    const viaReader = await s.dial('reader');
    await expect(viaReader.call('readStore', ['greeting'], { token: eve.token })).resolves.toBe(
      'hello',
    );
    expect(
      await codeOf(viaReader.call('writeStore', ['greeting', 'pwned'], { token: eve.token })),
    ).toBe(ErrorCode.PERMISSION_DENIED);
    expect(executed['set']).toBeUndefined();
    expect(executed['get']).toBe(3);
  });

  it('expires a token at the TTL the policy data sets (data.tessera.ttl.per_target), on the next call', async () => {
    writeData(
      bundle,
      defaultData((d) => (d.tessera.ttl.per_target = { store: 30 })),
    );
    await expect(s.engine.reload()).resolves.toMatchObject({ ok: true, revision: 2 });
    await s.app.core.capability.settled();

    const issuedAt = s.clock.now;
    const { token, expiresAt } = await s.app.core.capability.requestModule('reader', 'store');
    expect(expiresAt).toBe(issuedAt + 30_000);
    const peer = await s.dial('store');
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    s.clock.now = issuedAt + 29_999;
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    s.clock.now = issuedAt + 30_000;
    expect(await codeOf(peer.call('get', ['greeting'], { token }))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(executed['get']).toBe(2);
    // Other targets keep the default TTL.
    const eve = await s.app.core.capability.requestModule('eve', 'reader');
    expect(eve.expiresAt).toBe(s.clock.now + 3600 * 1000);
  });

  it('revokes a live grant when a reload denies it (data.tessera.deny): the next call is UNAUTHENTICATED', async () => {
    const { token } = await s.app.core.capability.requestModule('reader', 'store');
    const peer = await s.dial('store');
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    const eve = await s.app.core.capability.requestModule('eve', 'reader');

    writeData(
      bundle,
      defaultData(
        (d) => (d.tessera.deny = [{ caller: 'reader', target: 'store', reason: 'test' }]),
      ),
    );
    await expect(s.engine.reload()).resolves.toMatchObject({ ok: true, revision: 2 });
    await s.app.core.capability.settled();

    expect(grantOf(s, 'reader', 'store')).toBeUndefined();
    expect(grantOf(s, 'eve', 'reader')).toBeDefined(); // untouched by the deny entry
    expect(s.events.filter((e) => e.kind === 'revoked')).toEqual([
      expect.objectContaining({
        reason: 'policy reload: denied by deny list: reader -> store (test)',
      }),
    ]);
    expect(await codeOf(peer.call('get', ['greeting'], { token }))).toBe(ErrorCode.UNAUTHENTICATED);
    // reader's client drops its token, asks again, and is refused by the new policy.
    const viaReader = await s.dial('reader');
    const err = await errorOf(viaReader.call('readStore', ['greeting'], { token: eve.token }));
    expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(err.message).toContain('denied by deny list: reader -> store');
    expect(executed['get']).toBe(1);
  });

  it('rejects a bad bundle and keeps the old policy: grants, tokens and calls unchanged', async () => {
    const { token } = await s.app.core.capability.requestModule('reader', 'store');
    const peer = await s.dial('store');
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    const grantsBefore = s.app.core.capability.grants();
    const goodWasm = readFileSync(join(bundle, 'policy.wasm'));
    const goodData = readFileSync(join(bundle, 'data.json'));

    const breakages: Array<[string, () => void, string]> = [
      ['data.json', () => atomicWrite(join(bundle, 'data.json'), '{"tessera": '), 'not valid JSON'],
      [
        'policy.wasm',
        () => atomicWrite(join(bundle, 'policy.wasm'), 'not wasm'),
        'invalid policy.wasm',
      ],
    ];
    for (const [what, breakIt, message] of breakages) {
      breakIt();
      const outcome = await s.engine.reload();
      await s.app.core.capability.settled();
      expect({ what, ok: outcome.ok, revision: outcome.revision }).toEqual({
        what,
        ok: false,
        revision: 1,
      });
      expect(outcome.ok ? '' : outcome.error.message).toContain(message);
      expect(s.engine.revision).toBe(1);
      expect(s.app.core.capability.grants()).toEqual(grantsBefore);
      await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
      expect(await codeOf(peer.call('set', ['k', 1], { token }))).toBe(ErrorCode.PERMISSION_DENIED);
      atomicWrite(join(bundle, 'data.json'), goodData);
      atomicWrite(join(bundle, 'policy.wasm'), goodWasm);
    }
    expect(s.events.map((e) => e.kind)).toEqual(['granted']);
    // New requests are still decided by the old policy.
    const again = await s.app.core.capability.requestModule('reader', 'store');
    expect(again).toMatchObject({ methods: ['get'], generation: 1 });
    expect(executed['get']).toBe(3);
    expect(executed['set']).toBeUndefined();
  });
});

describe('watching the default policy bundle', () => {
  let bundle: string;
  let s: Stack;

  beforeEach(async () => {
    resetExecuted();
    bundle = copyBundle(DEFAULT_BUILD, scratch('tessera-policy-watch-'));
    s = await startStack(bundle, true);
  });
  afterEach(async () => {
    await s.close();
    rmSync(bundle, { recursive: true, force: true });
  });

  it('picks up an atomically replaced data.json by itself, once, and revokes the grant it denies', async () => {
    const { token } = await s.app.core.capability.requestModule('reader', 'store');
    const peer = await s.dial('store');
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    const revisions: number[] = [];
    s.engine.onChange((r) => revisions.push(r));
    await new Promise((r) => setTimeout(r, 100)); // let the watcher arm

    writeData(
      bundle,
      defaultData((d) => (d.tessera.deny = [{ caller: '*', target: 'store' }])),
    );
    await within(10_000, 'the watcher to reload the policy', () => revisions.length > 0);
    await s.app.core.capability.settled();
    await new Promise((r) => setTimeout(r, 300)); // a second (spurious) reload would show up here
    expect(revisions).toEqual([2]);
    expect(s.engine.revision).toBe(2);

    expect(grantOf(s, 'reader', 'store')).toBeUndefined();
    expect(await codeOf(peer.call('get', ['greeting'], { token }))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(executed['get']).toBe(1);
  });
});

describe('a missing policy bundle', () => {
  let dir: string;
  beforeEach(() => {
    resetExecuted();
    dir = scratch('tessera-policy-missing-');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('denies everything: no module even gets a core token, and loading fails with a clear message', async () => {
    const missing = join(dir, 'no-such-bundle');
    const { engine, outcome } = await OpaPolicyEngine.open({
      bundle: missing,
      logger: silentPolicyLogger,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.error.code).toBe(ErrorCode.NOT_FOUND);
    expect(engine.revision).toBe(0);

    // Loading at start: createTessera itself fails, naming the first module and the cause.
    await expect(
      createTessera({ policy: engine, identities: [EVE], modules: MODULES }),
    ).rejects.toThrow(`module store may not reach the core: policy bundle not found: ${missing}`);

    // Loading later: the app starts empty, core.load fails the same way, nothing is granted.
    const app = await createTessera({ policy: engine, identities: [EVE] });
    try {
      const err = await errorOf(app.core.load(MODULES));
      expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
      expect(err.message).toBe(
        `module store may not reach the core: policy bundle not found: ${missing}`,
      );
      expect(app.core.listModules().filter((m) => m.loaded)).toEqual([]);
      expect(app.core.capability.grants()).toEqual([]);
      const core = await errorOf(app.core.capability.requestModule('eve', 'core'));
      expect(core.message).toBe(`policy bundle not found: ${missing}`);
    } finally {
      await app.close();
      await engine.close();
    }
    expect(executed).toEqual({});
  });
});

describe('a data-scoped fixture policy, compiled to wasm: reload narrows a live grant', () => {
  let built: string;
  let bundle: string;
  let s: Stack;

  interface ScopedData {
    ttl_seconds: number;
    grants: Record<string, Record<string, string[]>>;
  }
  const scopedData = (): ScopedData =>
    JSON.parse(readFileSync(join(SCOPED_SOURCES, 'data.json'), 'utf8')) as ScopedData;

  beforeAll(async () => {
    built = scratch('tessera-scoped-build-');
    const opa = execFileSync('bash', [join(REPO, 'tools/opa.sh')], {
      encoding: 'utf8',
      timeout: BUILD_TIMEOUT_MS,
    }).trim();
    await buildBundle({ opa, sourceDir: SCOPED_SOURCES, outDir: built });
  }, BUILD_TIMEOUT_MS);
  afterAll(() => rmSync(built, { recursive: true, force: true }));

  beforeEach(async () => {
    resetExecuted();
    bundle = copyBundle(built, scratch('tessera-scoped-live-'));
    s = await startStack(bundle);
  });
  afterEach(async () => {
    await s.close();
    rmSync(bundle, { recursive: true, force: true });
  });

  /** Reload with reader -> store shrunk to [get]. */
  async function narrowReaderToGet(): Promise<void> {
    const narrower = scopedData();
    narrower.grants['reader'] = { store: ['get'] };
    writeData(bundle, narrower);
    await expect(s.engine.reload()).resolves.toMatchObject({ ok: true, revision: 2 });
    await s.app.core.capability.settled();
  }

  it('narrows: set worked before the reload and is PERMISSION_DENIED after; get keeps working on the same token', async () => {
    const { token, methods, expiresAt } = await s.app.core.capability.requestModule(
      'reader',
      'store',
    );
    expect(methods).toEqual(['get', 'set']);
    expect(expiresAt).toBe(s.clock.now + 600_000); // data.ttl_seconds
    const peer = await s.dial('store');
    await expect(peer.call('set', ['greeting', 'hi'], { token })).resolves.toBe(true);
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hi');
    const eve = await s.app.core.capability.requestModule('eve', 'reader');

    await narrowReaderToGet();

    expect(grantOf(s, 'reader', 'store')?.methods).toEqual(['get']);
    expect(s.events.filter((e) => e.kind === 'narrowed')).toEqual([
      expect.objectContaining({ from: ['get', 'set'] }),
    ]);
    expect(await codeOf(peer.call('set', ['greeting', 'pwned'], { token }))).toBe(
      ErrorCode.PERMISSION_DENIED,
    );
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hi');
    expect(executed['set']).toBe(1);
    expect(executed['get']).toBe(2);
    // eve -> reader was not touched by the change.
    expect(grantOf(s, 'eve', 'reader')).toMatchObject({
      methods: ['readStore', 'writeStore'],
      expiresAt: eve.expiresAt,
    });
  });

  it("narrows the grant a module's client holds: writeStore fails after the reload, readStore works without a new token", async () => {
    const eve = await s.app.core.capability.requestModule('eve', 'reader');
    const viaReader = await s.dial('reader');
    await expect(
      viaReader.call('writeStore', ['greeting', 'hey'], { token: eve.token }),
    ).resolves.toBe(true);
    const before = grantOf(s, 'reader', 'store');
    expect(before?.methods).toEqual(['get', 'set']);

    await narrowReaderToGet();

    expect(
      await codeOf(viaReader.call('writeStore', ['greeting', 'pwned'], { token: eve.token })),
    ).toBe(ErrorCode.PERMISSION_DENIED);
    await expect(viaReader.call('readStore', ['greeting'], { token: eve.token })).resolves.toBe(
      'hey',
    );
    // Same grant (same token id), narrowed in place: no re-request was needed or made.
    expect(grantOf(s, 'reader', 'store')).toMatchObject({ id: before?.id, methods: ['get'] });
    expect(s.events.filter((e) => e.kind === 'granted')).toHaveLength(2); // eve->reader, reader->store
    expect(executed['set']).toBe(1);
    expect(executed['get']).toBe(1);
  });

  it('revokes when the data removes the pair entirely: the next call is UNAUTHENTICATED', async () => {
    const { token } = await s.app.core.capability.requestModule('reader', 'store');
    const peer = await s.dial('store');
    await expect(peer.call('get', ['greeting'], { token })).resolves.toBe('hello');
    const none = scopedData();
    delete none.grants['reader'];
    writeData(bundle, none);
    await expect(s.engine.reload()).resolves.toMatchObject({ ok: true, revision: 2 });
    await s.app.core.capability.settled();
    expect(grantOf(s, 'reader', 'store')).toBeUndefined();
    expect(await codeOf(peer.call('get', ['greeting'], { token }))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(executed['get']).toBe(1);
  });
});
