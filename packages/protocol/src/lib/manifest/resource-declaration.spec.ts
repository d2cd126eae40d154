import { TesseraError } from '../errors/tessera-error';
import { validateManifest } from './validate-manifest';

const PKG = '@acme/kv';
const pkg = (resources: unknown) => ({
  name: PKG,
  version: '1.0.0',
  tessera: {
    name: 'kv',
    provides: { 'kv-read': ['get', 'list'], 'kv-copy': ['copy'] },
    resources,
  },
});

function errorOf(resources: unknown): TesseraError {
  try {
    validateManifest(pkg(resources), { packageName: PKG });
  } catch (err) {
    if (err instanceof TesseraError) return err;
    throw err;
  }
  throw new Error('validateManifest accepted the manifest');
}

describe('tessera.resources', () => {
  it('is absent unless declared, and normalizes one name to a list', () => {
    expect(validateManifest(pkg(undefined), { packageName: PKG }).resources).toBeUndefined();
    expect(
      validateManifest(pkg({ get: 'key', copy: ['from', 'to'] }), { packageName: PKG }).resources,
    ).toEqual({ get: ['key'], copy: ['from', 'to'] });
  });

  it('names the field of every mistake', () => {
    const cases: [unknown, string, string][] = [
      ['key', 'tessera.resources', 'tessera.resources must be an object (got "key")'],
      [
        { gett: 'key' },
        'tessera.resources.gett',
        'tessera.resources.gett names method "gett", which no capability in tessera.provides lists',
      ],
      [
        { get: [] },
        'tessera.resources.get',
        'tessera.resources.get must name 1 to 8 parameters (got 0)',
      ],
      [{ get: 7 }, 'tessera.resources.get', 'tessera.resources.get must be an array (got 7)'],
      [
        { get: 'the key' },
        'tessera.resources.get',
        'tessera.resources.get "the key" is not a parameter name',
      ],
      [
        { copy: ['from', '__proto__'] },
        'tessera.resources.copy[1]',
        'tessera.resources.copy[1] "__proto__" is not a parameter name',
      ],
      [
        { copy: ['from', 'from'] },
        'tessera.resources.copy[1]',
        'tessera.resources.copy[1] repeats "from"',
      ],
      [
        { get: Array.from({ length: 9 }, (_, i) => `p${i}`) },
        'tessera.resources.get',
        'tessera.resources.get must name 1 to 8 parameters (got 9)',
      ],
    ];
    for (const [resources, field, message] of cases) {
      const err = errorOf(resources);
      expect([err.data?.['field'], err.message]).toEqual([field, `package ${PKG}: ${message}`]);
    }
  });
});
