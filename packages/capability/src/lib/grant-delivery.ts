import type { GrantInfo } from '@tessera/token-manager';

/**
 * Where the capability module delivers what it decided: to the target's
 * TokenManager and to the caller's outbound tokens, over each identity's
 * private channel (the core routes by identity kind). Every method resolves
 * only once the far side acknowledged.
 */
export interface GrantDelivery {
  /** informModuleToken, target side: store the inbound grant. */
  informTarget(target: string, token: string, info: GrantInfo): Promise<void>;
  /** Revoke grants at the target (by token id). */
  revokeAtTarget(target: string, grantIds: string[]): Promise<void>;
  /** Narrow a grant's scope at the target. */
  narrowAtTarget(target: string, grantId: string, methods: string[]): Promise<void>;
  /** Narrow the caller's copy of a scope (policy reload). */
  narrowAtCaller(caller: string, target: string, methods: string[]): Promise<void>;
  /** Make the caller forget its token for `target`. */
  dropAtCaller(caller: string, target: string): Promise<void>;
}
