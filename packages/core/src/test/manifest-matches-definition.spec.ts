import { dirname, join } from 'node:path';
import { ErrorCode, type TesseraError } from '@tessera/protocol';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { defineModule } from '@tessera/sdk';
import { createTessera, type Tessera } from '../lib/tessera';
import { CORE_MODULE_METHODS } from '../index';

/**
 * At load, the manifest's methods (what `provides` names) and events are
 * checked against what the module's definition exposes, on every host: a
 * package.json and code that drifted apart stop the module with every
 * difference named, instead of grants for methods that do not exist.
 */
const drift = defineModule({
  name: 'drift',
  events: ['tick', 'extra'],
  create: () => ({ ping: () => 'pong', read: (key: string) => key }),
});

const policy = () =>
  new StaticPolicyEngine(
    ['drift', 'twin'].map((caller) => ({
      caller,
      target: 'core',
      methods: [...CORE_MODULE_METHODS],
    })),
  );

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: TesseraError) => e,
  );

describe('manifest against definition, at load', () => {
  let app: Tessera | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('in-process: names every method and event that differ, and the module does not start', async () => {
    app = await createTessera({ policy: policy(), capability: { sweepIntervalMs: 0 } });
    const err = await failure(
      app.core.load([
        {
          manifest: {
            name: 'drift',
            events: ['tick', 'tock'],
            provides: { talk: ['ping', 'pnig', 'event:tick', 'event:gone'] },
          },
          definition: drift,
        },
      ]),
    );
    expect(err?.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(err?.message).toBe(
      'module drift: its manifest ("tessera" in package.json) and its definition (defineModule) differ: ' +
        "provides.talk names method 'pnig', which the definition does not expose; " +
        "provides.talk names event 'gone', which the definition does not declare; " +
        "events lists 'tock', which the definition does not declare; " +
        "the definition declares event 'extra', which events does not list",
    );
    expect(app.core.module('drift')?.state).not.toBe('ready');
  });

  it('in-process: a manifest that agrees loads', async () => {
    app = await createTessera({ policy: policy(), capability: { sweepIntervalMs: 0 } });
    await app.core.load([
      {
        manifest: {
          name: 'drift',
          events: ['extra', 'tick'],
          provides: { talk: ['ping', 'event:tick'], look: ['read'] },
        },
        definition: drift,
      },
    ]);
    expect(app.core.module('drift')?.state).toBe('ready');
  });

  it('in its own process: the same check, the same message', async () => {
    app = await createTessera({
      isolation: 'process',
      transport: { kind: 'ipc' },
      policy: policy(),
      capability: { sweepIntervalMs: 0 },
    });
    const twinDir = dirname(require.resolve('@tessera-test/twin/package.json'));
    const err = await failure(
      app.core.load([
        {
          packageName: '@tessera-test/twin',
          entryPath: join(twinDir, 'index.js'),
          manifest: { name: 'twin', events: ['boom'], provides: { all: ['fail', 'fial'] } },
        },
      ]),
    );
    expect(err?.message).toContain(
      "module twin: its manifest (\"tessera\" in package.json) and its definition (defineModule) differ: provides.all names method 'fial', which the definition does not expose; events lists 'boom', which the definition does not declare",
    );
    expect(app.core.module('twin')?.state).not.toBe('ready');
  });
});
