import type { DependencyContainer } from 'tsyringe';

/**
 * Tie a resource's release to `container.dispose()`. tsyringe disposes only
 * instances it constructed itself, never factory or value registrations, so
 * a `registerX` that creates a resource hands its release to the container
 * here; `dispose()` then awaits it.
 */
export function disposeWith(
  container: DependencyContainer,
  release: () => void | Promise<void>,
): void {
  let released: Promise<void> | undefined;
  class Owned {
    dispose(): Promise<void> {
      released ??= Promise.resolve().then(release);
      return released;
    }
  }
  const token = Symbol('tessera:owned-resource');
  container.register(token, { useClass: Owned });
  container.resolve(token); // constructed here, so this container tracks it
}
