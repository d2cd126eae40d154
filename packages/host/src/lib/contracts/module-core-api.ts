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
}

/** The module-facing part of the core's dispatch table. */
export const CORE_MODULE_METHODS = [
  'register',
  'requestModule',
  'releaseModule',
] as const satisfies readonly (keyof ModuleCoreApi)[];
