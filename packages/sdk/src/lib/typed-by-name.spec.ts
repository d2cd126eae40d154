import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The registry's promises are compile-time ones, so the compiler checks
 * them: `type-tests/` holds a module package and a module using it by name,
 * with a `// @ts-expect-error` on every mistake that must not compile (a
 * wrong module name, method, argument, event or payload). tsc fails on an
 * unexpected error and on an expected one that does not happen.
 */
describe('clients and events typed by module name', () => {
  it('compile where they should and fail where they should', () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const project = resolve(__dirname, '../../type-tests/tsconfig.json');
    const r = spawnSync(process.execPath, [tsc, '-p', project, '--pretty', 'false'], {
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);
});
