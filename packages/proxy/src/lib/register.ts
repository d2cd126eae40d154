import type { DependencyContainer } from 'tsyringe';
import { typedToken } from '@tessera/protocol';
import type { ModuleProxyOptions } from './module-proxy';

/** DI token for the proxy options every host applies to its modules. */
export const MODULE_PROXY_OPTIONS = typedToken<ModuleProxyOptions>('ModuleProxyOptions');

/** Register the proxy options (e.g. `deniedResult: 'empty'` for Logos compatibility). */
export function registerProxy(
  container: DependencyContainer,
  options: ModuleProxyOptions = {},
): void {
  container.register(MODULE_PROXY_OPTIONS, {
    useValue: { deniedResult: options.deniedResult ?? 'error' },
  });
}
