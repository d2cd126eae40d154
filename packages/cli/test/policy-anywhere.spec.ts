import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO } from '../src/testing';

/**
 * `tessera policy build` and `policy test` in a folder outside the
 * repository, with an app policy of a few lines on the shipped base library.
 */
describe('tessera policy build/test outside the repository', () => {
  let app: string;
  const env = { ...process.env, TESSERA_OPA: join(REPO, 'tools/.bin/opa') };
  const tessera = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], { cwd: app, env, encoding: 'utf8' });

  beforeAll(() => {
    spawnSync('bash', [join(REPO, 'tools/opa.sh')], { stdio: 'ignore' }); // installs the pinned OPA once
    app = mkdtempSync(join(tmpdir(), 'tessera-policy-app-'));
    mkdirSync(join(app, 'policies'));
    writeFileSync(
      join(app, 'policies/authz.rego'),
      'package tessera.authz\n\nimport data.tessera.base\n\n' +
        'decision := base.deny("greeter is closed") if input.target.name == "greeter"\n\nelse := base.decision\n',
    );
    writeFileSync(
      join(app, 'policies/data.json'),
      JSON.stringify({ tessera: { ttl: { default_seconds: 60 }, deny: [] } }),
    );
    writeFileSync(
      join(app, 'policies/authz_test.rego'),
      [
        'package tessera.authz_test',
        '',
        'import data.tessera.authz',
        '',
        'req(target) := {',
        '\t"subject": {"name": "web", "provides": {}, "requires": ["greet"]},',
        '\t"target": {"name": target, "provides": {"greet": ["hello"]}, "requires": []},',
        '\t"methods": [], "context": {"time": "2024-01-01T00:00:00Z", "purpose": "request"},',
        '}',
        '',
        'test_capability_from_the_base if {',
        '\td := authz.decision with input as req("hello")',
        '\td.allow == true',
        '\td.ttlSeconds == 60',
        '}',
        '',
        'test_app_rule_wraps_the_base if {',
        '\td := authz.decision with input as req("greeter")',
        '\td.reason == "greeter is closed"',
        '}',
        '',
      ].join('\n'),
    );
  }, 180_000);
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it('builds into policies/build, and the tests still pass after the build (no merge conflict)', () => {
    const first = tessera('policy', 'test');
    expect(first.stdout).toContain('PASS: 2/2');
    expect(first.status).toBe(0);
    const built = tessera('policy', 'build');
    expect(built.status).toBe(0);
    expect(existsSync(join(app, 'policies/build/policy.wasm'))).toBe(true);
    // A custom output folder inside the sources is never read back either.
    expect(tessera('policy', 'build', '--out', 'policies/out').status).toBe(0);
    const again = tessera('policy', 'test');
    expect(again.stderr).not.toContain('conflicting values');
    expect(again.stdout).toContain('PASS: 2/2');
    expect(again.status).toBe(0);
  }, 60_000);

  it('evaluates the built app policy: the base allows, the app rule denies', () => {
    const input = (target: string) => {
      const path = join(app, `${target}.json`);
      writeFileSync(
        path,
        JSON.stringify({
          subject: { name: 'web', provides: {}, requires: ['greet'] },
          target: { name: target, provides: { greet: ['hello'] }, requires: [] },
          methods: [],
          context: { time: '2024-01-01T00:00:00Z', purpose: 'request' },
        }),
      );
      return path;
    };
    const allowed = tessera(
      'policy',
      'eval',
      '--input',
      input('hello'),
      '--bundle',
      'policies/build',
    );
    expect(JSON.parse(allowed.stdout)).toMatchObject({ allow: true, methods: ['hello'] });
    const denied = tessera(
      'policy',
      'eval',
      '--input',
      input('greeter'),
      '--bundle',
      'policies/build',
    );
    expect(JSON.parse(denied.stdout)).toMatchObject({ allow: false, reason: 'greeter is closed' });
  }, 30_000);

  it('a failing app test fails policy test', () => {
    writeFileSync(
      join(app, 'policies/broken_test.rego'),
      'package tessera.broken_test\n\nimport data.tessera.authz\n\ntest_wrong if {\n\tauthz.decision.allow == true\n}\n',
    );
    try {
      const r = tessera('policy', 'test');
      expect(r.stdout).toContain('FAIL');
      expect(r.status).toBe(1);
    } finally {
      rmSync(join(app, 'policies/broken_test.rego'));
    }
  }, 30_000);
});
