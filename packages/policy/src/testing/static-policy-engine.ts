import type { PolicyDecision, PolicyEngine, PolicyInput } from '../lib/policy-engine';
import { deny } from '../lib/policy-engine';

/** One allow rule of the test engine. */
export interface StaticRule {
  caller: string;
  target: string;
  methods: string[];
  ttlSeconds?: number;
}

/**
 * A table-driven engine for unit tests of the layers above policy. Not for
 * applications: real apps use the OPA engine. `setRules` bumps the revision
 * and notifies listeners, like a hot reload.
 */
export class StaticPolicyEngine implements PolicyEngine {
  revision = 1;
  readonly asked: PolicyInput[] = [];
  private rules: StaticRule[];
  private readonly listeners = new Set<(revision: number) => void>();

  constructor(rules: StaticRule[] = []) {
    this.rules = rules;
  }

  async decide(input: PolicyInput): Promise<PolicyDecision> {
    this.asked.push(input);
    const rule = this.rules.find(
      (r) => r.caller === input.subject.name && r.target === input.target.name,
    );
    if (!rule) return deny(`no rule lets ${input.subject.name} call ${input.target.name}`);
    return {
      allow: true,
      methods: [...rule.methods],
      ttlSeconds: rule.ttlSeconds ?? 3600,
      reason: 'static rule',
    };
  }

  setRules(rules: StaticRule[]): void {
    this.rules = rules;
    this.revision++;
    for (const l of this.listeners) l(this.revision);
  }

  onChange(listener: (revision: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
