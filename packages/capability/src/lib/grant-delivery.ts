import type { GrantTerms } from '@tessera/protocol';
import type { GrantInfo } from '@tessera/token-manager';
import type { ApprovalNotice } from './approvals/approval';
import type { HandedOverGrant } from './delegation/delegation-request';

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
  /**
   * Narrow a grant's scope at the target; with `terms`, its constraints and
   * rate limit become those (a reload changed them).
   */
  narrowAtTarget(
    target: string,
    grantId: string,
    methods: string[],
    terms?: GrantTerms,
  ): Promise<void>;
  /** Narrow the caller's copy of a scope (policy reload). */
  narrowAtCaller(caller: string, target: string, methods: string[]): Promise<void>;
  /** Make the caller forget its token for `target`. */
  dropAtCaller(caller: string, target: string): Promise<void>;
  /**
   * Tell a caller whose request waits for the operator its id and code
   * (the module's log shows them). Optional: without it, the caller waits
   * untold.
   */
  awaitingApproval?(caller: string, notice: ApprovalNotice): Promise<void>;
  /**
   * Hand a delegated grant's token to the module that receives it (its host
   * keeps it beside its own token for the target). Optional: without it,
   * delegation is refused.
   */
  handOver?(receiver: string, grant: HandedOverGrant): Promise<void>;
}
