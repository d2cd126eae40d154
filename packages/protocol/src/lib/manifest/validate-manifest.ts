import { resolve, relative, isAbsolute } from 'node:path';
import { EVENT_SCOPE_PREFIX, isValidName } from '../names/names';
import { FieldChecker, describeValue, isJsonObject, type JsonObject } from './field-checker';
import {
  FORBIDDEN_METHOD_NAMES,
  MANIFEST_FIELD,
  MANIFEST_FIELDS,
  METHOD_NAME_PATTERN,
  type ValidatedManifest,
  unscopedName,
} from './manifest-fields';
import { resourcesOf } from './resource-declaration';
import { sandboxOf } from './sandbox-declaration';

export interface ValidateManifestOptions {
  /** The npm package name, used in messages and to check `tessera.name`. */
  packageName: string;
  /** The package's directory: when given, `entryPath` is resolved and kept inside it. */
  packageDir?: string;
}

const NAME_RULE = 'is not a valid name: use 1-64 characters of A-Z a-z 0-9 _ -';

/**
 * Validate the `tessera` field of a module's package.json and return it
 * normalized. Throws `INVALID_ARGUMENT` naming the package and the field
 * (also in `data.field`) for the first mistake found. Pure: no I/O.
 */
export function validateManifest(
  packageJson: unknown,
  options: ValidateManifestOptions,
): ValidatedManifest {
  const { packageName } = options;
  const check = new FieldChecker(`package ${packageName}`, { package: packageName });
  if (!isJsonObject(packageJson))
    throw check.failWith(
      '',
      `package.json must be a JSON object (got ${describeValue(packageJson)})`,
    );
  const raw = packageJson[MANIFEST_FIELD];
  if (raw === undefined) {
    throw check.failWith(
      MANIFEST_FIELD,
      `package ${packageName} is not a Tessera module: its package.json has no "tessera" field`,
    );
  }
  const t = check.object(raw, MANIFEST_FIELD);
  check.noUnknownFields(t, MANIFEST_FIELDS, MANIFEST_FIELD);

  const name = nameOf(check, t.name, 'tessera.name');
  const expected = unscopedName(packageName);
  if (name !== expected) {
    throw check.fail(
      'tessera.name',
      `"${name}" must equal the package's unscoped name "${expected}"`,
    );
  }
  const events = names(check, t.events, 'tessera.events');
  const dependencies = names(check, t.dependencies, 'tessera.dependencies');
  const self = dependencies.indexOf(name);
  if (self >= 0)
    throw check.fail(`tessera.dependencies[${self}]`, `names the module itself ("${name}")`);
  const manifest: ValidatedManifest = {
    name,
    entry: entryOf(check, t, packageJson),
    dependencies,
    provides: providesOf(check, t.provides, new Set(events)),
    requires: names(check, t.requires, 'tessera.requires'),
    events,
  };
  const version = versionOf(check, t.version, packageJson.version);
  if (version !== undefined) manifest.version = version;
  if (t.resources !== undefined)
    manifest.resources = resourcesOf(check, t.resources, manifest.provides);
  if (t.sandbox !== undefined) manifest.sandbox = sandboxOf(check, t.sandbox, options.packageDir);
  if (options.packageDir !== undefined)
    manifest.entryPath = entryPathOf(check, options.packageDir, manifest.entry);
  return manifest;
}

function nameOf(check: FieldChecker, value: unknown, field: string): string {
  if (typeof value !== 'string')
    throw check.fail(field, `must be a string (got ${describeValue(value)})`);
  if (!isValidName(value)) throw check.fail(field, `${JSON.stringify(value)} ${NAME_RULE}`);
  return value;
}

/** An optional list of unique valid names. */
function names(check: FieldChecker, value: unknown, field: string): string[] {
  if (value === undefined) return [];
  const list = check.array(value, field).map((item, i) => nameOf(check, item, `${field}[${i}]`));
  check.unique(list, field);
  return list;
}

function versionOf(
  check: FieldChecker,
  value: unknown,
  packageVersion: unknown,
): string | undefined {
  if (value !== undefined) return check.string(value, 'tessera.version');
  if (packageVersion === undefined) return undefined;
  return check.string(packageVersion, 'version');
}

/** `tessera.entry`, else the package's `main`, else Node's default `index.js`; always relative. */
function entryOf(check: FieldChecker, t: JsonObject, pkg: JsonObject): string {
  const [value, field] = t.entry !== undefined ? [t.entry, 'tessera.entry'] : [pkg.main, 'main'];
  if (value === undefined) return 'index.js';
  const entry = check.string(value, field);
  if (isAbsolute(entry))
    throw check.fail(
      field,
      `must be a path relative to the package (got ${JSON.stringify(entry)})`,
    );
  return entry;
}

function entryPathOf(check: FieldChecker, packageDir: string, entry: string): string {
  const path = resolve(packageDir, entry);
  const rel = relative(resolve(packageDir), path);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw check.fail(
      'tessera.entry',
      `${JSON.stringify(entry)} points outside the package directory`,
    );
  }
  return path;
}

function providesOf(
  check: FieldChecker,
  value: unknown,
  events: ReadonlySet<string>,
): Record<string, string[]> {
  if (value === undefined) return {};
  const obj = check.object(value, 'tessera.provides');
  const out: [string, string[]][] = [];
  for (const [capability, scopes] of Object.entries(obj)) {
    const field = `tessera.provides.${capability}`;
    if (!isValidName(capability))
      throw check.failWith(
        field,
        `capability ${JSON.stringify(capability)} in tessera.provides ${NAME_RULE}`,
      );
    const list = check
      .array(scopes, field)
      .map((scope, i) => scopeOf(check, scope, `${field}[${i}]`, events));
    check.unique(list, field);
    out.push([capability, list]);
  }
  return Object.fromEntries(out);
}

/** A method name, or `event:<name>` for an event the module declares. */
function scopeOf(
  check: FieldChecker,
  value: unknown,
  field: string,
  events: ReadonlySet<string>,
): string {
  if (typeof value !== 'string')
    throw check.fail(field, `must be a string (got ${describeValue(value)})`);
  if (value.startsWith(EVENT_SCOPE_PREFIX)) {
    const event = value.slice(EVENT_SCOPE_PREFIX.length);
    if (!isValidName(event))
      throw check.fail(field, `names event ${JSON.stringify(event)}, which ${NAME_RULE}`);
    if (!events.has(event)) {
      throw check.fail(
        field,
        `"${value}" names event "${event}", which the module does not declare in tessera.events`,
      );
    }
    return value;
  }
  if (!METHOD_NAME_PATTERN.test(value)) {
    throw check.fail(
      field,
      `${JSON.stringify(value)} is not a method name: use an identifier of 1-64 characters (A-Z a-z 0-9 _, not starting with a digit)`,
    );
  }
  if (FORBIDDEN_METHOD_NAMES.has(value))
    throw check.fail(field, `"${value}" is reserved and can never be a module method`);
  return value;
}
