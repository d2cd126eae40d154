import { SlowEvaluations } from './evaluation-time';

const recorder = () => {
  const warnings: string[] = [];
  return {
    warnings,
    logger: { info() {}, warn: (m: string) => warnings.push(m), error() {} },
  };
};

describe('SlowEvaluations', () => {
  const input = { subject: { name: 'notes' }, target: { name: 'storage' }, methods: ['get'] };

  it('counts only evaluations over the threshold', () => {
    const { logger, warnings } = recorder();
    const slow = new SlowEvaluations(100, logger, () => 0);
    slow.record(5, input);
    slow.record(100, input);
    expect(slow.count).toBe(0);
    expect(warnings).toEqual([]);
    slow.record(101, input);
    expect(slow.count).toBe(1);
    expect(warnings).toEqual([
      "slow policy evaluation: 101 ms (notes -> storage, 1 method); the core's event loop waited",
    ]);
  });

  it('logs at most one line per 10 s, folding the others into the next one', () => {
    const { logger, warnings } = recorder();
    let now = 0;
    const slow = new SlowEvaluations(10, logger, () => now);
    slow.record(50, input);
    now = 5_000;
    slow.record(60, input);
    slow.record(70, input);
    expect(slow.count).toBe(3);
    expect(warnings).toHaveLength(1);
    now = 10_001;
    slow.record(80, input);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/80 ms .*; 2 more over 10 ms since the last report$/);
  });
});
