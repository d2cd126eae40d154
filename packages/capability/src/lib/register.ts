import { type DependencyContainer, instanceCachingFactory } from 'tsyringe';
import { typedToken } from '@tessera/protocol';
import { POLICY_ENGINE, type PolicyEngine } from '@tessera/policy';
import { CapabilityModule, type CapabilityOptions } from './capability-module';
import type { ModuleDirectory } from './module-directory';

/** DI token for the directory the core provides to the capability module. */
export const MODULE_DIRECTORY = typedToken<ModuleDirectory>('ModuleDirectory');
/** DI token for the capability module. */
export const CAPABILITY_MODULE = typedToken<CapabilityModule>('CapabilityModule');

/**
 * Register the capability module. It resolves the policy engine and the
 * module directory lazily, so register those before the first resolve.
 */
export function registerCapability(
  container: DependencyContainer,
  options: CapabilityOptions = {},
): void {
  container.register(CAPABILITY_MODULE, {
    useFactory: instanceCachingFactory(
      (c) =>
        new CapabilityModule(
          c.resolve<PolicyEngine>(POLICY_ENGINE),
          c.resolve<ModuleDirectory>(MODULE_DIRECTORY),
          options,
        ),
    ),
  });
}
