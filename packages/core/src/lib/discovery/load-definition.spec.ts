import { join } from 'node:path';
import { ErrorCode, TesseraError } from '@tessera/protocol';
import { loadDefinition } from '@tessera/host';
import { modulePackage, tempApp } from '../../test/fixtures/module-packages';

describe('loadDefinition', () => {
  const app = tempApp([
    modulePackage('plain', {}),
    {
      json: { name: 'esm-style' },
      files: {
        'index.js':
          "const { defineModule } = require('@tessera/sdk'); exports.default = defineModule({ name: 'esm-style', create: () => ({}) });",
      },
    },
    {
      json: { name: 'not-a-module' },
      files: { 'index.js': 'module.exports = { create() { return {}; } };' },
    },
    { json: { name: 'broken' }, files: { 'index.js': 'this is not javascript' } },
  ]);
  const entry = (pkg: string): string => join(app.dir, 'node_modules', pkg, 'index.js');
  afterAll(() => app.remove());

  it('returns module.exports or the default export when defineModule made it', () => {
    expect(loadDefinition(entry('plain'), 'plain').name).toBe('plain');
    expect(loadDefinition(entry('esm-style')).name).toBe('esm-style');
  });

  it('rejects an entry that exports something else, fails to load, or names another module', () => {
    const codeAndMessage = (fn: () => unknown): [string, string] => {
      try {
        fn();
      } catch (err) {
        if (err instanceof TesseraError) return [err.code, err.message];
        throw err;
      }
      return ['RETURNED', ''];
    };
    expect(codeAndMessage(() => loadDefinition(entry('not-a-module')))).toEqual([
      ErrorCode.INVALID_ARGUMENT,
      `${entry('not-a-module')} does not export a module definition: write \`export default defineModule({...})\` (from @tessera/sdk)`,
    ]);
    const [code, message] = codeAndMessage(() => loadDefinition(entry('broken')));
    expect(code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(message).toMatch(
      new RegExp(
        `^cannot load module entry ${entry('broken').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `,
      ),
    );
    expect(codeAndMessage(() => loadDefinition(entry('plain'), 'other'))).toEqual([
      ErrorCode.INVALID_ARGUMENT,
      `${entry('plain')} defines module 'plain', but its manifest names it 'other'`,
    ]);
  });
});
