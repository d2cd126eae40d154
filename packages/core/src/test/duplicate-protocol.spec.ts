import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ErrorCode, type TesseraError, resolveToken } from '@tessera/protocol';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import { RpcPeer, TRANSPORT_REGISTRY, type Transport } from '@tessera/transport';
import { createTessera, type Tessera } from '../lib/tessera';
import { CORE_MANAGER_METHODS, CORE_MODULE_METHODS } from '../index';
import { connectAs, pinnedKeys } from './identities';

/**
 * A module with its own copy of `@tessera/protocol` in its node_modules (a
 * module developed beside an app, or versions that drifted): its error
 * codes survive, because framework errors are recognised by brand.
 */
const twinDir = dirname(require.resolve('@tessera-test/twin/package.json'));
const protocolDir = dirname(require.resolve('@tessera/protocol/package.json'));
const copyDir = join(twinDir, 'node_modules', '@tessera', 'protocol');

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: TesseraError) => e,
  );

describe('a module with its own copy of @tessera/protocol, in its own process', () => {
  let app: Tessera;
  let transport: Transport;
  let twin: RpcPeer;
  let token: string;
  const keys = pinnedKeys(['eve']);

  beforeAll(async () => {
    // A real second copy: the built package, files and all, nested in the module.
    if (!existsSync(join(protocolDir, 'dist', 'index.js')))
      throw new Error('build @tessera/protocol first (npm run build)');
    mkdirSync(copyDir, { recursive: true });
    cpSync(join(protocolDir, 'package.json'), join(copyDir, 'package.json'));
    cpSync(join(protocolDir, 'dist'), join(copyDir, 'dist'), { recursive: true });
    app = await createTessera({
      isolation: 'process',
      transport: { kind: 'ipc' },
      policy: new StaticPolicyEngine([
        { caller: 'twin', target: 'core', methods: [...CORE_MODULE_METHODS] },
        { caller: 'eve', target: 'core', methods: [...CORE_MANAGER_METHODS] },
        { caller: 'eve', target: 'twin', methods: ['fail', 'crash', 'whose'] },
      ]),
      identities: [{ name: 'eve', provides: {}, requires: [] }],
      identityKeys: keys,
      capability: { sweepIntervalMs: 0 },
    });
    await app.core.load([
      {
        packageName: '@tessera-test/twin',
        entryPath: join(twinDir, 'index.js'),
        manifest: { name: 'twin' },
      },
    ]);
    transport = resolveToken(app.container, TRANSPORT_REGISTRY).create({ kind: 'ipc' });
    const address = app.core.module('twin')?.address as string;
    token = (await app.core.issueToken('eve', 'twin', [])).token; // a key with no grant here is refused at the handshake
    twin = new RpcPeer(await connectAs(transport, keys, address, 'eve'));
  });

  afterAll(async () => {
    await twin?.close();
    await transport?.close();
    await app?.close();
    rmSync(join(twinDir, 'node_modules'), { recursive: true, force: true });
  });

  it('really loads its own copy', async () => {
    await expect(twin.call('whose', [], { token })).resolves.toBe(
      join(copyDir, 'dist', 'index.js'),
    );
  });

  it('keeps the code, message and data of an error made by that copy', async () => {
    for (const code of [ErrorCode.NOT_FOUND, ErrorCode.INVALID_ARGUMENT, ErrorCode.UNAVAILABLE]) {
      const err = await errorOf(twin.call('fail', [code], { token }));
      expect({ code: err?.code, message: err?.message, data: err?.data }).toEqual({
        code,
        message: `twin says ${code}`,
        data: { from: 'twin' },
      });
    }
  });

  it('still turns anything else into INTERNAL with a call id', async () => {
    const err = await errorOf(twin.call('crash', [], { token }));
    expect(err?.code).toBe(ErrorCode.INTERNAL);
    expect(err?.message).toMatch(/^Internal error \(call id [0-9a-f]{12}\)$/);
    expect(err?.message).not.toContain('twin crashed');
  });

  it('answers a misspelt method with METHOD_NOT_FOUND and the nearest name', async () => {
    const err = await errorOf(twin.call('fial', [], { token }));
    expect(err?.code).toBe(ErrorCode.METHOD_NOT_FOUND);
    expect(err?.message).toBe("twin has no method 'fial'; did you mean 'fail'?");
  });
});
