import { TesseraError, validateManifest } from '@tessera/protocol';
import type { ModuleFacts } from '@tessera/policy';
import { readPackageJson, resolvePackageDir } from '../discovery';
import { factsOf } from '../registry/module-manifest';

/**
 * A remote module's facts as `tessera admit` pins them: from a manifest the
 * core read itself (the package resolved by name from the app's directory,
 * or a package.json the operator handed over), in a canonical order so two
 * manifests that say the same thing compare equal.
 */
export function canonicalFacts(facts: ModuleFacts): ModuleFacts {
  const provides = Object.keys(facts.provides)
    .sort()
    .map((cap): [string, string[]] => [cap, [...(facts.provides[cap] ?? [])].sort()]);
  return {
    name: facts.name,
    provides: Object.fromEntries(provides),
    requires: [...facts.requires].sort(),
  };
}

/**
 * Where `offered` differs from `pinned`, in words (`requires +kv-write`,
 * `provides.search +drop`), or `undefined` when they say the same.
 */
export function factsMismatch(pinned: ModuleFacts, offered: ModuleFacts): string | undefined {
  const a = canonicalFacts(pinned);
  const b = canonicalFacts(offered);
  const out: string[] = [];
  const diff = (what: string, was: readonly string[], now: readonly string[]) => {
    const added = now.filter((x) => !was.includes(x));
    const removed = was.filter((x) => !now.includes(x));
    if (added.length || removed.length)
      out.push(
        `${what} ${[...added.map((x) => `+${x}`), ...removed.map((x) => `-${x}`)].join(' ')}`,
      );
  };
  if (a.name !== b.name) out.push(`name '${b.name}' instead of '${a.name}'`);
  diff('requires', a.requires, b.requires);
  diff('provides', Object.keys(a.provides), Object.keys(b.provides));
  for (const cap of Object.keys(a.provides)) {
    const now = b.provides[cap];
    if (now) diff(`provides.${cap}`, a.provides[cap] ?? [], now);
  }
  return out.length ? out.join('; ') : undefined;
}

/**
 * The facts to pin for `spec` (a module package's npm name, or a path
 * relative to `appDir`): the core resolves the package itself, as it does
 * for the app's own modules, or validates the `packageJson` the operator
 * gave. Throws `NOT_FOUND` with what to do instead, `INVALID_ARGUMENT` for
 * a manifest that is not a Tessera module's or names another module.
 */
export async function resolvePinnedFacts(
  spec: string,
  appDir: string,
  packageJson?: unknown,
): Promise<ModuleFacts> {
  if (packageJson !== undefined) {
    const declared = (packageJson as { name?: unknown } | null)?.name;
    if (typeof declared !== 'string' || declared === '')
      throw TesseraError.invalidArgument('the package.json given to pin has no "name"');
    const manifest = validateManifest(packageJson, { packageName: declared });
    if (spec !== manifest.name && spec !== declared)
      throw TesseraError.invalidArgument(
        `the package.json given is for module '${manifest.name}' (${declared}), not '${spec}'`,
      );
    return canonicalFacts(factsOf(manifest));
  }
  let dir: string;
  try {
    dir = resolvePackageDir(spec, appDir);
  } catch (err) {
    throw TesseraError.notFound(
      `cannot pin the facts of '${spec}': ${err instanceof Error ? err.message : String(err)}. ` +
        `Admit the module by its npm package name (installed next to the app, e.g. tessera admit @scope/${spec}), ` +
        `or hand over its package.json (tessera admit ${spec} --manifest path/to/package.json)`,
      { package: spec },
    );
  }
  const json = await readPackageJson(dir, spec);
  const declared = (json as { name?: unknown } | null)?.name;
  const packageName = typeof declared === 'string' && declared !== '' ? declared : spec;
  return canonicalFacts(factsOf(validateManifest(json, { packageName, packageDir: dir })));
}
