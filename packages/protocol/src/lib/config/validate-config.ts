import { FieldChecker, describeValue, type JsonObject } from '../manifest/field-checker';
import {
  AUDIT_FIELDS,
  AUDIT_KINDS,
  AUDIT_MIN_BYTES,
  CONFIG_FIELDS,
  CONFIG_FILE_NAME,
  DASHBOARD_FIELDS,
  DEFAULT_AUDIT_PATH,
  DEFAULT_DENIED_RESULT,
  DEFAULT_ISOLATION,
  DEFAULT_RESTART,
  DEFAULT_TRANSPORT_KIND,
  DENIED_RESULTS,
  ISOLATION_MODES,
  POLICY_FIELDS,
  NETWORK_FIELDS,
  RESTART_FIELDS,
  SANDBOX_MODES,
  TRANSPORT_FIELDS,
  TRANSPORT_KINDS,
  type AppConfig,
  type AuditConfig,
  type DashboardConfig,
  type RestartConfig,
} from './app-config';
import { limitsOf } from './limits-config';
import { isModuleSpec } from './module-spec';

export interface ValidateConfigOptions {
  /** How to name the file in messages; default `tessera.config.json`. */
  file?: string;
}

/**
 * Validate a parsed tessera.config.json and return it fully defaulted.
 * Throws `INVALID_ARGUMENT` naming the file and the field (also in
 * `data.field`). A present but wrong value is always an error, never
 * replaced by a default. Pure: no I/O.
 */
export function validateConfig(json: unknown, options: ValidateConfigOptions = {}): AppConfig {
  const file = options.file ?? CONFIG_FILE_NAME;
  const check = new FieldChecker(file, { file });
  const root = check.object(json, '(root)');
  check.noUnknownFields(root, CONFIG_FIELDS, '');
  if (root.$schema !== undefined) check.string(root.$schema, '$schema');
  const config: AppConfig = {
    modules: modulesOf(check, root.modules),
    isolation:
      root.isolation === undefined
        ? DEFAULT_ISOLATION
        : check.oneOf(root.isolation, ISOLATION_MODES, 'isolation'),
    transport: transportOf(check, root.transport),
    policy: policyOf(check, root.policy),
    audit: auditOf(check, root.audit),
    restart: restartOf(check, root.restart),
    deniedResult:
      root.deniedResult === undefined
        ? DEFAULT_DENIED_RESULT
        : check.oneOf(root.deniedResult, DENIED_RESULTS, 'deniedResult'),
    limits: limitsOf(check, root.limits),
  };
  if (root.heartbeatMs !== undefined)
    config.heartbeatMs = check.integer(root.heartbeatMs, 'heartbeatMs', 1);
  if (root.callTimeoutMs !== undefined)
    config.callTimeoutMs = check.integer(root.callTimeoutMs, 'callTimeoutMs', 1);
  if (root.network !== undefined) config.network = networkOf(check, root.network, config);
  if (root.sandbox !== undefined)
    config.sandbox = check.oneOf(root.sandbox, SANDBOX_MODES, 'sandbox');
  if (root.dashboard !== undefined) config.dashboard = dashboardOf(check, root.dashboard);
  return config;
}

function dashboardOf(check: FieldChecker, value: unknown): DashboardConfig {
  if (value === true) return { port: 0, host: '127.0.0.1', exposed: false };
  const d = check.object(value, 'dashboard');
  check.noUnknownFields(d, DASHBOARD_FIELDS, 'dashboard');
  const port = d.port === undefined ? 0 : check.integer(d.port, 'dashboard.port', 0);
  if (port > 65535)
    throw check.fail('dashboard.port', 'must be a port number (0 for any free port)');
  const host = d.host === undefined ? '127.0.0.1' : check.string(d.host, 'dashboard.host');
  const exposed = d.exposed === undefined ? false : check.boolean(d.exposed, 'dashboard.exposed');
  return { port, host, exposed };
}

function modulesOf(check: FieldChecker, value: unknown): string[] {
  if (value === undefined)
    throw check.failWith('modules', 'modules is required: list the module packages of the app');
  const list = check.array(value, 'modules').map((spec, i) => {
    const field = `modules[${i}]`;
    if (typeof spec !== 'string' || !isModuleSpec(spec)) {
      throw check.fail(
        field,
        `must be an npm package name or a path starting with ./ (got ${describeValue(spec)})`,
      );
    }
    return spec;
  });
  check.unique(list, 'modules');
  return list;
}

function transportOf(check: FieldChecker, value: unknown): AppConfig['transport'] {
  if (value === undefined) return { kind: DEFAULT_TRANSPORT_KIND };
  const t = check.object(value, 'transport');
  check.noUnknownFields(t, TRANSPORT_FIELDS, 'transport');
  if (t.kind === undefined)
    throw check.failWith('transport.kind', 'transport.kind is required when transport is given');
  const kind = check.oneOf(t.kind, TRANSPORT_KINDS, 'transport.kind');
  // Each transport validates its own options when it registers; here only the shape.
  return t.options === undefined
    ? { kind }
    : { kind, options: check.object(t.options, 'transport.options') };
}

