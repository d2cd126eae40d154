/** Where modules run. */
export const ISOLATION_MODES = ['process', 'in-process'] as const;
export type IsolationMode = (typeof ISOLATION_MODES)[number];

/** Carriers between modules and the core. */
export const TRANSPORT_KINDS = ['inproc', 'ipc', 'zeromq'] as const;
export type TransportKind = (typeof TRANSPORT_KINDS)[number];

/** Where policy decisions are logged. */
export const AUDIT_KINDS = ['jsonl', 'stderr', 'none'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** What a denied call returns: an error, or (Logos compatibility) `undefined`. */
export const DENIED_RESULTS = ['error', 'empty'] as const;
export type DeniedResult = (typeof DENIED_RESULTS)[number];

/**
 * How module hosts are confined: `auto` (default) is the Node permission
 * model plus bubblewrap when it is available (Linux); `node` the permission
 * model alone; `bwrap` both, failing to start when bubblewrap cannot run;
 * `none` no sandbox at all (a warning says so).
 */
export const SANDBOX_MODES = ['auto', 'node', 'bwrap', 'none'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];
export const DEFAULT_SANDBOX_MODE: SandboxMode = 'auto';

/** Top-level fields of tessera.config.json. */
export const CONFIG_FIELDS = [
  '$schema',
  'modules',
  'isolation',
  'transport',
  'policy',
  'audit',
  'restart',
  'deniedResult',
  'heartbeatMs',
  'callTimeoutMs',
  'network',
  'sandbox',
  'limits',
  'dashboard',
] as const;
export const DASHBOARD_FIELDS = ['port', 'host', 'exposed'] as const;

/**
 * `tessera run` serves the operator's dashboard too (`@tessera/dashboard`):
 * on `host` (default 127.0.0.1) and `port` (default 0: any free port). A
 * host other than loopback needs `exposed: true`, and a warning is printed.
 */
export interface DashboardConfig {
  port: number;
  host: string;
  exposed: boolean;
}
export const NETWORK_FIELDS = ['listen', 'hostListen', 'advertise'] as const;
export const TRANSPORT_FIELDS = ['kind', 'options'] as const;
export const POLICY_FIELDS = ['bundle', 'watch', 'allowRevokeAll'] as const;
export const RESTART_FIELDS = ['maxRestarts', 'backoffMs', 'maxBackoffMs', 'resetAfterMs'] as const;
/** Fields each audit kind allows. */
export const AUDIT_FIELDS: Readonly<Record<AuditKind, readonly string[]>> = {
  jsonl: ['kind', 'path', 'maxBytes', 'keep'],
  stderr: ['kind'],
  none: ['kind'],
};

/**
 * `jsonl` rotates by size: before `path` passes `maxBytes` (default 64 MiB)
 * it becomes `path.1`, and at most `keep` rotated files (default 5) are kept.
 */
export type AuditConfig =
  | { kind: 'jsonl'; path: string; maxBytes?: number; keep?: number }
  | { kind: 'stderr' }
  | { kind: 'none' };
/** The smallest `audit.maxBytes`. */
export const AUDIT_MIN_BYTES = 1024;

export interface RestartConfig {
  /** Restarts allowed after a crash before the module is given up on. */
  maxRestarts: number;
  /** First delay before a restart; doubles each time. */
  backoffMs: number;
  /** Upper bound of the delay. */
  maxBackoffMs: number;
  /**
   * A module ready for this long since its last restart has its restart
   * count reset to 0, so occasional crashes never use up `maxRestarts`.
   * 0: never reset (counted over the app's life).
   */
  resetAfterMs: number;
}

/** An app's configuration, validated and fully defaulted. */
export interface AppConfig {
  /** npm package names, or paths (`./x`, `../x`) relative to the config file. */
  modules: string[];
  isolation: IsolationMode;
  transport: { kind: TransportKind; options?: Record<string, unknown> };
  /**
   * `bundle` is as written (relative to the config file); resolve it there.
   * `allowRevokeAll` (absent means false) lets a reload go in force even
   * when it would revoke every live grant to the core.
   */
  policy: { bundle: string; watch: boolean; allowRevokeAll?: boolean };
  audit: AuditConfig;
  restart: RestartConfig;
  deniedResult: DeniedResult;
  heartbeatMs?: number;
  callTimeoutMs?: number;
  /** Spread modules across hosts: the core listens on `listen` (tcp://, CURVE). Needs zeromq and process isolation. */
  network?: { listen: string; hostListen?: string; advertise?: string };
  /** How process hosts are confined; absent means {@link DEFAULT_SANDBOX_MODE}. */
  sandbox?: SandboxMode;
  /** Limits the core enforces whatever the policy says; validated configs always have it. */
  limits?: LimitsConfig;
  /** Serve the operator's dashboard from `tessera run`; absent: not served. */
  dashboard?: DashboardConfig;
}

export const DEFAULT_ISOLATION: IsolationMode = 'process';
export const DEFAULT_TRANSPORT_KIND: TransportKind = 'ipc';
export const DEFAULT_AUDIT_PATH = '.tessera/audit.jsonl';
export const DEFAULT_RESTART: Readonly<RestartConfig> = {
  maxRestarts: 3,
  backoffMs: 200,
  maxBackoffMs: 5000,
  resetAfterMs: 60_000,
};
export const DEFAULT_DENIED_RESULT: DeniedResult = 'error';

/**
 * Limits the core's own door enforces on every caller, whatever the policy
 * says (a policy may set tighter ones on target `core`). `requestModule`: a
 * token bucket per caller on the core's `requestModule`, so that no module
 * can flood the capability module (and the policy) with requests.
 */
export interface LimitsConfig {
  requestModule: { perSecond: number; burst: number };
}
export const LIMITS_FIELDS = ['requestModule'] as const;
export const RATE_FIELDS = ['perSecond', 'burst'] as const;
/** 20 requests a second per caller, 40 at once: far above what renewals and first calls need. */
export const DEFAULT_LIMITS: Readonly<LimitsConfig> = {
  requestModule: { perSecond: 20, burst: 40 },
};

/** The conventional file name of an app's configuration. */
export const CONFIG_FILE_NAME = 'tessera.config.json';
