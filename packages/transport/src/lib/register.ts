import { disposeWith } from '@tessera/protocol';
import type { DependencyContainer } from 'tsyringe';
import { TRANSPORT_REGISTRY, TransportRegistry } from './transport-registry';

/**
 * Make sure `container` has a {@link TransportRegistry} and return it.
 * Each transport package calls this from its own `registerX`. Disposing
 * the container closes every transport the registry created.
 */
export function registerTransportRegistry(container: DependencyContainer): TransportRegistry {
  if (container.isRegistered(TRANSPORT_REGISTRY, false)) {
    return container.resolve<TransportRegistry>(TRANSPORT_REGISTRY);
  }
  const registry = new TransportRegistry();
  container.register(TRANSPORT_REGISTRY, { useValue: registry });
  disposeWith(container, () => registry.close());
  return registry;
}
