import { ErrorCode } from '../errors/error-codes';
import { TesseraError } from '../errors/tessera-error';
import { validateManifest } from './validate-manifest';

const PKG = '@tessera-demo/notes';

function pkg(tessera: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: PKG, version: '1.2.3', main: 'dist/index.js', tessera, ...extra };
}

const good = {
  name: 'notes',
  dependencies: ['storage'],
  provides: { 'notes-read': ['get', 'list'], 'notes-watch': ['event:noteAdded'] },
  requires: ['kv-read', 'kv-write'],
  events: ['noteAdded'],
};

/** The error `validateManifest` throws for `json`. */
function errorOf(json: unknown, packageName = PKG): TesseraError {
  try {
    validateManifest(json, { packageName });
  } catch (err) {
    if (err instanceof TesseraError) return err;
    throw err;
  }
  throw new Error('validateManifest accepted the manifest');
}

describe('validateManifest', () => {
  it('returns the normalized manifest, with version and entry taken from the package', () => {
    expect(
      validateManifest(pkg(good), { packageName: PKG, packageDir: '/app/node_modules/notes' }),
    ).toEqual({
      ...good,
      version: '1.2.3',
      entry: 'dist/index.js',
      entryPath: '/app/node_modules/notes/dist/index.js',
    });
  });

  it('fills empty lists and keeps an explicit version and entry', () => {
    const m = validateManifest(pkg({ name: 'notes', version: '9.0.0', entry: 'lib/main.js' }), {
      packageName: PKG,
    });
    expect(m).toEqual({
      name: 'notes',
      version: '9.0.0',
      entry: 'lib/main.js',
      dependencies: [],
      provides: {},
      requires: [],
      events: [],
    });
  });

  it('defaults the entry to index.js like Node when the package has no main', () => {
    expect(
      validateManifest({ name: 'x', tessera: { name: 'x' } }, { packageName: 'x' }).entry,
    ).toBe('index.js');
  });

  it('rejects a package.json without a tessera field', () => {
    const err = errorOf({ name: 'left-pad', version: '1.0.0' }, 'left-pad');
    expect(err.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(err.message).toBe(
      'package left-pad: package left-pad is not a Tessera module: its package.json has no "tessera" field',
    );
    expect(err.data).toEqual({ package: 'left-pad', field: 'tessera' });
  });

  it('rejects an unknown field and suggests the closest known one', () => {
    const err = errorOf(pkg({ ...good, require: ['kv-read'] }));
    expect(err.message).toBe(
      "package @tessera-demo/notes: unknown field 'tessera.require' (did you mean 'requires'?)",
    );
    expect(err.data).toEqual({ package: PKG, field: 'tessera.require' });
  });

  it('lists the known fields when no known field is near', () => {
    expect(errorOf(pkg({ ...good, colour: 'red' })).message).toBe(
      "package @tessera-demo/notes: unknown field 'tessera.colour' (known fields: name, version, entry, dependencies, provides, requires, events, resources, sandbox)",
    );
  });

  it('rejects a module name outside [A-Za-z0-9_-]{1,64}', () => {
    const err = errorOf({ name: 'my.mod', tessera: { name: 'my.mod' } }, 'my.mod');
    expect(err.message).toBe(
      'package my.mod: tessera.name "my.mod" is not a valid name: use 1-64 characters of A-Z a-z 0-9 _ -',
    );
    expect(err.data?.['field']).toBe('tessera.name');
  });

  it('rejects a manifest name that differs from the unscoped package name', () => {
    const err = errorOf(pkg({ ...good, name: 'note' }));
    expect(err.message).toBe(
      'package @tessera-demo/notes: tessera.name "note" must equal the package\'s unscoped name "notes"',
    );
  });

  it('rejects bad capability, dependency, requirement and event names, naming the element', () => {
    expect(errorOf(pkg({ ...good, requires: ['kv-read', 'kv write'] })).message).toBe(
      'package @tessera-demo/notes: tessera.requires[1] "kv write" is not a valid name: use 1-64 characters of A-Z a-z 0-9 _ -',
    );
    expect(errorOf(pkg({ ...good, requires: ['kv-read', 'kv write'] })).data?.['field']).toBe(
      'tessera.requires[1]',
    );
    expect(errorOf(pkg({ ...good, dependencies: ['x'.repeat(65)] })).data?.['field']).toBe(
      'tessera.dependencies[0]',
    );
    expect(errorOf(pkg({ ...good, events: ['note:added'] })).message).toBe(
      'package @tessera-demo/notes: tessera.events[0] "note:added" is not a valid name: use 1-64 characters of A-Z a-z 0-9 _ -',
    );
    const cap = errorOf(pkg({ ...good, provides: { 'notes read': ['get'] } }));
    expect(cap.message).toBe(
      'package @tessera-demo/notes: capability "notes read" in tessera.provides is not a valid name: use 1-64 characters of A-Z a-z 0-9 _ -',
    );
    expect(cap.data?.['field']).toBe('tessera.provides.notes read');
  });

  it('rejects method names that are not identifiers, or that name Object.prototype', () => {
    expect(errorOf(pkg({ ...good, provides: { 'notes-read': ['get', 'list-all'] } })).message).toBe(
      'package @tessera-demo/notes: tessera.provides.notes-read[1] "list-all" is not a method name: use an identifier of 1-64 characters (A-Z a-z 0-9 _, not starting with a digit)',
    );
    expect(errorOf(pkg({ ...good, provides: { a: ['1get'] } })).data?.['field']).toBe(
      'tessera.provides.a[0]',
    );
    expect(errorOf(pkg({ ...good, provides: { a: ['$subscribe'] } })).data?.['field']).toBe(
      'tessera.provides.a[0]',
    );
    expect(errorOf(pkg({ ...good, provides: { a: ['get', 'constructor'] } })).message).toBe(
      'package @tessera-demo/notes: tessera.provides.a[1] "constructor" is reserved and can never be a module method',
    );
  });

  it('rejects an event scope for an event the module does not declare', () => {
    const err = errorOf(pkg({ ...good, provides: { 'notes-watch': ['event:noteRemoved'] } }));
    expect(err.message).toBe(
      'package @tessera-demo/notes: tessera.provides.notes-watch[0] "event:noteRemoved" names event "noteRemoved", which the module does not declare in tessera.events',
    );
    expect(err.data?.['field']).toBe('tessera.provides.notes-watch[0]');
  });

  it('rejects wrong types, naming the field and what was found', () => {
    expect(errorOf(pkg('notes')).message).toBe(
      'package @tessera-demo/notes: tessera must be an object (got "notes")',
    );
    expect(errorOf(pkg({ ...good, name: 42 })).message).toBe(
      'package @tessera-demo/notes: tessera.name must be a string (got 42)',
    );
    expect(errorOf(pkg({ ...good, requires: 'kv-read' })).message).toBe(
      'package @tessera-demo/notes: tessera.requires must be an array (got "kv-read")',
    );
    expect(errorOf(pkg({ ...good, provides: ['get'] })).message).toBe(
      'package @tessera-demo/notes: tessera.provides must be an object (got an array)',
    );
    expect(errorOf(pkg({ ...good, provides: { a: 'get' } })).message).toBe(
      'package @tessera-demo/notes: tessera.provides.a must be an array (got "get")',
    );
    expect(errorOf(pkg({ ...good, provides: { a: [7] } })).message).toBe(
      'package @tessera-demo/notes: tessera.provides.a[0] must be a string (got 7)',
    );
    expect(errorOf(pkg({ ...good, version: 1 })).message).toBe(
      'package @tessera-demo/notes: tessera.version must be a non-empty string (got 1)',
    );
    expect(errorOf(pkg(good, { main: ['a.js'] })).message).toBe(
      'package @tessera-demo/notes: main must be a non-empty string (got an array)',
    );
    expect(errorOf([good]).message).toBe(
      'package @tessera-demo/notes: package.json must be a JSON object (got an array)',
    );
  });

  it('rejects duplicates and a module depending on itself', () => {
    expect(errorOf(pkg({ ...good, requires: ['kv-read', 'kv-read'] })).message).toBe(
      'package @tessera-demo/notes: tessera.requires[1] repeats "kv-read"',
    );
    expect(errorOf(pkg({ ...good, dependencies: ['storage', 'notes'] })).message).toBe(
      'package @tessera-demo/notes: tessera.dependencies[1] names the module itself ("notes")',
    );
  });

  it('keeps the entry inside the package', () => {
    expect(() =>
      validateManifest(pkg({ ...good, entry: '../../evil.js' }), {
        packageName: PKG,
        packageDir: '/app/notes',
      }),
    ).toThrow(
      'package @tessera-demo/notes: tessera.entry "../../evil.js" points outside the package directory',
    );
    expect(errorOf(pkg({ ...good, entry: '/etc/evil.js' })).message).toBe(
      'package @tessera-demo/notes: tessera.entry must be a path relative to the package (got "/etc/evil.js")',
    );
  });
});
