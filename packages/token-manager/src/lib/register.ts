import type { DependencyContainer } from 'tsyringe';
import { typedToken } from '@tessera/protocol';
import type { TokenManagerOptions } from './token-manager';
import { TokenManager } from './token-manager';

/**
 * Creates a module's TokenManager; hosts resolve this to build one per
 * module start, passing the start's incarnation.
 */
export type TokenManagerFactory = (
  owner: string,
  options?: Pick<TokenManagerOptions, 'incarnation'>,
) => TokenManager;

/** DI token for the {@link TokenManagerFactory}. */
export const TOKEN_MANAGER_FACTORY = typedToken<TokenManagerFactory>('TokenManagerFactory');

/** Register the token-manager factory. `options.now` overrides the clock. */
export function registerTokenManager(
  container: DependencyContainer,
  options: TokenManagerOptions = {},
): void {
  const factory: TokenManagerFactory = (owner, own = {}) =>
    new TokenManager(owner, { ...options, ...own });
  container.register(TOKEN_MANAGER_FACTORY, { useValue: factory });
}
