import {
  AuditedPolicyEngine,
  type PolicyDecision,
  type PolicyEngine,
  type PolicyInput,
} from '../src';
import { MemoryAuditSink } from '../src/testing';
import { notes, request, storage } from './support/inputs';

/** An engine that answers with whatever it is given: the audit must bound it anyway. */
const echoing = (decision: PolicyDecision): PolicyEngine => ({
  revision: 1,
  decide: async () => decision,
  onChange: () => () => undefined,
  close: async () => undefined,
});

describe('decision records are bounded whatever the input', () => {
  it('lists at most 32 methods and "... (+K more)", and cuts names and the reason', async () => {
    const sink = new MemoryAuditSink();
    const methods = Array.from({ length: 1_400_000 }, (_, i) => `m${i}`);
    const granted = Array.from({ length: 5000 }, (_, i) => `g${i}`.padEnd(300, 'x'));
    const engine = new AuditedPolicyEngine(
      echoing({ allow: true, methods: granted, ttlSeconds: 1, reason: 'r'.repeat(50_000) }),
      sink,
    );
    const input: PolicyInput = request({ ...notes, name: 'n'.repeat(10_000) }, storage, methods);
    await engine.decide(input);
    const [record] = sink.records;
    expect(record?.requested).toEqual([...methods.slice(0, 32), '... (+1399968 more)']);
    expect(record?.granted).toHaveLength(33);
    expect(record?.granted[0]).toBe(`${'g0'.padEnd(128, 'x')}… (+172 chars)`);
    expect(record?.granted[32]).toBe('... (+4968 more)');
    expect(record?.caller).toBe(`${'n'.repeat(128)}… (+9872 chars)`);
    expect(record?.reason).toBe(`${'r'.repeat(1024)}… (+48976 chars)`);
    expect(JSON.stringify(record).length).toBeLessThan(8 * 1024); // was ~13 MB for this input
  });

  it('keeps a small record whole', async () => {
    const sink = new MemoryAuditSink();
    const engine = new AuditedPolicyEngine(
      echoing({ allow: true, methods: ['get'], ttlSeconds: 1, reason: 'ok' }),
      sink,
    );
    await engine.decide(request(notes, storage, ['get', 'set']));
    expect(sink.records[0]).toMatchObject({
      requested: ['get', 'set'],
      granted: ['get'],
      reason: 'ok',
    });
  });
});
