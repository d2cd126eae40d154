import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AUDIT_FIELDS,
  AUDIT_KINDS,
  CONFIG_FIELDS,
  DEFAULT_LIMITS,
  DEFAULT_RESTART,
  DENIED_RESULTS,
  LIMITS_FIELDS,
  RATE_FIELDS,
  ISOLATION_MODES,
  POLICY_FIELDS,
  RESTART_FIELDS,
  SANDBOX_MODES,
  TRANSPORT_FIELDS,
  TRANSPORT_KINDS,
  validateConfig,
} from '@tessera/protocol';
import { type Schema, schemaProblem } from '../../test/fixtures/json-schema-check';

const schema = JSON.parse(
  readFileSync(join(__dirname, '../../../tessera.config.schema.json'), 'utf8'),
) as Schema;
const props = schema['properties'] as Record<string, Schema>;
const sub = (name: string): Record<string, Schema> =>
  props[name]?.['properties'] as Record<string, Schema>;

const base = { modules: ['@tessera-demo/notes'], policy: { bundle: 'policies/build' } };
const valid: unknown[] = [
  base,
  {
    ...base,
    modules: [],
    isolation: 'in-process',
    transport: { kind: 'inproc' },
    deniedResult: 'empty',
  },
  { ...base, modules: ['./local', '../up/mod', 'plain', '@s/p.x_y~z'], $schema: 'x.json' },
  {
    ...base,
    transport: { kind: 'zeromq', options: { curve: true } },
    policy: { bundle: 'b', watch: true },
  },
  {
    ...base,
    audit: { kind: 'jsonl', path: 'a.jsonl' },
    restart: { maxRestarts: 0, backoffMs: 0, maxBackoffMs: 0, resetAfterMs: 0 },
  },
  { ...base, restart: { resetAfterMs: 300000 } },
  { ...base, audit: { kind: 'stderr' }, restart: {}, heartbeatMs: 1, callTimeoutMs: 30000 },
  { ...base, audit: { kind: 'none' } },
  { ...base, audit: { kind: 'jsonl', path: 'a.jsonl', maxBytes: 1024, keep: 0 } },
  { ...base, audit: { kind: 'jsonl', path: 'a.jsonl', maxBytes: 67108864, keep: 5 } },
  { ...base, sandbox: 'none' },
  { ...base, limits: {} },
  { ...base, limits: { requestModule: { perSecond: 0.5 } } },
  { ...base, limits: { requestModule: { perSecond: 1000000, burst: 1000000 } } },
];
const invalid: unknown[] = [
  [],
  'x',
  {},
  { modules: ['a'] },
  { policy: { bundle: 'b' } },
  { ...base, transprt: {} },
  { ...base, modules: 'a' },
  { ...base, modules: ['a', 'a'] },
  { ...base, modules: ['Upper'] },
  { ...base, modules: ['/abs'] },
  { ...base, modules: [1] },
  { ...base, isolation: 'thread' },
  { ...base, transport: { kind: 'tcp' } },
  { ...base, transport: {} },
  { ...base, transport: { kind: 'ipc', options: [] } },
  { ...base, transport: { kind: 'ipc', extra: 1 } },
  { ...base, policy: {} },
  { ...base, policy: { bundle: '' } },
  { ...base, policy: { bundle: 'b', watch: 'yes' } },
  { ...base, audit: { kind: 'jsonl' } },
  { ...base, audit: { kind: 'stderr', path: 'x' } },
  { ...base, audit: { kind: 'syslog' } },
  { ...base, audit: {} },
  { ...base, audit: { kind: 'jsonl', path: 'a.jsonl', maxBytes: 100 } },
  { ...base, audit: { kind: 'jsonl', path: 'a.jsonl', maxBytes: 4096.5 } },
  { ...base, audit: { kind: 'jsonl', path: 'a.jsonl', keep: -1 } },
  { ...base, audit: { kind: 'jsonl', path: 'a.jsonl', keep: '5' } },
  { ...base, audit: { kind: 'stderr', maxBytes: 4096 } },
  { ...base, restart: { maxRestarts: -1 } },
  { ...base, restart: { backoffMs: 1.5 } },
  { ...base, restart: { maxRestart: 1 } },
  { ...base, restart: { resetAfterMs: -5 } },
  { ...base, restart: { resetAfterMs: 0.5 } },
  { ...base, deniedResult: 'null' },
  { ...base, heartbeatMs: 0 },
  { ...base, callTimeoutMs: '5' },
  { ...base, $schema: 1 },
  { ...base, sandbox: 'docker' },
  { ...base, limits: [] },
  { ...base, limits: { requestModul: {} } },
  { ...base, limits: { requestModule: {} } },
  { ...base, limits: { requestModule: { perSecond: 0 } } },
  { ...base, limits: { requestModule: { perSecond: 1000001 } } },
  { ...base, limits: { requestModule: { perSecond: '5' } } },
  { ...base, limits: { requestModule: { perSecond: 5, burst: 0 } } },
  { ...base, limits: { requestModule: { perSecond: 5, burst: 2.5 } } },
  { ...base, limits: { requestModule: { perSecond: 5, burst: 1000001 } } },
  { ...base, limits: { requestModule: { perSecond: 5, extra: 1 } } },
];

