import { TesseraError } from '@tessera/protocol';
import type { ModuleEntry, ModuleRegistry } from '../registry/module-registry';
import { loadLevels, loadOrder } from './load-order';
import type { Supervisor } from './supervisor';

/** Loads modules dependencies first; independent modules of one level start together. */
export class Loader {
  constructor(
    private readonly registry: ModuleRegistry,
    private readonly supervisor: Supervisor,
  ) {}

  /** Load modules (and make them known), dependencies first. */
  async load(entries: ModuleEntry[]): Promise<void> {
    this.registry.addKnown(entries);
    const loaded = new Set(this.registry.records.keys());
    await this.startInLevels(
      loadOrder(
        entries.map((e) => e.manifest),
        loaded,
      ),
    );
  }

  /** Load one known module (and its not yet loaded dependencies). */
  async loadKnown(name: string): Promise<void> {
    const { known, records } = this.registry;
    if (!known.has(name)) throw TesseraError.notFound(`module '${name}' is not known`);
    if (records.has(name))
      throw TesseraError.failedPrecondition(`module '${name}' is already loaded`);
    const loaded = new Set(records.keys());
    const order = loadOrder(
      [...known.values()].map((e) => e.manifest).filter((m) => !loaded.has(m.name)),
      loaded,
    );
    const needed = new Set<string>();
    const visit = (n: string): void => {
      if (needed.has(n) || loaded.has(n)) return;
      needed.add(n);
      for (const d of known.get(n)?.manifest.dependencies ?? []) visit(d);
    };
    visit(name);
    await this.startInLevels(order.filter((n) => needed.has(n)));
  }

  private async startInLevels(order: string[]): Promise<void> {
    const levels = loadLevels(
      order,
      (n) => this.registry.known.get(n)?.manifest.dependencies ?? [],
    );
    for (const level of levels) {
      const results = await Promise.allSettled(level.map((n) => this.supervisor.start(n)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }
}
