import type { DependencyContainer } from 'tsyringe';
import { DenyAllPolicyEngine } from './deny-all-engine';
import { POLICY_ENGINE, type PolicyEngine } from './policy-engine';

export interface PolicyRegistration {
  /** The engine to use. Omitted: {@link DenyAllPolicyEngine}; nothing is allowed. */
  engine?: PolicyEngine;
}

/** Register the app's policy engine. Without one, every request is denied. */
export function registerPolicy(container: DependencyContainer, options: PolicyRegistration = {}): PolicyEngine {
  const engine = options.engine ?? new DenyAllPolicyEngine();
  container.register(POLICY_ENGINE, { useValue: engine });
  return engine;
}
