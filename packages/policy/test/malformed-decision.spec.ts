import { join } from 'node:path';
import { OpaPolicyEngine, silentPolicyLogger } from '../src';
import { OPA_INSTALL_TIMEOUT_MS, FIXTURES, compile, scratch } from './support/bundles';
import { request, storage } from './support/inputs';

/** A separately compiled policy that answers garbage: every garbage answer must be a deny. */
describe('OpaPolicyEngine with a policy returning garbage', () => {
  const tmp = scratch();
  let engine: OpaPolicyEngine;

  beforeAll(async () => {
    const bundle = await compile(join(FIXTURES, 'garbage'), join(tmp.dir, 'garbage'));
    engine = (await OpaPolicyEngine.open({ bundle, logger: silentPolicyLogger })).engine;
  }, OPA_INSTALL_TIMEOUT_MS);
  afterAll(async () => {
    await engine.close();
    tmp.cleanup();
  });

  const caller = (name: string) => ({ name, provides: {}, requires: ['kv-read'] });

  it.each([
    ['allow-not-boolean', 'decision.allow must be true, false or "ask"'],
    ['methods-not-strings', 'decision.methods must be an array of strings'],
    ['negative-ttl', 'decision.ttlSeconds must be a finite number >= 0'],
    ['not-an-object', 'decision must be an object, got "allow"'],
    ['two-wildcards', "decision.constraints.get.key[0] may hold one '*' at most"],
    ['zero-rate', 'decision.rateLimit.perSecond must be a number > 0 and <= 1000000'],
  ])('denies when the decision for %s is malformed', async (name, problem) => {
    const d = await engine.decide(request(caller(name), storage));
    expect(d).toEqual({
      allow: false,
      methods: [],
      ttlSeconds: 0,
      reason: `malformed policy decision, denied: ${problem}`,
    });
  });

  it('denies when the decision is undefined', async () => {
    const d = await engine.decide(request(caller('anyone-else'), storage));
    expect(d).toEqual({
      allow: false,
      methods: [],
      ttlSeconds: 0,
      reason: 'malformed policy decision, denied: policy decision is undefined for this input',
    });
  });

  it('denies when the entrypoint does not exist in the bundle', async () => {
    const { engine: other, outcome } = await OpaPolicyEngine.open({
      bundle: join(tmp.dir, 'garbage'),
      entrypoint: 'tessera/other/decision',
      logger: silentPolicyLogger,
    });
    expect(outcome).toMatchObject({ ok: false });
    expect((await other.decide(request(caller('negative-ttl'), storage))).reason).toContain(
      'no entrypoint tessera/other/decision',
    );
    await other.close();
  });
});
