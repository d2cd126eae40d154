/**
 * The security trail records policy loads under the real OPA engine: a
 * reload put in force, and a broken bundle rejected (the old one staying).
 */
import { join } from 'node:path';
import {
  BUILD_TIMEOUT_MS,
  atomicWrite,
  defaultData,
  ensureDefaultPolicyBuilt,
  useDefaultPolicyStack,
  within,
  writeData,
} from './support';

beforeAll(ensureDefaultPolicyBuilt, BUILD_TIMEOUT_MS);

describe('the security trail: policy reloaded or rejected', () => {
  const t = useDefaultPolicyStack('tessera-trail-policy-', true);
  const kinds = () => t.s.app.core.trail.recent({ kind: 'policy' });

  it('records a rejected bundle and a reload in force, in order', async () => {
    await new Promise((r) => setTimeout(r, 100)); // let the watcher arm
    atomicWrite(join(t.bundle, 'data.json'), '[1, 2, 3]');
    await within(10_000, 'the rejection', () => kinds().length > 0);
    expect(kinds()[0]).toMatchObject({
      kind: 'policy.rejected',
      outcome: 'failure',
      reason: expect.stringContaining('data.json must be a JSON object'),
    });
    writeData(t.bundle, defaultData());
    await within(10_000, 'the reload', () => kinds().some((e) => e.kind === 'policy.reloaded'));
    expect(kinds().map((e) => e.kind)).toEqual(['policy.rejected', 'policy.reloaded']);
    expect(kinds()[1]).toMatchObject({ reason: 'policy revision 2 in force', outcome: 'success' });
  });
});
