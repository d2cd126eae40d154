import type { DeniedCalls } from '../contracts/module-core-api';
import { DenialReporter, MAX_DENIAL_KEYS } from './denial-reporter';

describe('DenialReporter: what a host door refused, counted and sent once per interval', () => {
  it('sends one report for a flood, one entry per caller, code and grant, with counts', async () => {
    const sent: DeniedCalls[][] = [];
    const reporter = new DenialReporter(async (batch) => void sent.push(batch), 20);
    for (let i = 0; i < 500; i++)
      reporter.add({
        caller: 'eve',
        method: `m${i % 3}`,
        code: 'PERMISSION_DENIED',
        reason: 'no',
        grant: 'g',
      });
    for (let i = 0; i < 10; i++)
      reporter.add({ method: 'x', code: 'UNAUTHENTICATED', reason: 'who' });
    expect(sent).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(sent).toEqual([
      [
        {
          caller: 'eve',
          code: 'PERMISSION_DENIED',
          grant: 'g',
          reason: 'no',
          methods: ['m0', 'm1', 'm2'],
          count: 500,
        },
        { code: 'UNAUTHENTICATED', reason: 'who', methods: ['x'], count: 10 },
      ],
    ]);
    reporter.close();
  });

  it('bounds a report however many callers there are', () => {
    const sent: DeniedCalls[][] = [];
    const reporter = new DenialReporter(async (batch) => void sent.push(batch), 60_000);
    for (let i = 0; i < 200; i++)
      reporter.add({ caller: `c${i}`, method: 'm', code: 'UNAUTHENTICATED', reason: 'r' });
    reporter.close();
    expect(sent[0]?.length).toBe(MAX_DENIAL_KEYS + 1);
    expect(sent[0]?.reduce((n, d) => n + d.count, 0)).toBe(200);
  });
});
