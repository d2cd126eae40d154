import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '../../..');
const MAIN = join(REPO, 'packages/cli/dist/main.js');

/** Run the built CLI as a child process, from the repository root. */
function tessera(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: REPO, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const facts = (name: string, provides: Record<string, string[]>, requires: string[]) => ({
  name,
  provides,
  requires,
});
const input = (caller: string[], methods: string[] = []) => ({
  subject: facts('notes', {}, caller),
  target: facts('storage', { 'kv-read': ['get', 'list'], 'kv-write': ['set'] }, []),
  methods,
  context: { time: '2024-01-01T00:00:00Z', purpose: 'request' },
});

describe('tessera CLI (built, as a child process)', () => {
  let tmp: string;
  let bundle: string;
  const file = (name: string, content: unknown): string => {
    const path = join(tmp, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  beforeAll(() => {
    // `npm test` builds first; a targeted jest run builds what the CLI needs here.
    if (!existsSync(MAIN) || !existsSync(join(REPO, 'packages/policy/dist/index.js'))) {
      execFileSync('npx', ['nx', 'run', 'cli:build', '--output-style=stream'], {
        cwd: REPO,
        stdio: 'ignore',
      });
    }
    tmp = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
    bundle = join(tmp, 'bundle');
    const built = tessera('policy', 'build', '--src', 'policies', '--out', bundle);
    expect(built.stderr).toContain('build -t wasm -e tessera/authz/decision');
    expect(built.code).toBe(0);
  }, 180_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('policy build writes policy.wasm and data.json', () => {
    expect(existsSync(join(bundle, 'policy.wasm'))).toBe(true);
    expect(existsSync(join(bundle, 'data.json'))).toBe(true);
  });

  it('policy eval prints an allow decision and exits 0', () => {
    const r = tessera(
      'policy',
      'eval',
      '--input',
      file('allow.json', input(['kv-read'], ['get'])),
      '--bundle',
      bundle,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      allow: true,
      methods: ['get'],
      ttlSeconds: 3600,
      reason: 'notes requires kv-read provided by storage',
    });
  });

  it('policy eval prints a deny decision and exits 1', () => {
    const r = tessera(
      'policy',
      'eval',
      '--input',
      file('deny.json', input(['mail'])),
      '--bundle',
      bundle,
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      allow: false,
      reason: 'notes does not require any capability storage provides',
    });
  });

  it('policy eval exits 5 when the policy leaves the request to the operator', () => {
    const ask = {
      subject: facts('notes', {}, ['audit-read']),
      target: facts('audit', { 'audit-read': ['entries'] }, []),
      methods: [],
      context: { time: '2024-01-01T00:00:00Z', purpose: 'request' },
    };
    const r = tessera('policy', 'eval', '--input', file('ask.json', ask), '--bundle', bundle);
    expect(JSON.parse(r.stdout)).toMatchObject({ allow: 'ask' });
    expect(r.code).toBe(5);
  });

  it('policy eval exits 4, not 1, when the bundle is broken: an error is not a deny', () => {
    const broken = join(tmp, 'broken');
    execFileSync('mkdir', ['-p', broken]);
    writeFileSync(join(broken, 'policy.wasm'), 'not wasm at all');
    writeFileSync(join(broken, 'data.json'), '{}');
    const r = tessera(
      'policy',
      'eval',
      '--input',
      file('any.json', input(['kv-read'])),
      '--bundle',
      broken,
    );
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ allow: false });
    expect(r.stderr).toMatch(/^tessera policy eval: .*wasm/im);
  });

  it('policy eval exits 4 (policy error) with the reason when the bundle is missing', () => {
    const missing = join(tmp, 'nope');
    const r = tessera(
      'policy',
      'eval',
      '--input',
      file('any.json', input(['kv-read'])),
      '--bundle',
      missing,
    );
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).reason).toBe(`policy bundle not found: ${missing}`);
    expect(r.stderr).toContain('policy bundle not found');
  });

  it.each([
    ['no --input', () => []],
    [
      'an unknown option',
      () => ['--input', file('ok.json', input(['kv-read'])), '--frobnicate', 'x'],
    ],
    ['a missing input file', () => ['--input', join(tmp, 'missing.json')]],
    ['an input file that is not JSON', () => ['--input', file('bad.json', '{nope')]],
    [
      'an input file that is not a policy input',
      () => ['--input', file('shape.json', { subject: 'notes' })],
    ],
  ])('policy eval exits 2 for %s', (_what, args) => {
    const r = tessera('policy', 'eval', ...args(), '--bundle', bundle);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('usage: tessera policy eval');
  });

  it.each([
    [['--help']],
    [['policy', '--help']],
    [['policy', 'build', '--help']],
    [['policy', 'test', '--help']],
    [['policy', 'eval', '--help']],
  ])('%j prints help and exits 0', (args) => {
    const r = tessera(...args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: tessera/);
  });

  it('exits 2 for an unknown command', () => {
    const r = tessera('policy', 'frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'policy frobnicate'");
  });

  it.each([
    [
      'TESSERA_OPA names no executable',
      { TESSERA_OPA: '/nowhere/opa' },
      'TESSERA_OPA=/nowhere/opa',
    ],
    ['no opa on PATH outside a repository', { PATH: '' }, "'opa' on PATH: not found"],
  ])(
    'a missing OPA (%s) names the pinned version, how to install it and TESSERA_OPA',
    (_w, env, what) => {
      const src = join(tmp, 'src');
      execFileSync('mkdir', ['-p', src]);
      writeFileSync(join(src, 'p.rego'), 'package tessera.authz\n');
      const r = spawnSync(process.execPath, [MAIN, 'policy', 'build', '--src', src], {
        cwd: tmp,
        encoding: 'utf8',
        env: { ...process.env, TESSERA_OPA: '', ...env },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).not.toContain('ENOENT');
      expect(r.stderr).toContain(`cannot run the OPA CLI (${what}`);
      expect(r.stderr).toContain('Tessera needs OPA 1.22.2');
      expect(r.stderr).toContain('set TESSERA_OPA to the path of an opa 1.22.2 binary');
      expect(r.stderr).toContain('releases/tag/v1.22.2');
      expect(r.stderr).toContain('go install github.com/open-policy-agent/opa@v1.22.2');
    },
  );

  it('policy test runs the opa tests with coverage and exits 0', () => {
    const r = tessera('policy', 'test');
    expect(r.stdout).toMatch(/policy coverage: \d+\.\d% of policy lines/);
    expect(r.code).toBe(0);
  }, 60_000);
});
