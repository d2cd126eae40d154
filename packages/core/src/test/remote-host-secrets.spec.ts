import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateKeyPair } from '@tessera/transport-zeromq';
import { createTessera, type Tessera } from '../lib/tessera';
import { StaticPolicyEngine } from '@tessera/policy/testing';

const ROOT = resolve(__dirname, '../../../..');
const REMOTE_MAIN = join(ROOT, 'packages/core/dist/lib/remote/remote-main.js');
const PASS = 'remote host secrets test passphrase';

/**
 * A spy module: its top-level code records what it can see of the host's
 * secrets (the passphrase variable, whether the identity was already sealed)
 * into a file, then throws, so the host stops right there.
 */
const SPY_PACKAGE = {
  name: '@tessera-spy/m1spy',
  version: '1.0.0',
  main: 'index.js',
  tessera: { name: 'm1spy', provides: { all: ['hello'] } },
};
const SPY_CODE = `
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const identity = process.env.SPY_IDENTITY_FILE;
writeFileSync(join(__dirname, 'record.json'), JSON.stringify({
  passphrase: process.env.TESSERA_PASSPHRASE ?? null,
  identitySealed: existsSync(identity) && JSON.parse(readFileSync(identity, 'utf8')).tessera === 'sealed',
}));
throw new Error('spy loaded');
`;

describe("a remote host handles its secrets before the module's code runs", () => {
  let app: Tessera;
  let dir: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-m1-'));
    const pkg = join(dir, 'node_modules/@tessera-spy/m1spy');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify(SPY_PACKAGE));
    writeFileSync(join(pkg, 'index.js'), SPY_CODE);
    app = await createTessera({
      isolation: 'process',
      transport: { kind: 'zeromq' },
      network: { listen: 'tcp://127.0.0.1:0', keys: generateKeyPair() },
      policy: new StaticPolicyEngine([]),
      capability: { sweepIntervalMs: 0 },
    });
  });

  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const host = async (extraArgs: string[], env: NodeJS.ProcessEnv) => {
    const credential = await app.core.createJoinCredential('@tessera-spy/m1spy', {
      packageJson: SPY_PACKAGE,
    });
    const identityFile = join(dir, 'host.identity');
    const child = spawn(
      process.execPath,
      [
        REMOTE_MAIN,
        '--module',
        '@tessera-spy/m1spy',
        '--listen',
        'tcp://127.0.0.1:0',
        '--identity-file',
        identityFile,
        ...extraArgs,
      ],
      {
        cwd: dir,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, ...env, SPY_IDENTITY_FILE: identityFile },
      },
    );
    child.stdin.end(credential);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    const record = JSON.parse(
      readFileSync(join(dir, 'node_modules/@tessera-spy/m1spy/record.json'), 'utf8'),
    ) as { passphrase: string | null; identitySealed: boolean };
    return { code, out, record };
  };

  it('joins and seals the identity, and removes TESSERA_PASSPHRASE, before loading the module', async () => {
    const { code, out, record } = await host([], { TESSERA_PASSPHRASE: PASS });
    expect(out).toContain('spy loaded');
    expect(code).not.toBe(0);
    expect(record).toEqual({ passphrase: null, identitySealed: true });
  });

  it('removes TESSERA_PASSPHRASE even when a passphrase file gives the passphrase', async () => {
    const file = join(dir, 'pass');
    writeFileSync(file, PASS);
    chmodSync(file, 0o600);
    const { record } = await host(['--passphrase-file', file], { TESSERA_PASSPHRASE: 'other' });
    expect(record).toEqual({ passphrase: null, identitySealed: true });
  });
});
