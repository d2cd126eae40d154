import type { ModuleFacts } from '@tessera/policy';
import type { GrantInfo } from '@tessera/token-manager';

/**
 * What the capability module needs from whoever hosts modules (the core):
 * facts for policy input and the private channels to inform and revoke.
 * Every method must resolve only once the module acknowledged.
 */
export interface ModuleDirectory {
  /** Facts for a loaded module (or a system identity), `undefined` if unknown. */
  facts(name: string): ModuleFacts | undefined;
  /**
   * The carrier key (CURVE public key) grants from `caller` to `target` are
   * bound to, if the caller reaches the target over a keyed carrier.
   */
  keyOf?(caller: string, target: string): string | undefined;
  /** informModuleToken, target side: store the inbound grant. */
  informTarget(target: string, token: string, info: GrantInfo): Promise<void>;
  /** informModuleToken, caller side: store the outbound token. */
  informCaller(
    caller: string,
    target: string,
    token: string,
    methods: string[],
    expiresAt: number,
  ): Promise<void>;
  /** Revoke grants at the target (by token id). */
  revokeAtTarget(target: string, grantIds: string[]): Promise<void>;
  /** Narrow a grant's scope at the target. */
  narrowAtTarget(target: string, grantId: string, methods: string[]): Promise<void>;
  /** Narrow the caller's copy of a scope (policy reload). */
  narrowAtCaller(caller: string, target: string, methods: string[]): Promise<void>;
  /** Make the caller forget its token for `target`. */
  dropAtCaller(caller: string, target: string): Promise<void>;
}
