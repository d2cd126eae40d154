/**
 * @tessera/capability: the central capability module — asks the policy,
 * mints tokens, informs the target, holds requests the policy asks the
 * operator about, tracks live grants to revoke and re-evaluate them.
 */
export { CapabilityModule, type CapabilityOptions } from './lib/capability-module';
export type { GrantDelivery } from './lib/grant-delivery';
export type { Delegation, DelegationRequest, HandedOverGrant } from './lib/delegation';
export {
  DEFAULT_APPROVAL_LIMITS,
  type ApprovalEvent,
  type ApprovalLimits,
  type ApprovalNotice,
  type ApprovalOutcome,
  type ApproveOptions,
  type PendingApproval,
} from './lib/approvals';
export type { CapabilityEvent, CapabilityRequest, IssuedToken, LiveGrant } from './lib/live-grant';
export { CAPABILITY_MODULE, GRANT_DELIVERY, registerCapability } from './lib/register';
