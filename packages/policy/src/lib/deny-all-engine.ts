import { type PolicyDecision, type PolicyEngine, deny } from './policy-engine';

/** What is in force when no policy is configured: every request is denied. */
export class DenyAllPolicyEngine implements PolicyEngine {
  readonly revision = 0;

  constructor(private readonly reason = 'no policy configured: deny by default') {}

  async decide(): Promise<PolicyDecision> {
    return deny(this.reason);
  }

  onChange(): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {
    // nothing held
  }
}
