import type { HostResourceStats } from '@tessera/host';

const FIELDS = ['pid', 'cpuPercent', 'cpuTimeMs', 'rssBytes', 'heapUsedBytes'] as const;

/**
 * The resource figures of what a host reported of itself, and nothing else:
 * each a finite number ≥ 0 (the pid a positive integer), or the report is
 * dropped (undefined). A remote host writes this object, so no other field
 * of it (a `name`, `state` or `incarnation` of its choosing) ever reaches
 * a listing.
 */
export function resourceStatsOf(value: unknown): HostResourceStats | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const out: Partial<HostResourceStats> = {};
  for (const field of FIELDS) {
    const n = v[field];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return undefined;
    out[field] = n;
  }
  if (!Number.isSafeInteger(out.pid) || (out.pid as number) <= 0) return undefined;
  return out as HostResourceStats;
}
