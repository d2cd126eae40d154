/**
 * Without a policy bundle nothing is allowed: the engine reports NOT_FOUND and
 * no module reaches the core, whether loaded at start or later.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@tessera/protocol';
import { OpaPolicyEngine, silentPolicyLogger } from '@tessera/policy';
import { errorOf } from '@tessera/protocol/testing';
import { EVE, MODULES, createTessera, executed, resetExecuted, scratch } from './support';

describe('a missing policy bundle', () => {
  let dir: string;
  beforeEach(() => {
    resetExecuted();
    dir = scratch('tessera-policy-missing-');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('denies everything: no module even gets a core token, and loading fails with a clear message', async () => {
    const missing = join(dir, 'no-such-bundle');
    const { engine, outcome } = await OpaPolicyEngine.open({
      bundle: missing,
      logger: silentPolicyLogger,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.error.code).toBe(ErrorCode.NOT_FOUND);
    expect(engine.revision).toBe(0);

    // Loading at start: createTessera itself fails, naming the first module and the cause.
    await expect(
      createTessera({ policy: engine, identities: [EVE], modules: MODULES }),
    ).rejects.toThrow(`module store may not reach the core: policy bundle not found: ${missing}`);

    // Loading later: the app starts empty, core.load fails the same way, nothing is granted.
    const app = await createTessera({ policy: engine, identities: [EVE] });
    try {
      const err = await errorOf(app.core.load(MODULES));
      expect(err.code).toBe(ErrorCode.PERMISSION_DENIED);
      expect(err.message).toBe(
        `module store may not reach the core: policy bundle not found: ${missing}`,
      );
      expect(app.core.listModules().filter((m) => m.loaded)).toEqual([]);
      expect(app.core.capability.grants()).toEqual([]);
      const core = await errorOf(app.core.issueToken('eve', 'core'));
      expect(core.message).toBe(`policy bundle not found: ${missing}`);
    } finally {
      await app.close();
      await engine.close();
    }
    expect(executed).toEqual({});
  });
});
