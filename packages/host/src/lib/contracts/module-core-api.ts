import type { ModuleSpec } from '@tessera/sdk';

/** What a host tells the core once its module listens. */
export interface HostRegistration {
  address: string;
  spec: ModuleSpec;
  /** The host's public carrier key (CURVE), which callers need to reach `address`. */
  serverKey?: string;
}

/** What a module asks of the core: access to `to`, optionally only some methods. */
export interface ModuleRequest {
  to: string;
  methods?: string[];
  /** Logos-style claimed requester. Checked against the channel, never trusted. */
  from?: string;
}

/** What `requestModule` answers: the token and where to use it. */
export interface ModuleRoute {
  token: string;
  methods: string[];
  expiresAt: number;
  generation: number;
  /**
   * Which start of the target answers at `address` (the core counts them):
   * a caller that sees it change knows the target restarted.
   */
  incarnation?: number;
  /** Where the target module listens. */
  address: string;
  /** The target host's public key, for carriers that authenticate servers by key. */
  serverKey?: string;
}

/**
 * The core's surface as a module host uses it (host → core), over the host's
 * proven core channel. The caller is always the channel's identity.
 */
export interface ModuleCoreApi {
  register(info: HostRegistration): boolean;
  requestModule(request: ModuleRequest | string): ModuleRoute;
  releaseModule(target: string): boolean;
  /**
   * Hand part of the caller's own live grant on `target` to module `to`
   * (`ctx.delegate`): the capability module checks it against that grant
   * and asks the policy; `to`'s host is handed the token, the caller only
   * learns the grant.
   */
  delegate(request: DelegateRequest): DelegationInfo;
  /**
   * What this host's door refused since its last report, counted (the
   * audit trail's `call.denied`). The target is the channel's identity.
   */
  reportDenials(denials: DeniedCalls[]): number;
}

/** The module-facing part of the core's dispatch table. */
export const CORE_MODULE_METHODS = [
  'register',
  'requestModule',
  'releaseModule',
  'delegate',
  'reportDenials',
] as const satisfies readonly (keyof ModuleCoreApi)[];

/** What `delegate` takes: see `ctx.delegate` in `@tessera/sdk`. */
export interface DelegateRequest {
  target: string;
  to: string;
  methods: string[];
  ttlSeconds?: number;
}

/** What `delegate` answers: the child grant, never its token. */
export interface DelegationInfo {
  /** The child grant's token id. */
  id: string;
  target: string;
  to: string;
  methods: string[];
  expiresAt: number;
  /** Delegators from the original holder to the caller. */
  chain: string[];
}

/**
 * A delegated token as the receiving host is handed it (`HostControl.delegated`):
 * a route to `target` with a token of its own, next to the host's own one.
 */
export interface DelegatedRoute extends ModuleRoute {
  target: string;
  /** The token's id. */
  id: string;
  /** Who handed it on. */
  delegatedBy: string;
}

/**
 * Calls a host's door refused in one report interval, counted per caller,
 * code and grant: the door's reason for the first of them, and which
 * methods were tried (at most 8).
 */
export interface DeniedCalls {
  caller?: string;
  code: string;
  grant?: string;
  reason: string;
  methods: string[];
  count: number;
}
