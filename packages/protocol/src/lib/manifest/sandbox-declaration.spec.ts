import { TesseraError } from '../errors/tessera-error';
import { validateManifest } from './validate-manifest';

const PKG = '@acme/indexer';
const pkg = (sandbox: unknown) => ({
  name: PKG,
  version: '1.0.0',
  tessera: { name: 'indexer', sandbox },
});

function errorOf(sandbox: unknown, packageDir?: string): TesseraError {
  try {
    validateManifest(pkg(sandbox), { packageName: PKG, packageDir });
  } catch (err) {
    if (err instanceof TesseraError) return err;
    throw err;
  }
  throw new Error('validateManifest accepted the manifest');
}

describe('tessera.sandbox', () => {
  it('is absent from the validated manifest unless declared', () => {
    expect(validateManifest(pkg(undefined), { packageName: PKG }).sandbox).toBeUndefined();
  });

  it('fills every field and keeps paths normalized', () => {
    expect(validateManifest(pkg({}), { packageName: PKG }).sandbox).toEqual({
      read: [],
      write: [],
      env: [],
      childProcess: false,
      worker: false,
      network: false,
    });
    const m = validateManifest(
      pkg({
        read: ['/etc/ssl/certs/', './assets//img'],
        write: ['/var/cache/indexer'],
        env: ['INDEXER_URL', '_X1'],
        childProcess: true,
        worker: true,
        network: true,
      }),
      { packageName: PKG, packageDir: '/app/node_modules/@acme/indexer' },
    );
    expect(m.sandbox).toEqual({
      read: ['/etc/ssl/certs', 'assets/img'],
      write: ['/var/cache/indexer'],
      env: ['INDEXER_URL', '_X1'],
      childProcess: true,
      worker: true,
      network: true,
    });
  });

  it('names the field of every mistake', () => {
    const cases: [unknown, string, string][] = [
      ['all', 'tessera.sandbox', 'tessera.sandbox must be an object (got "all")'],
      [
        { reads: [] },
        'tessera.sandbox.reads',
        "unknown field 'tessera.sandbox.reads' (did you mean 'read'?)",
      ],
      [
        { read: '/etc' },
        'tessera.sandbox.read',
        'tessera.sandbox.read must be an array (got "/etc")',
      ],
      [
        { read: ['/data/*'] },
        'tessera.sandbox.read[0]',
        `tessera.sandbox.read[0] "/data/*" may not contain '*', ',' or NUL`,
      ],
      [
        { write: ['/a,/b'] },
        'tessera.sandbox.write[0]',
        `tessera.sandbox.write[0] "/a,/b" may not contain '*', ',' or NUL`,
      ],
      [
        { read: ['/'] },
        'tessera.sandbox.read[0]',
        'tessera.sandbox.read[0] "/" would open the whole file system',
      ],
      [
        { write: ['../shared'] },
        'tessera.sandbox.write[0]',
        'tessera.sandbox.write[0] "../shared" points outside the package: use an absolute path for that',
      ],
      [{ read: ['/a', '/a/'] }, 'tessera.sandbox.read[1]', 'tessera.sandbox.read[1] repeats "/a"'],
      [
        { env: ['MY-VAR'] },
        'tessera.sandbox.env[0]',
        'tessera.sandbox.env[0] "MY-VAR" is not an environment variable name',
      ],
      [
        { env: ['NODE_OPTIONS'] },
        'tessera.sandbox.env[0]',
        'tessera.sandbox.env[0] "NODE_OPTIONS" is reserved: the host sets it, it changes how the host starts, or it belongs to Tessera',
      ],
      [
        { env: ['LD_PRELOAD'] },
        'tessera.sandbox.env[0]',
        'tessera.sandbox.env[0] "LD_PRELOAD" is reserved: the host sets it, it changes how the host starts, or it belongs to Tessera',
      ],
      [
        { env: ['FOO', 'TESSERA_CORE_TOKEN'] },
        'tessera.sandbox.env[1]',
        'tessera.sandbox.env[1] "TESSERA_CORE_TOKEN" is reserved: the host sets it, it changes how the host starts, or it belongs to Tessera',
      ],
      [
        { childProcess: 'yes' },
        'tessera.sandbox.childProcess',
        'tessera.sandbox.childProcess must be true or false (got "yes")',
      ],
    ];
    for (const [sandbox, field, message] of cases) {
      const err = errorOf(sandbox);
      expect([err.data?.['field'], err.message]).toEqual([field, `package ${PKG}: ${message}`]);
    }
  });

  it('keeps relative paths inside the package when its directory is known', () => {
    expect(errorOf({ read: ['a/../../b'] }, '/app/pkg').message).toBe(
      `package ${PKG}: tessera.sandbox.read[0] "a/../../b" points outside the package: use an absolute path for that`,
    );
    expect(
      validateManifest(pkg({ read: ['a/../b'] }), { packageName: PKG, packageDir: '/app/pkg' })
        .sandbox?.read,
    ).toEqual(['b']);
  });
});
