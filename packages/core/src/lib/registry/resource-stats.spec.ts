import { ModuleRegistry } from './module-registry';
import type { ModuleRecord } from './module-record';
import { resourceStatsOf } from './resource-stats';

const GOOD = {
  pid: 4242,
  cpuPercent: 1.5,
  cpuTimeMs: 120,
  rssBytes: 50_000_000,
  heapUsedBytes: 9e6,
};

describe('what a host reports of its resource use, and nothing else', () => {
  it('keeps the five numeric fields and drops everything else', () => {
    expect(
      resourceStatsOf({ ...GOOD, name: 'core', state: 'ready', isolation: 'in-process' }),
    ).toEqual(GOOD);
  });

  it.each([
    ['a missing field', { ...GOOD, heapUsedBytes: undefined }],
    ['a string', { ...GOOD, rssBytes: '1' }],
    ['infinity', { ...GOOD, cpuPercent: Infinity }],
    ['NaN', { ...GOOD, cpuTimeMs: NaN }],
    ['a negative figure', { ...GOOD, rssBytes: -1 }],
    ['a fractional pid', { ...GOOD, pid: 1.5 }],
    ['pid 0', { ...GOOD, pid: 0 }],
    ['not an object', 'stats'],
    ['null', null],
  ])('drops a report with %s', (_what, report) => {
    expect(resourceStatsOf(report)).toBeUndefined();
  });

  it("a remote host's report never overrides the core's own fields in stats()", () => {
    const registry = new ModuleRegistry();
    const record = {
      name: 'notes',
      state: 'crashed',
      incarnation: 3,
      remote: true,
      startedAt: Date.now(),
      // What a hostile host could answer to `stats`: its own name, state, isolation and counters.
      remoteStats: {
        ...GOOD,
        name: 'core',
        state: 'ready',
        isolation: 'in-process',
        incarnation: 1,
        restarts: 0,
        uptimeMs: 1e12,
      },
    } as unknown as ModuleRecord;
    registry.records.set('notes', record);
    registry.restarts.set('notes', 2);
    const [row] = registry.stats();
    expect(row).toMatchObject({
      ...GOOD,
      name: 'notes',
      state: 'crashed',
      isolation: 'remote',
      incarnation: 3,
      restarts: 2,
    });
    expect(row?.uptimeMs).toBe(0);
    expect(Object.keys(row ?? {}).sort()).toEqual(
      [
        ...Object.keys(GOOD),
        'name',
        'state',
        'uptimeMs',
        'restarts',
        'incarnation',
        'isolation',
      ].sort(),
    );
  });
});
