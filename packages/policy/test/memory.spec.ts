import { join } from 'node:path';
import { OpaPolicyEngine, silentPolicyLogger } from '../src';
import { OPA_INSTALL_TIMEOUT_MS, POLICIES, compile, scratch } from './support/bundles';
import { mail, notes, request, storage } from './support/inputs';

const EVALUATIONS = 200_000;

describe('OpaPolicyEngine memory', () => {
  const tmp = scratch();
  let bundle: string;

  beforeAll(async () => {
    bundle = await compile(POLICIES, join(tmp.dir, 'build'));
  }, OPA_INSTALL_TIMEOUT_MS);
  afterAll(() => tmp.cleanup());

  it(`keeps wasm memory and the JS heap flat over ${EVALUATIONS} evaluations`, async () => {
    const { engine } = await OpaPolicyEngine.open({ bundle, logger: silentPolicyLogger });
    const inputs = [
      request(notes, storage, ['get']),
      request(mail, storage),
      request(notes, storage),
    ];
    for (let i = 0; i < 5_000; i++) engine.decideNow(inputs[i % 3]); // warm up
    const wasmBefore = engine.stats?.memoryBytes ?? 0;
    const heapBefore = process.memoryUsage().heapUsed;
    let allowed = 0;
    for (let i = 0; i < EVALUATIONS; i++) if (engine.decideNow(inputs[i % 3]).allow) allowed++;
    const wasmAfter = engine.stats?.memoryBytes ?? 0;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;

    expect(allowed).toBe(EVALUATIONS - Math.floor((EVALUATIONS + 1) / 3)); // every third input is denied
    expect(wasmAfter).toBe(wasmBefore);
    // Generous: garbage not yet collected may remain, a leak of even 100 bytes/eval would not fit.
    expect(heapGrowth).toBeLessThan(16 * 1024 * 1024);
    await engine.close();
  }, 60_000);

  it('rebuilds the wasm instance from the compiled module when memory passes the budget, deciding the same', async () => {
    // A budget below the initial memory forces a rebuild after every evaluation.
    const { engine } = await OpaPolicyEngine.open({
      bundle,
      logger: silentPolicyLogger,
      memoryBudgetBytes: 1,
    });
    for (let i = 0; i < 50; i++) {
      expect(engine.decideNow(request(notes, storage, ['get']))).toMatchObject({
        allow: true,
        methods: ['get'],
      });
      expect(engine.decideNow(request(mail, storage)).allow).toBe(false);
    }
    expect(engine.stats?.recycles).toBeGreaterThanOrEqual(100);
    await engine.close();
  });
});
