import { TesseraError, assertValidName } from '@tessera/protocol';
import type { ModuleFacts } from '@tessera/policy';
import type { ModuleDescription } from '@tessera/proxy';
import type { ModuleDefinition } from '@tessera/sdk';
import type { HostStats } from '../launch/host-launcher';
import { CORE_FACTS, RESERVED_MODULE_NAMES } from './core-facts';
import type { ModuleManifest } from './module-manifest';
import type { ModuleRecord } from './module-record';

/** A module the app knows how to load. */
export interface ModuleEntry {
  manifest: ModuleManifest;
  definition?: ModuleDefinition;
  packageName?: string;
  /** Absolute path of the package's entry file, for process hosts. */
  entryPath?: string;
  /** The package's directory (a sandboxed host may read it); default: found above `entryPath`. */
  packageDir?: string;
}

/** One row of `listModules`. */
export interface ModuleListing {
  name: string;
  state: string;
  address?: string;
  loaded: boolean;
}

/** One row of `stats`. */
export type ModuleStats = {
  name: string;
  state: string;
  uptimeMs: number;
  restarts: number;
  /** Which start of the module this is (see {@link ModuleRecord.incarnation}). */
  incarnation: number;
  isolation: 'process' | 'in-process' | 'remote';
} & Partial<HostStats>;

/**
 * What the core knows: modules it can load, records of those loaded, and
 * the facts of every identity a policy may see. Facts come only from
 * manifests the core resolved (or pinned at admission), never from a host.
 */
export class ModuleRegistry {
  readonly records = new Map<string, ModuleRecord>();
  readonly known = new Map<string, ModuleEntry>();
  /** Restarts per module since it last ran stably, for stats and the restart policy. */
  readonly restarts = new Map<string, number>();
  /** Starts per module over the app's life: the last one is its current incarnation. */
  private readonly starts = new Map<string, number>();
  private readonly identities: Map<string, ModuleFacts>;

  constructor(identities: ModuleFacts[] = []) {
    this.identities = new Map(identities.map((f) => [f.name, f]));
  }

  /** Make modules known without loading them. */
  addKnown(entries: ModuleEntry[]): void {
    for (const e of entries) {
      assertValidName(e.manifest.name, 'module name');
      if (RESERVED_MODULE_NAMES.has(e.manifest.name)) {
        throw TesseraError.invalidArgument(`module name '${e.manifest.name}' is reserved`);
      }
      if (e.definition && e.definition.name !== e.manifest.name) {
        throw TesseraError.invalidArgument(
          `module ${e.manifest.name}: definition is named '${e.definition.name}'`,
        );
      }
      this.known.set(e.manifest.name, e);
    }
  }

  /** Count one more start of `name`; returns its incarnation (1 for the first). */
  nextIncarnation(name: string): number {
    const n = (this.starts.get(name) ?? 0) + 1;
    this.starts.set(name, n);
    return n;
  }

  /** The record of a loaded module. */
  get(name: string): ModuleRecord | undefined {
    return this.records.get(name);
  }

  /** Facts of a loaded module, the core, or a system identity (the operator). */
  facts(name: string): ModuleFacts | undefined {
    if (name === 'core') return CORE_FACTS;
    const r = this.records.get(name);
    if (r && r.state !== 'stopping') return r.facts;
    return this.identities.get(name);
  }

  /** The record of a module that is ready to be called. */
  ready(name: string): ModuleRecord {
    const r = this.records.get(name);
    if (!r || r.state !== 'ready' || !r.address)
      throw TesseraError.notFound(`module '${name}' is not loaded`);
    return r;
  }

  listModules(): ModuleListing[] {
    const out = [...this.known.keys()].map((name): ModuleListing => {
      const r = this.records.get(name);
      return r
        ? { name, state: r.state, address: r.address, loaded: true }
        : { name, state: 'known', loaded: false };
    });
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  describe(name: string): ModuleDescription {
    const r = this.records.get(name);
    if (!r?.spec) throw TesseraError.notFound(`module '${name}' is not loaded`);
    return { module: name, methods: r.spec.methods, events: r.spec.events };
  }

  /** Per-module state, restarts and resource use (process hosts report CPU and memory). */
  stats(): ModuleStats[] {
    const now = Date.now();
    return [...this.records.values()].map((r) => ({
      name: r.name,
      state: r.state,
      uptimeMs: now - (r.readyAt ?? now),
      restarts: this.restarts.get(r.name) ?? 0,
      incarnation: r.incarnation,
      isolation: r.remote ? 'remote' : r.host?.pid !== undefined ? 'process' : 'in-process',
      ...(r.host?.currentStats?.() ?? r.remoteStats ?? {}),
    }));
  }
}
