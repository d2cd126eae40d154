import { type DependencyContainer, instanceCachingFactory } from 'tsyringe';
import { disposeWith, typedToken } from '@tessera/protocol';
import { POLICY_ENGINE, type PolicyEngine } from '@tessera/policy';
import { CapabilityModule, type CapabilityOptions } from './capability-module';
import type { GrantDelivery } from './grant-delivery';

/** DI token for where the capability module delivers grants (the core's grant router). */
export const GRANT_DELIVERY = typedToken<GrantDelivery>('GrantDelivery');
/** DI token for the capability module. */
export const CAPABILITY_MODULE = typedToken<CapabilityModule>('CapabilityModule');

/**
 * Register the capability module. It is built on first resolve from the
 * policy engine and the grant delivery, so register those first; the
 * container closes it on dispose.
 */
export function registerCapability(
  container: DependencyContainer,
  options: CapabilityOptions = {},
): void {
  container.register(CAPABILITY_MODULE, {
    useFactory: instanceCachingFactory((c) => {
      const capability = new CapabilityModule(
        c.resolve<PolicyEngine>(POLICY_ENGINE),
        c.resolve<GrantDelivery>(GRANT_DELIVERY),
        options,
      );
      disposeWith(container, () => capability.close());
      return capability;
    }),
  });
}
