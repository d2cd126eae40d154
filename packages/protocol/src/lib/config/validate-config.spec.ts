import { ErrorCode } from '../errors/error-codes';
import { TesseraError } from '../errors/tessera-error';
import { validateConfig } from './validate-config';

const minimal = {
  modules: ['@tessera-demo/notes', './local/mod'],
  policy: { bundle: '../policies/build' },
};

function errorOf(json: unknown, file = 'tessera.config.json'): TesseraError {
  try {
    validateConfig(json, { file });
  } catch (err) {
    if (err instanceof TesseraError) return err;
    throw err;
  }
  throw new Error('validateConfig accepted the config');
}

const messageOf = (patch: Record<string, unknown>): string =>
  errorOf({ ...minimal, ...patch }).message;

describe('validateConfig', () => {
  it('fills every default', () => {
    expect(validateConfig(minimal)).toEqual({
      modules: ['@tessera-demo/notes', './local/mod'],
      isolation: 'process',
      transport: { kind: 'ipc' },
      policy: { bundle: '../policies/build', watch: false },
      audit: { kind: 'jsonl', path: '.tessera/audit.jsonl' },
      restart: { maxRestarts: 3, backoffMs: 200, maxBackoffMs: 5000, resetAfterMs: 60_000 },
      deniedResult: 'error',
      limits: { requestModule: { perSecond: 20, burst: 40 } },
    });
  });

  it('validates limits.requestModule, defaulting the burst to the rate', () => {
    const limits = (l: unknown) => validateConfig({ ...minimal, limits: l }).limits;
    expect(limits({ requestModule: { perSecond: 2.5 } })).toEqual({
      requestModule: { perSecond: 2.5, burst: 3 },
    });
    expect(limits({ requestModule: { perSecond: 5, burst: 50 } })).toEqual({
      requestModule: { perSecond: 5, burst: 50 },
    });
    expect(limits({})).toEqual({ requestModule: { perSecond: 20, burst: 40 } });
    expect(messageOf({ limits: { requestModule: { perSecond: 0 } } })).toBe(
      'tessera.config.json: limits.requestModule.perSecond must be a number > 0 and <= 1000000 (got 0)',
    );
    expect(messageOf({ limits: { requestModule: { perSecond: 1, burst: 0.5 } } })).toBe(
      'tessera.config.json: limits.requestModule.burst must be an integer >= 1 (got 0.5)',
    );
    expect(messageOf({ limits: { requestModul: {} } })).toBe(
      "tessera.config.json: unknown field 'limits.requestModul' (did you mean 'requestModule'?)",
    );
  });

  it('keeps every given value', () => {
    const full = {
      $schema: './node_modules/@tessera/core/tessera.config.schema.json',
      modules: ['storage'],
      isolation: 'in-process',
      transport: { kind: 'zeromq', options: { curve: true } },
      policy: { bundle: 'b', watch: true },
      audit: { kind: 'stderr' },
      restart: { maxRestarts: 0, backoffMs: 10, maxBackoffMs: 10, resetAfterMs: 0 },
      deniedResult: 'empty',
      heartbeatMs: 500,
      callTimeoutMs: 2000,
      limits: { requestModule: { perSecond: 1, burst: 1 } },
    };
    const { $schema: _schema, ...rest } = full;
    expect(validateConfig(full)).toEqual(rest);
  });

  it('fills missing restart fields one by one, and accepts audit none', () => {
    const c = validateConfig({
      ...minimal,
      restart: { maxRestarts: 5 },
      audit: { kind: 'none' },
      transport: { kind: 'inproc' },
    });
    expect(c.restart).toEqual({
      maxRestarts: 5,
      backoffMs: 200,
      maxBackoffMs: 5000,
      resetAfterMs: 60_000,
    });
    expect(c.audit).toEqual({ kind: 'none' });
    expect(c.isolation).toBe('process'); // process isolation over inproc is the caller's concern, not a config error
  });

  it('dashboard: true or {port, host, exposed}, defaulted to loopback on any port', () => {
    const dashboard = (d: unknown) => validateConfig({ ...minimal, dashboard: d }).dashboard;
    expect(validateConfig(minimal).dashboard).toBeUndefined();
    expect(dashboard(true)).toEqual({ port: 0, host: '127.0.0.1', exposed: false });
    expect(dashboard({ port: 8765 })).toEqual({ port: 8765, host: '127.0.0.1', exposed: false });
    expect(dashboard({ host: '0.0.0.0', exposed: true })).toMatchObject({
      host: '0.0.0.0',
      exposed: true,
    });
    expect(messageOf({ dashboard: { port: 70000 } })).toBe(
      'tessera.config.json: dashboard.port must be a port number (0 for any free port)',
    );
    expect(messageOf({ dashboard: { prot: 1 } })).toMatch(
      /unknown field 'dashboard.prot' \(did you mean 'port'\?\)/,
    );
    expect(messageOf({ dashboard: 'yes' })).toMatch(/dashboard must be an object/);
  });

  it('rejects unknown fields with a did-you-mean, at the top and inside objects', () => {
    const err = errorOf({ ...minimal, transprt: { kind: 'ipc' } });
    expect(err.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(err.message).toBe(
      "tessera.config.json: unknown field 'transprt' (did you mean 'transport'?)",
    );
    expect(err.data).toEqual({ file: 'tessera.config.json', field: 'transprt' });
    expect(messageOf({ policy: { bundle: 'b', wacth: true } })).toBe(
      "tessera.config.json: unknown field 'policy.wacth' (did you mean 'watch'?)",
    );
    expect(messageOf({ restart: { maxRestart: 1 } })).toBe(
      "tessera.config.json: unknown field 'restart.maxRestart' (did you mean 'maxRestarts'?)",
    );
    expect(messageOf({ audit: { kind: 'stderr', path: 'x' } })).toBe(
      "tessera.config.json: unknown field 'audit.path' (known fields: kind)",
    );
  });

  it('rejects an unknown transport kind instead of falling back to the default', () => {
    const err = errorOf(
      { ...minimal, transport: { kind: 'tcp' } },
      'apps/demo/tessera.config.json',
    );
    expect(err.message).toBe(
      'apps/demo/tessera.config.json: transport.kind must be one of "inproc", "ipc", "zeromq" (got "tcp")',
    );
    expect(err.data).toEqual({ file: 'apps/demo/tessera.config.json', field: 'transport.kind' });
    expect(messageOf({ transport: {} })).toBe(
      'tessera.config.json: transport.kind is required when transport is given',
    );
    expect(messageOf({ transport: { kind: 'ipc', options: [] } })).toBe(
      'tessera.config.json: transport.options must be an object (got an array)',
    );
  });

  it('rejects a bad isolation, audit kind or deniedResult', () => {
    expect(messageOf({ isolation: 'thread' })).toBe(
      'tessera.config.json: isolation must be one of "process", "in-process" (got "thread")',
    );
    expect(messageOf({ audit: { kind: 'syslog' } })).toBe(
      'tessera.config.json: audit.kind must be one of "jsonl", "stderr", "none" (got "syslog")',
    );
    expect(messageOf({ audit: { kind: 'jsonl' } })).toBe(
      'tessera.config.json: audit.path is required when audit.kind is "jsonl"',
    );
    expect(messageOf({ deniedResult: 'null' })).toBe(
      'tessera.config.json: deniedResult must be one of "error", "empty" (got "null")',
    );
  });

  it('rejects bad restart numbers', () => {
    expect(messageOf({ restart: { maxRestarts: -1 } })).toBe(
      'tessera.config.json: restart.maxRestarts must be an integer >= 0 (got -1)',
    );
    expect(messageOf({ restart: { backoffMs: 1.5 } })).toBe(
      'tessera.config.json: restart.backoffMs must be an integer >= 0 (got 1.5)',
    );
    expect(messageOf({ restart: { resetAfterMs: -1 } })).toBe(
      'tessera.config.json: restart.resetAfterMs must be an integer >= 0 (got -1)',
    );
    expect(messageOf({ restart: { resetAfterMs: '1m' } })).toBe(
      'tessera.config.json: restart.resetAfterMs must be an integer >= 0 (got "1m")',
    );
    expect(messageOf({ restart: { backoffMs: 1000, maxBackoffMs: 500 } })).toBe(
      'tessera.config.json: restart.maxBackoffMs must be >= restart.backoffMs (1000) (got 500)',
    );
    expect(messageOf({ restart: { backoffMs: 9000 } })).toBe(
      'tessera.config.json: restart.maxBackoffMs must be >= restart.backoffMs (9000) (got 5000)',
    );
    expect(messageOf({ heartbeatMs: 0 })).toBe(
      'tessera.config.json: heartbeatMs must be an integer >= 1 (got 0)',
    );
  });

  it('requires modules and policy', () => {
    expect(errorOf({ policy: { bundle: 'b' } }).message).toBe(
      'tessera.config.json: modules is required: list the module packages of the app',
    );
    expect(errorOf({ modules: [] }).message).toBe(
      'tessera.config.json: policy is required: give policy.bundle, the path of a built policy bundle (without one every request is denied)',
    );
    expect(messageOf({ policy: {} })).toBe(
      'tessera.config.json: policy.bundle is required: the path of a built policy bundle',
    );
  });

  it('rejects wrong types and bad module specs', () => {
    expect(errorOf('modules').message).toBe(
      'tessera.config.json: (root) must be an object (got "modules")',
    );
    expect(messageOf({ modules: '@tessera-demo/notes' })).toBe(
      'tessera.config.json: modules must be an array (got "@tessera-demo/notes")',
    );
    expect(messageOf({ modules: ['ok', 3] })).toBe(
      'tessera.config.json: modules[1] must be an npm package name or a path starting with ./ (got 3)',
    );
    expect(messageOf({ modules: ['/abs/path'] })).toBe(
      'tessera.config.json: modules[0] must be an npm package name or a path starting with ./ (got "/abs/path")',
    );
    expect(messageOf({ modules: ['Bad Name'] })).toContain(
      'modules[0] must be an npm package name',
    );
    expect(messageOf({ modules: ['a', 'a'] })).toBe('tessera.config.json: modules[1] repeats "a"');
    expect(messageOf({ policy: { bundle: 7 } })).toBe(
      'tessera.config.json: policy.bundle must be a non-empty string (got 7)',
    );
    expect(messageOf({ policy: { bundle: 'b', watch: 'yes' } })).toBe(
      'tessera.config.json: policy.watch must be true or false (got "yes")',
    );
    expect(messageOf({ transport: 'ipc' })).toBe(
      'tessera.config.json: transport must be an object (got "ipc")',
    );
    expect(messageOf({ $schema: 1 })).toBe(
      'tessera.config.json: $schema must be a non-empty string (got 1)',
    );
    expect(messageOf({ callTimeoutMs: '100' })).toBe(
      'tessera.config.json: callTimeoutMs must be an integer >= 1 (got "100")',
    );
  });
});

describe('network config', () => {
  const base = { modules: ['@tessera-demo/notes'], policy: { bundle: 'p' } };
  it('accepts a tcp listen address with zeromq and process isolation', () => {
    const c = validateConfig({
      ...base,
      transport: { kind: 'zeromq' },
      network: { listen: 'tcp://0.0.0.0:7700', advertise: 'core.lan' },
    });
    expect(c.network).toEqual({ listen: 'tcp://0.0.0.0:7700', advertise: 'core.lan' });
  });
  it('refuses network with a transport that cannot cross machines, naming the field', () => {
    expect(() => validateConfig({ ...base, network: { listen: 'tcp://0.0.0.0:7700' } })).toThrow(
      'tessera.config.json: network needs transport.kind "zeromq" (got "ipc"): only ZeroMQ crosses machines, with CURVE',
    );
  });
  it('refuses a listen address that is not tcp://host:port, and unknown fields', () => {
    expect(() =>
      validateConfig({
        ...base,
        transport: { kind: 'zeromq' },
        network: { listen: 'ipc:///tmp/x' },
      }),
    ).toThrow(/network\.listen must be a tcp:\/\/host:port address/);
    expect(() =>
      validateConfig({
        ...base,
        transport: { kind: 'zeromq' },
        network: { listen: 'tcp://a:1', port: 1 },
      }),
    ).toThrow(/network/);
  });
});
