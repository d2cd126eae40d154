import { createHash } from 'node:crypto';
import type { ModuleListing, ModuleStats } from '@tessera/core';
import type { OperatorLink } from './operator-link';

/** A public key or id shortened to what a person compares: 12 characters of its SHA-256. */
export const fingerprint = (s: string): string =>
  createHash('sha256').update(s).digest('base64url').slice(0, 12);

/** One module row: the listing merged with its stats, without its socket address. */
export type ModuleView = Omit<ModuleListing, 'address'> &
  Partial<Omit<ModuleStats, 'name' | 'state'>>;

/** A live grant as the page sees it: the token id (public half), never a token; a key only as a fingerprint. */
export type GrantView = Record<string, unknown> & { id: string; caller: string; target: string };

export async function modulesView(link: OperatorLink): Promise<ModuleView[]> {
  const [modules, stats] = await Promise.all([link.core.listModules(), link.core.stats()]);
  return modules.map((m) => {
    const { name: _n, state: _s, ...s } = stats.find((x) => x.name === m.name) ?? {};
    return { name: m.name, state: m.state, loaded: m.loaded, ...s };
  });
}

export async function grantsView(link: OperatorLink): Promise<GrantView[]> {
  return (await link.core.grants()).map((g) => {
    const { callerKey, session: _session, ...rest } = g;
    return { ...rest, ...(callerKey ? { keyFingerprint: fingerprint(callerKey) } : {}) };
  });
}
