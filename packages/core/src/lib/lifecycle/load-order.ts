import { TesseraError } from '@tessera/protocol';

/**
 * Order modules so each comes after its dependencies. Throws
 * `INVALID_ARGUMENT` naming a missing dependency or the modules of a cycle.
 */
export function loadOrder(
  modules: { name: string; dependencies?: string[] }[],
  alreadyLoaded: ReadonlySet<string> = new Set(),
): string[] {
  const byName = new Map(modules.map((m) => [m.name, m]));
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw TesseraError.invalidArgument(`dependency cycle: ${cycle.join(' -> ')}`, { cycle });
    }
    const m = byName.get(name);
    if (!m) throw TesseraError.invalidArgument(`unknown module ${name}`);
    state.set(name, 'visiting');
    for (const dep of m.dependencies ?? []) {
      if (alreadyLoaded.has(dep)) continue;
      if (!byName.has(dep)) {
        throw TesseraError.invalidArgument(
          `module ${name} depends on ${dep}, which is not part of the app`,
          { module: name, dependency: dep },
        );
      }
      visit(dep, [...path, name]);
    }
    state.set(name, 'done');
    order.push(name);
  };
  for (const m of modules) visit(m.name, []);
  return order;
}

/**
 * Group a dependency order into levels: every module of a level depends only
 * on modules of earlier levels (or already loaded ones), so a level can start
 * all at once.
 */
export function loadLevels(
  order: readonly string[],
  dependenciesOf: (name: string) => readonly string[],
): string[][] {
  const levelOf = new Map<string, number>();
  const levels: string[][] = [];
  for (const name of order) {
    let level = 0;
    for (const dep of dependenciesOf(name)) {
      const l = levelOf.get(dep);
      if (l !== undefined) level = Math.max(level, l + 1);
    }
    levelOf.set(name, level);
    (levels[level] ??= []).push(name);
  }
  return levels;
}
