import { join } from 'node:path';
import {
  AuditedPolicyEngine,
  OpaPolicyEngine,
  REQUEST_LIMITS,
  assertRequestedMethods,
  checkDecision,
  requestedMethodsProblem,
  silentPolicyLogger,
  validatePolicyInput,
} from '../src';
import { MemoryAuditSink } from '../src/testing';
import { OPA_INSTALL_TIMEOUT_MS, POLICIES, compile, scratch } from './support/bundles';
import { notes, request, storage } from './support/inputs';

/** The flood: 1.4 M method names, 12.6 MB on the wire. */
const flood = (n = 1_400_000): string[] => Array.from({ length: n }, (_, i) => `m${i}`);

describe('request limits: what a caller may ask for', () => {
  it('accepts up to 256 method names and event scopes', () => {
    const most = Array.from({ length: REQUEST_LIMITS.maxMethods }, (_, i) => `get_${i}`);
    expect(requestedMethodsProblem(most)).toBeUndefined();
    expect(requestedMethodsProblem(['get', 'event:changed', 'x'.repeat(64)])).toBeUndefined();
    expect(requestedMethodsProblem([])).toBeUndefined();
  });

  it('refuses too many entries from the count alone, without reading one', () => {
    let read = 0;
    const methods = new Proxy(flood(), {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) read++;
        return Reflect.get(target, key, receiver);
      },
    });
    expect(requestedMethodsProblem(methods)).toBe(
      'methods lists 1400000 entries; at most 256 may be requested',
    );
    expect(read).toBe(0); // bounded work: the verdict comes from the length
    expect(() => assertRequestedMethods(methods)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('refuses long, malformed and reserved names, naming the entry but never quoting it whole', () => {
    const long = 'a'.repeat(100_000);
    expect(requestedMethodsProblem(['get', long])).toBe(
      'methods[1] has 100000 characters; at most 128',
    );
    expect(requestedMethodsProblem(['a'.repeat(65)])).toMatch(
      /^methods\[0\] "a{64}… \(\+1 chars\)" is not a method name or event:<name> scope$/,
    );
    for (const bad of ['constructor', '__proto__', 'has space', 'event:', 'event:a b', '1st', ''])
      expect(requestedMethodsProblem([bad])).toMatch(/is not a method name or event:<name> scope$/);
    expect(requestedMethodsProblem(['get', 7])).toBe(
      'methods must be an array of strings: methods[1] is a number',
    );
    expect(requestedMethodsProblem('get')).toBe(
      'methods must be an array of strings, got a string',
    );
  });

  it('caps reasons at 1024 characters, saying how much was cut', () => {
    const reason = `none of the requested methods ${JSON.stringify(flood(10_000))} is granted`;
    const check = checkDecision({ allow: false, methods: [], ttlSeconds: 0, reason });
    expect(check.ok && check.decision.reason).toBe(
      `${reason.slice(0, 1024)}… (+${reason.length - 1024} chars)`,
    );
  });

  it("bounds the facts a policy sees, far above any real module's", () => {
    const provides = { big: Array.from({ length: 5000 }, (_, i) => `m${i}`) };
    expect(validatePolicyInput(request(notes, { ...storage, provides }))).toEqual([
      'target.provides has 5000 scope entries; at most 4096',
    ]);
    expect(validatePolicyInput(request({ ...notes, name: 'n'.repeat(200) }, storage))).toEqual([
      'subject.name has 200 characters; at most 128',
    ]);
  });

  describe('against the compiled default policy', () => {
    const tmp = scratch();
    let engine: OpaPolicyEngine;
    let bundle: string;

    beforeAll(async () => {
      bundle = await compile(POLICIES, join(tmp.dir, 'build'));
      engine = (await OpaPolicyEngine.open({ bundle, logger: silentPolicyLogger })).engine;
    }, OPA_INSTALL_TIMEOUT_MS);
    afterAll(async () => {
      await engine.close();
      tmp.cleanup();
    });

    it('denies the 1.4 M-method flood before evaluating it, without evaluating it, with a short reason', async () => {
      const evaluations = engine.stats?.evaluations;
      const input = request(notes, storage, flood());
      const decision = await engine.decide(input); // 21 s of evaluation before (issue 11)
      expect(decision).toEqual({
        allow: false,
        methods: [],
        ttlSeconds: 0,
        reason: 'invalid policy input: methods lists 1400000 entries; at most 256 may be requested',
      });
      expect(engine.stats?.evaluations).toBe(evaluations);
    });

    it('evaluates the largest allowed request with a bounded reason and audit record', async () => {
      const methods = Array.from({ length: REQUEST_LIMITS.maxMethods }, (_, i) =>
        `nope_${i}_`.padEnd(64, 'x'),
      );
      const sink = new MemoryAuditSink();
      const audited = new AuditedPolicyEngine(engine, sink);
      const decision = await audited.decide(request(notes, storage, methods));
      expect(decision.allow).toBe(false);
      // The shipped policy quotes every method asked for (~17 KB): capped.
      expect(decision.reason).toMatch(/^none of the requested methods .*… \(\+\d+ chars\)$/);
      expect(decision.reason.length).toBeLessThan(1100);
      const [record] = sink.records;
      expect(record?.requested).toHaveLength(33);
      expect(record?.requested[32]).toBe('... (+224 more)');
      expect(JSON.stringify(record).length).toBeLessThan(4096);
    });
  });
});