function policyOf(check: FieldChecker, value: unknown): AppConfig['policy'] {
  if (value === undefined) {
    throw check.failWith(
      'policy',
      'policy is required: give policy.bundle, the path of a built policy bundle (without one every request is denied)',
    );
  }
  const p = check.object(value, 'policy');
  check.noUnknownFields(p, POLICY_FIELDS, 'policy');
  if (p.bundle === undefined)
    throw check.failWith(
      'policy.bundle',
      'policy.bundle is required: the path of a built policy bundle',
    );
  return {
    bundle: check.string(p.bundle, 'policy.bundle'),
    watch: p.watch === undefined ? false : check.boolean(p.watch, 'policy.watch'),
    ...(p.allowRevokeAll === undefined
      ? {}
      : { allowRevokeAll: check.boolean(p.allowRevokeAll, 'policy.allowRevokeAll') }),
  };
}

function auditOf(check: FieldChecker, value: unknown): AuditConfig {
  if (value === undefined) return { kind: 'jsonl', path: DEFAULT_AUDIT_PATH };
  const a = check.object(value, 'audit');
  if (a.kind === undefined)
    throw check.failWith('audit.kind', 'audit.kind is required when audit is given');
  const kind = check.oneOf(a.kind, AUDIT_KINDS, 'audit.kind');
  check.noUnknownFields(a, AUDIT_FIELDS[kind], 'audit');
  switch (kind) {
    case 'jsonl':
      if (a.path === undefined)
        throw check.failWith('audit.path', 'audit.path is required when audit.kind is "jsonl"');
      return { kind, path: check.string(a.path, 'audit.path'), ...rotationOf(check, a) };
    case 'stderr':
    case 'none':
      return { kind };
  }
}

function rotationOf(check: FieldChecker, a: JsonObject): { maxBytes?: number; keep?: number } {
  const rotation: { maxBytes?: number; keep?: number } = {};
  if (a.maxBytes !== undefined)
    rotation.maxBytes = check.integer(a.maxBytes, 'audit.maxBytes', AUDIT_MIN_BYTES);
  if (a.keep !== undefined) rotation.keep = check.integer(a.keep, 'audit.keep', 0);
  return rotation;
}

function restartOf(check: FieldChecker, value: unknown): RestartConfig {
  if (value === undefined) return { ...DEFAULT_RESTART };
  const r: JsonObject = check.object(value, 'restart');
  check.noUnknownFields(r, RESTART_FIELDS, 'restart');
  const pick = (key: keyof RestartConfig): number =>
    r[key] === undefined ? DEFAULT_RESTART[key] : check.integer(r[key], `restart.${key}`, 0);
  const restart = {
    maxRestarts: pick('maxRestarts'),
    backoffMs: pick('backoffMs'),
    maxBackoffMs: pick('maxBackoffMs'),
    resetAfterMs: pick('resetAfterMs'),
  };
  if (restart.maxBackoffMs < restart.backoffMs) {
    throw check.fail(
      'restart.maxBackoffMs',
      `must be >= restart.backoffMs (${restart.backoffMs}) (got ${restart.maxBackoffMs})`,
    );
  }
  return restart;
}

function networkOf(
  check: FieldChecker,
  value: unknown,
  config: AppConfig,
): NonNullable<AppConfig['network']> {
  const n = check.object(value, 'network');
  check.noUnknownFields(n, NETWORK_FIELDS, 'network');
  if (n.listen === undefined)
    throw check.failWith(
      'network.listen',
      'network.listen is required: the tcp:// address the core listens on',
    );
  const tcp = (v: unknown, field: string): string => {
    const s = check.string(v, field);
    if (!/^tcp:\/\/[^\s:]+:\d{1,5}$/.test(s))
      throw check.fail(field, `must be a tcp://host:port address (got ${describeValue(s)})`);
    return s;
  };
  if (config.transport.kind !== 'zeromq') {
    throw check.fail(
      'network',
      `needs transport.kind "zeromq" (got "${config.transport.kind}"): only ZeroMQ crosses machines, with CURVE`,
    );
  }
  if (config.isolation !== 'process')
    throw check.fail('network', 'needs isolation "process": each host gets its own key pair');
  const out: NonNullable<AppConfig['network']> = { listen: tcp(n.listen, 'network.listen') };
  if (n.hostListen !== undefined) out.hostListen = tcp(n.hostListen, 'network.hostListen');
  if (n.advertise !== undefined) out.advertise = check.string(n.advertise, 'network.advertise');
  return out;
}
