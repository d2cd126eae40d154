import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@tessera/protocol';
import { OpaPolicyEngine } from '../src';
import { OPA_INSTALL_TIMEOUT_MS, compile, scratch } from './support/bundles';
import { notes, request, storage } from './support/inputs';

/**
 * A pathological policy: work that grows with every method asked for (256
 * methods: about 0.4 s here), and as much work for one caller whatever it asks.
 */
const SLOW_POLICY = `package tessera.authz

decision := {"allow": false, "methods": [], "ttlSeconds": 0, "reason": sprintf("work: %d", [count(work)])}

work contains x if {
	some m in input.methods
	some i in numbers.range(1, 400)
	x := concat(":", [m, format_int(i, 10)])
}

work contains x if {
	input.subject.name == "slowpoke"
	some i in numbers.range(1, 100000)
	x := concat(":", ["slow", format_int(i, 10)])
}
`;

function recorder(): Logger & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    info: () => undefined,
    warn: (m) => void warnings.push(m),
    error: (m) => void errors.push(m),
  };
}

describe('policy evaluation time', () => {
  const tmp = scratch();
  let slow: string;

  beforeAll(async () => {
    const src = join(tmp.dir, 'slow-src');
    mkdirSync(src);
    writeFileSync(join(src, 'policy.rego'), SLOW_POLICY);
    slow = await compile(src, join(tmp.dir, 'slow'));
  }, OPA_INSTALL_TIMEOUT_MS);
  afterAll(() => tmp.cleanup());

  it('rejects a bundle whose largest request takes longer than the evaluation budget', async () => {
    const logger = recorder();
    const { engine, outcome } = await OpaPolicyEngine.open({
      bundle: slow,
      evaluationBudgetMs: 50,
      logger,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.error?.message).toMatch(
      /^policy bundle rejected: evaluating the largest request \(256 methods\) took \d+ ms, over the 50 ms budget \(opa\.evaluationBudgetMs\)$/,
    );
    expect((await engine.decide(request(notes, storage))).reason).toBe(outcome.error?.message);
    await engine.close();
  }, 60_000);

  it('counts and logs a slow evaluation, at most one line per 10 s', async () => {
    const logger = recorder();
    const { engine, outcome } = await OpaPolicyEngine.open({
      bundle: slow,
      evaluationBudgetMs: 120_000, // let it in, to see it run slow
      // Well above what a tiny request takes even on a loaded machine, well below the slowpoke's.
      slowEvaluationMs: 150,
      logger,
    });
    expect(outcome.ok).toBe(true);
    expect(engine.stats?.slowEvaluations).toBe(0); // the load-time evaluations are not requests
    // (That a fast request is not counted is SlowEvaluations' unit test: how long a tiny
    // evaluation takes here depends on how loaded the machine is.)
    const slowpoke = { ...notes, name: 'slowpoke' };
    await engine.decide(request(slowpoke, storage));
    await engine.decide(request(slowpoke, storage, ['get']));
    expect(engine.stats?.slowEvaluations).toBe(2);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(
      /^slow policy evaluation: \d+ ms \(slowpoke -> storage, 0 methods\); the core's event loop waited$/,
    );
    expect(engine.stats?.maxEvaluationMs).toBeGreaterThan(150);
    await engine.close();
  }, 120_000);
});