const accepts = (json: unknown): boolean => {
  try {
    validateConfig(json);
    return true;
  } catch {
    return false;
  }
};

describe('tessera.config.schema.json agrees with validateConfig', () => {
  it('lists the same fields and the same enums as the validator', () => {
    expect(Object.keys(props).sort()).toEqual([...CONFIG_FIELDS].sort());
    expect(schema['required']).toEqual(['modules', 'policy']);
    expect(props['isolation']?.['enum']).toEqual([...ISOLATION_MODES]);
    expect(props['deniedResult']?.['enum']).toEqual([...DENIED_RESULTS]);
    expect(props['sandbox']?.['enum']).toEqual([...SANDBOX_MODES]);
    expect(sub('transport')['kind']?.['enum']).toEqual([...TRANSPORT_KINDS]);
    expect(Object.keys(sub('transport'))).toEqual([...TRANSPORT_FIELDS]);
    expect(Object.keys(sub('policy'))).toEqual([...POLICY_FIELDS]);
    expect(Object.keys(sub('restart'))).toEqual([...RESTART_FIELDS]);
    expect(Object.keys(sub('limits'))).toEqual([...LIMITS_FIELDS]);
    const requestModule = sub('limits')['requestModule']?.['properties'] as Record<string, Schema>;
    expect(Object.keys(requestModule)).toEqual([...RATE_FIELDS]);
    expect(requestModule['perSecond']?.['default']).toBe(DEFAULT_LIMITS.requestModule.perSecond);
    expect(requestModule['burst']?.['description']).toContain(
      `burst ${DEFAULT_LIMITS.requestModule.burst}`,
    );
    for (const k of RESTART_FIELDS) expect(sub('restart')[k]?.['default']).toBe(DEFAULT_RESTART[k]);
    const branches = props['audit']?.['oneOf'] as Schema[];
    expect(
      branches.map((b) => (b['properties'] as Record<string, Schema>)['kind']?.['const']),
    ).toEqual([...AUDIT_KINDS]);
    for (const b of branches) {
      const kind = (b['properties'] as Record<string, Schema>)['kind']?.[
        'const'
      ] as (typeof AUDIT_KINDS)[number];
      expect(Object.keys(b['properties'] as object)).toEqual([...AUDIT_FIELDS[kind]]);
    }
  });

  it.each(valid.map((v) => [JSON.stringify(v), v]))('both accept %s', (_label, sample) => {
    expect(accepts(sample)).toBe(true);
    expect(schemaProblem(schema, sample)).toBeUndefined();
  });

  it.each(invalid.map((v) => [JSON.stringify(v), v]))('both reject %s', (_label, sample) => {
    expect(accepts(sample)).toBe(false);
    expect(schemaProblem(schema, sample)).toBeDefined();
  });

  it('leaves one rule to the validator alone: restart.maxBackoffMs >= restart.backoffMs', () => {
    const sample = { ...base, restart: { backoffMs: 1000, maxBackoffMs: 10 } };
    expect(schemaProblem(schema, sample)).toBeUndefined();
    expect(accepts(sample)).toBe(false);
  });
});
