import type { AuditSink } from '@tessera/policy';
import { DenialAggregator } from './denial-aggregator';
import type { SecurityEvent } from './security-event';
import { SecurityTrail } from './security-trail';
import { causeOf } from './trail-sources';

const memory = () => {
  const lines: SecurityEvent[] = [];
  const sink: AuditSink<SecurityEvent> = {
    write: (e) => void lines.push(JSON.parse(JSON.stringify(e)) as SecurityEvent),
    close: async () => undefined,
  };
  return { lines, sink };
};

describe('SecurityTrail', () => {
  it('numbers, stamps and bounds every event, writes it, keeps the recent ones and tells subscribers', () => {
    const { lines, sink } = memory();
    const trail = new SecurityTrail({ node: 'n1', sink, recent: 3, now: () => 0 });
    const seen: number[] = [];
    trail.on((e) => seen.push(e.seq));
    for (const kind of ['grant.issued', 'grant.revoked', 'module.loaded', 'grant.denied'] as const)
      trail.record({ kind, outcome: 'success', subject: 'x'.repeat(500), reason: 'r' });
    expect(lines.map((e) => [e.seq, e.node, e.time])).toEqual([
      [1, 'n1', '1970-01-01T00:00:00.000Z'],
      [2, 'n1', '1970-01-01T00:00:00.000Z'],
      [3, 'n1', '1970-01-01T00:00:00.000Z'],
      [4, 'n1', '1970-01-01T00:00:00.000Z'],
    ]);
    expect(lines[0]?.subject?.length).toBeLessThan(200);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(trail.recent().map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(trail.recent({ kind: 'grant' }).map((e) => e.kind)).toEqual([
      'grant.revoked',
      'grant.denied',
    ]);
    expect(trail.recent({ after: 3 }).map((e) => e.seq)).toEqual([4]);
    expect(trail.recent({ limit: 1 }).map((e) => e.seq)).toEqual([4]);
  });

  it('names the cause of a revocation from its reason', () => {
    expect(
      [
        'expired',
        'crashed: exit 9',
        'policy reload: denied',
        'revoked by the operator',
        'parent revoked (a → b: expired)',
        'unloaded',
        'operator session closed',
        'released',
        'anything else',
      ].map(causeOf),
    ).toEqual([
      'expiry',
      'crash',
      'reload',
      'operator',
      'parent revoked',
      'unload',
      'session closed',
      'released',
      'other',
    ]);
  });
});

describe('DenialAggregator', () => {
  it('folds a flood into one line per target, caller, code and grant per window, with the count', () => {
    const { lines, sink } = memory();
    const trail = new SecurityTrail({ sink });
    const folded = new DenialAggregator(trail, 60_000);
    for (let i = 0; i < 1000; i++)
      folded.add('echo', {
        caller: 'eve',
        code: 'PERMISSION_DENIED',
        grant: 'g1',
        reason: "'add' is not granted to eve on echo",
        methods: [`m${i % 20}`],
        count: 1,
      });
    folded.add('echo', {
      caller: 'eve',
      code: 'UNAUTHENTICATED',
      reason: 'missing token',
      methods: ['x'],
      count: 5,
    });
    expect(lines).toEqual([]);
    folded.flush();
    expect(
      lines.map((e) => [e.kind, e.subject, e.target, e.code, e.count, e.methods?.length]),
    ).toEqual([
      ['call.denied', 'eve', 'echo', 'PERMISSION_DENIED', 1000, 8],
      ['call.denied', 'eve', 'echo', 'UNAUTHENTICATED', 5, 1],
    ]);
    folded.close();
  });

  it('caps the lines of one window: distinct refusals past the cap fold into one', () => {
    const { lines, sink } = memory();
    const folded = new DenialAggregator(new SecurityTrail({ sink }), 60_000);
    for (let i = 0; i < 500; i++)
      folded.add('echo', {
        caller: `c${i}`,
        code: 'UNAUTHENTICATED',
        reason: 'r',
        methods: ['m'],
        count: 1,
      });
    folded.flush();
    expect(lines.length).toBe(65);
    expect(lines.reduce((n, e) => n + (e.count ?? 0), 0)).toBe(500);
  });
});
