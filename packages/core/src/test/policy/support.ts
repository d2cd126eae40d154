/**
 * Shared by the policy specs in this folder: the whole stack (core, capability
 * module, proxies, in-process transport) against REAL wasm compiled by the
 * pinned OPA, never a mocked engine: the default policy (policies/build) and a
 * fixture policy whose methods come from data (../fixtures/scoped-policy).
 *
 * The only door into the core is its public entry, so moving files inside
 * packages/core/src/lib touches none of these specs.
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
import { resolveToken } from '@tessera/protocol';
import {
  OpaPolicyEngine,
  buildBundle,
  silentPolicyLogger,
  type ModuleFacts,
} from '@tessera/policy';
import type { CapabilityEvent } from '@tessera/capability';
import { defineModule } from '@tessera/sdk';
import { RpcPeer, TRANSPORT_REGISTRY, type Transport } from '@tessera/transport';
import { createTessera, type ModuleEntry, type Tessera } from '../../index';
import { connectAs, pinnedKeys } from '../identities';

export { createTessera, type Tessera };

const REPO = resolve(__dirname, '../../../../..');
export const DEFAULT_BUILD = join(REPO, 'policies/build');
const SCOPED_SOURCES = join(__dirname, '../fixtures/scoped-policy');
/** Building the default policy may compile the CLI and (first time) `go install` OPA. */
export const BUILD_TIMEOUT_MS = 300_000;

// ---------------------------------------------------------------------------
// Modules, defined inline; every execution of module code is counted.

export const executed: Record<string, number> = {};
const ran = (what: string): void => {
  executed[what] = (executed[what] ?? 0) + 1;
};
export function resetExecuted(): void {
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

export const MODULES: ModuleEntry[] = [
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
export const EVE: ModuleFacts = { name: 'eve', provides: {}, requires: ['reader-api'] };

// ---------------------------------------------------------------------------
// Bundles on disk.

export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function copyBundle(from: string, to: string): string {
  copyFileSync(join(from, 'policy.wasm'), join(to, 'policy.wasm'));
  copyFileSync(join(from, 'data.json'), join(to, 'data.json'));
  return to;
}

/** Replace a file as editors and build tools do: write aside, then rename over it. */
export function atomicWrite(path: string, content: string | Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export function writeData(bundleDir: string, data: unknown): void {
  atomicWrite(join(bundleDir, 'data.json'), JSON.stringify(data, null, 2));
}

export interface DefaultData {
  tessera: {
    ttl: { default_seconds: number; per_target: Record<string, number> };
    deny: Array<{ caller: string; target: string; reason?: string }>;
    operator: unknown;
  };
}

/** The shipped data.json of the default policy, with changes applied. */
export function defaultData(change: (d: DefaultData) => void = () => undefined): DefaultData {
  const d = JSON.parse(readFileSync(join(DEFAULT_BUILD, 'data.json'), 'utf8')) as DefaultData;
  change(d);
  return d;
}

/**
 * The default policy, compiled by the build (policies:build) unless it already is.
 * For `beforeAll(ensureDefaultPolicyBuilt, BUILD_TIMEOUT_MS)`.
 */
export function ensureDefaultPolicyBuilt(): void {
  if (!existsSync(join(DEFAULT_BUILD, 'policy.wasm'))) {
    execFileSync('npx', ['nx', 'run', 'policies:build'], {
      cwd: REPO,
      env: { ...process.env, NX_DAEMON: 'false' },
      stdio: 'inherit',
      timeout: BUILD_TIMEOUT_MS,
    });
  }
}

export interface ScopedData {
  ttl_seconds: number;
  grants: Record<string, Record<string, string[]>>;
}

/** The fixture policy's data.json as shipped: who may call which methods of whom. */
export const scopedData = (): ScopedData =>
  JSON.parse(readFileSync(join(SCOPED_SOURCES, 'data.json'), 'utf8')) as ScopedData;

/** Compile the scoped fixture policy to wasm in `outDir` with the pinned OPA. */
export async function buildScopedBundle(outDir: string): Promise<void> {
  const opa = execFileSync('bash', [join(REPO, 'tools/opa.sh')], {
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
  }).trim();
  await buildBundle({ opa, sourceDir: SCOPED_SOURCES, outDir });
}

// ---------------------------------------------------------------------------
// The stack.

export interface Stack {
  app: Tessera;
  engine: OpaPolicyEngine;
  clock: { now: number };
  events: CapabilityEvent[];
  /** A connection to a module's endpoint proving `as`'s identity key, as its host would open it. */
  dial(module: string, as: string): Promise<RpcPeer>;
  close(): Promise<void>;
}

export async function startStack(bundle: string, watch = false): Promise<Stack> {
  const { engine, outcome } = await OpaPolicyEngine.open({
    bundle,
    watch,
    debounceMs: 50,
    logger: silentPolicyLogger,
  });
  if (!outcome.ok) throw outcome.error;
  const clock = { now: Date.now() };
  const keys = pinnedKeys([...MODULES.map((m) => m.manifest.name), EVE.name]);
  const app = await createTessera({
    policy: engine,
    identityKeys: keys,
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
    async dial(module, as) {
      const address = app.core.listModules().find((m) => m.name === module)?.address;
      if (!address) throw new Error(`no address for ${module}`);
      const peer = new RpcPeer(await connectAs(transport, keys, address, as, module));
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

/**
 * Per test: a fresh copy of the default bundle (under `prefix`) and an app
 * running on it; both are closed and removed after the test, even a failing one.
 */
export function useDefaultPolicyStack(
  prefix: string,
  watch = false,
): { readonly bundle: string; readonly s: Stack } {
  const current = {} as { bundle: string; s: Stack };
  beforeEach(async () => {
    resetExecuted();
    current.bundle = copyBundle(DEFAULT_BUILD, scratch(prefix));
    current.s = await startStack(current.bundle, watch);
  });
  afterEach(async () => {
    await current.s?.close();
    rmSync(current.bundle, { recursive: true, force: true });
  });
  return current;
}

export function grantOf(s: Stack, caller: string, target: string) {
  return s.app.core.capability.grants().find((g) => g.caller === caller && g.target === target);
}

/** Wait for `done` to hold, at most `ms`; fails with `what` otherwise. */
export async function within(ms: number, what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
