/**
 * @tessera/capability: the central capability module — asks the policy,
 * mints tokens, informs the target, tracks live grants to revoke and
 * re-evaluate them.
 */
export { CapabilityModule, type CapabilityOptions } from './lib/capability-module';
export type { GrantDelivery } from './lib/grant-delivery';
export type { CapabilityEvent, CapabilityRequest, IssuedToken, LiveGrant } from './lib/live-grant';
export { CAPABILITY_MODULE, GRANT_DELIVERY, registerCapability } from './lib/register';
