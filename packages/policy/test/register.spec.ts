import { join } from 'node:path';
import { container } from 'tsyringe';
import { DenyAllPolicyEngine, OpaPolicyEngine, POLICY_ENGINE, registerPolicy } from '../src';
import { StaticPolicyEngine } from '../src/testing';
import { notes, request, storage } from './support/inputs';

describe('registerPolicy', () => {
  it('registers a deny-all engine when given nothing (backwards compatible)', async () => {
    const child = container.createChildContainer();
    const engine = registerPolicy(child);
    expect(engine).toBeInstanceOf(DenyAllPolicyEngine);
    expect(child.resolve(POLICY_ENGINE)).toBe(engine);
    expect((await engine.decide(request(notes, storage))).allow).toBe(false);
  });

  it('registers the given engine as before', () => {
    const child = container.createChildContainer();
    const given = new StaticPolicyEngine();
    expect(registerPolicy(child, { engine: given })).toBe(given);
  });

  it('never crashes on a missing bundle: it denies everything and logs the path', async () => {
    const logged: string[] = [];
    const path = join(__dirname, 'does-not-exist');
    const engine = registerPolicy(container.createChildContainer(), {
      bundle: path,
      logger: { info: () => undefined, warn: () => undefined, error: (m) => logged.push(m) },
    });
    expect(engine).toBeInstanceOf(OpaPolicyEngine);
    expect(await engine.decide(request(notes, storage))).toEqual({
      allow: false,
      methods: [],
      ttlSeconds: 0,
      reason: `policy bundle not found: ${path}`,
    });
    expect(logged).toEqual([`policy bundle not found: ${path}; every request is denied`]);
    await engine.close();
  });

  it('closes what it created on container.dispose(), never an engine it was given', async () => {
    const created = container.createChildContainer();
    const engine = registerPolicy(created);
    const closed = jest.spyOn(engine, 'close');
    await created.dispose();
    expect(closed).toHaveBeenCalledTimes(1);

    const givenChild = container.createChildContainer();
    const given = new StaticPolicyEngine();
    const givenClosed = jest.spyOn(given, 'close');
    registerPolicy(givenChild, { engine: given });
    await givenChild.dispose();
    expect(givenClosed).not.toHaveBeenCalled();
  });
});
