import { defineModule } from '@tessera/sdk';
import { StaticPolicyEngine, type StaticRule } from '@tessera/policy/testing';
import { mintToken } from '@tessera/token-manager';
import {
  type Connection,
  type TransportRegistry,
  TRANSPORT_REGISTRY,
  RpcPeer,
} from '@tessera/transport';
import { resolveToken } from '@tessera/protocol';
import { createTessera, type Tessera, type TesseraOptions } from '../lib/tessera';
import { connectAs, pinnedKeys } from './identities';
import { CORE_MODULE_METHODS } from '../index';

/** Counts every execution of vault code, so tests can prove it never ran. */
export const executed: Record<string, number> = {};
export function resetExecuted(): void {
  for (const k of Object.keys(executed)) delete executed[k];
}
const ran = (m: string): void => {
  executed[m] = (executed[m] ?? 0) + 1;
};

export const vault = defineModule({
  name: 'vault',
  events: ['changed'],
  create(ctx) {
    const data = new Map<string, unknown>([['greeting', 'hello']]);
    return {
      read(key: string) {
        ran('read');
        return data.get(key);
      },
      async write(key: string, value: unknown) {
        ran('write');
        data.set(key, value);
        ctx.emit('changed', { key });
        return true;
      },
      sum(...numbers: number[]) {
        ran('sum');
        return numbers.reduce((a, b) => a + b, 0);
      },
      nothing() {
        ran('nothing');
      },
      fail(code: string) {
        ran('fail');
        if (code === 'plain') throw new Error('disk at /var/secret exploded');
        throw Object.assign(new Error('not typed'), { code });
      },
    };
  },
});

/** A module that calls the vault through its typed client. */
export const alice = defineModule({
  name: 'alice',
  create(ctx) {
    const v = ctx.client<{
      read(key: string): unknown;
      write(key: string, value: unknown): boolean;
    }>('vault');
    return {
      readVault: (key: string) => v.read(key),
      writeVault: (key: string, value: unknown) => v.write(key, value),
      callWithTimeout: (ms: number) => ctx.call('vault', 'read', ['greeting'], { timeoutMs: ms }),
    };
  },
});

export const bob = defineModule({
  name: 'bob',
  create(ctx) {
    const seen: unknown[] = [];
    return {
      watch: async () => {
        await ctx.on('vault', 'changed', (p) => seen.push(p));
        return true;
      },
      seen: () => seen,
      write: (key: string, value: unknown) => ctx.call('vault', 'write', [key, value]),
    };
  },
});

export const other = defineModule({ name: 'other', create: () => ({ ping: () => 'pong' }) });

/** Every module may reach the core's module surface: an explicit rule, not an exemption. */
export function coreRules(names: string[]): StaticRule[] {
  return names.map((caller) => ({ caller, target: 'core', methods: [...CORE_MODULE_METHODS] }));
}

export interface Harness {
  app: Tessera;
  policy: StaticPolicyEngine;
  clock: { now: number };
  /**
   * A connection to a module's endpoint (or the core's) proving `as`'s
   * identity key, as that identity's host would open it.
   */
  dial(module: string, as: string): Promise<RpcPeer>;
  /** The same proven connection without an RPC layer on it, to send frames by hand. */
  connect(module: string, as: string): Promise<Connection>;
  /** A connection that skips the channel handshake, as an attacker might try. */
  dialRaw(module: string): Promise<RpcPeer>;
  /** A fresh core token for a non-module identity ("eve"), as its host would hold. */
  close(): Promise<void>;
}

export async function startApp(
  rules: StaticRule[],
  extra: Partial<TesseraOptions> = {},
): Promise<Harness> {
  const clock = { now: Date.now() };
  const policy = new StaticPolicyEngine([
    ...coreRules(['vault', 'alice', 'bob', 'other', 'eve']),
    ...rules,
  ]);
  const keys = pinnedKeys(['vault', 'alice', 'bob', 'other', 'eve', 'mallory']);
  const app = await createTessera({
    policy,
    identityKeys: keys,
    now: () => clock.now,
    capability: { sweepIntervalMs: 0 },
    identities: [
      { name: 'eve', provides: {}, requires: [] },
      { name: 'mallory', provides: {}, requires: [] },
    ],
    modules: [
      { manifest: { name: 'vault', events: ['changed'] }, definition: vault },
      { manifest: { name: 'alice', dependencies: ['vault'] }, definition: alice },
      { manifest: { name: 'bob', dependencies: ['vault'] }, definition: bob },
      { manifest: { name: 'other' }, definition: other },
    ],
    ...extra,
  });
  const registry: TransportRegistry = resolveToken(app.container, TRANSPORT_REGISTRY);
  // The harness dials over the app's own carrier (in-process modules listen on it too).
  const transport = registry.create({ kind: extra.transport?.kind ?? 'inproc' });
  const opened: { close(): Promise<void> }[] = [];
  const addressOf = (module: string): string => {
    const address =
      module === 'core'
        ? app.core.address
        : app.core.listModules().find((m) => m.name === module)?.address;
    if (!address) throw new Error(`no address for ${module}`);
    return address;
  };
  return {
    app,
    policy,
    clock,
    async dial(module, as) {
      return new RpcPeer(await this.connect(module, as));
    },
    async connect(module, as) {
      const conn = await connectAs(transport, keys, addressOf(module), as, module);
      opened.push(conn);
      return conn;
    },
    async dialRaw(module) {
      const conn = await transport.connect(addressOf(module));
      opened.push(conn);
      return new RpcPeer(conn);
    },
    async close() {
      await Promise.all(opened.map((c) => c.close().catch(() => undefined)));
      await transport.close();
      await app.close();
    },
  };
}

export { mintToken };
