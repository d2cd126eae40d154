import { TesseraError } from '@tessera/protocol';
import { RESERVED_MODULE_NAMES } from '../registry/core-facts';
import { loadOrder } from '../lifecycle/load-order';
import type { DiscoveredModule } from './discovered-module';

/**
 * Check the modules of one app together: reserved and duplicate names,
 * dependencies missing from the config, dependency cycles. Returns the
 * names in load order. Throws `INVALID_ARGUMENT` naming the config file.
 */
export function checkModuleSet(modules: readonly DiscoveredModule[], file: string): string[] {
  const byName = new Map<string, DiscoveredModule>();
  for (const m of modules) {
    const name = m.manifest.name;
    if (RESERVED_MODULE_NAMES.has(name)) {
      throw TesseraError.invalidArgument(
        `package ${m.packageName}: module name '${name}' is reserved`,
        { module: name },
      );
    }
    const other = byName.get(name);
    if (other) {
      throw TesseraError.invalidArgument(
        `${file}: packages ${other.packageName} and ${m.packageName} are both named '${name}'`,
        { module: name, packages: [other.packageName, m.packageName] },
      );
    }
    byName.set(name, m);
  }
  for (const m of modules) {
    for (const dep of m.manifest.dependencies) {
      if (!byName.has(dep)) {
        throw TesseraError.invalidArgument(
          `module ${m.manifest.name} depends on ${dep}, which is not in ${file} modules`,
          {
            module: m.manifest.name,
            dependency: dep,
          },
        );
      }
    }
  }
  try {
    return loadOrder(modules.map((m) => m.manifest));
  } catch (err) {
    if (err instanceof TesseraError)
      throw TesseraError.invalidArgument(`${file}: ${err.message}`, err.data);
    throw err;
  }
}
