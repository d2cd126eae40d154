/**
 * `@tessera/token-manager`: a module's capability tokens. Inbound grants
 * checked in constant time (caller, scope, expiry, carrier key, revocation)
 * and the outbound tokens the module presents to its targets.
 */
export type { Grant, GrantInfo, OutboundToken } from './lib/grant';
export { TokenManager, type TokenManagerOptions } from './lib/token-manager';
export { mintToken, tokenId } from './lib/token';
export {
  TOKEN_MANAGER_FACTORY,
  registerTokenManager,
  type TokenManagerFactory,
} from './lib/register';
