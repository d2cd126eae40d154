import type { PolicyDecision, PolicyEngine, PolicyInput } from '../lib/policy-engine';
import { deny } from '../lib/policy-engine';
import { type ReloadGuard, type ReloadOptions, objectionTo } from '../lib/reload-guard';

/** One allow rule of the test engine. */
export interface StaticRule {
  caller: string;
  target: string;
  methods: string[];
  ttlSeconds?: number;
  /** Decided as is (the capability module validates it with `checkDecision`, like any decision). */
  constraints?: unknown;
  /** Decided as is, like {@link constraints}. */
  rateLimit?: unknown;
  /**
   * The rule consents to a delegation from this module (`input.delegation.from`)
   * instead of a request: `caller` is then who receives it. A rule without
   * it never matches a delegation, nor one with it a request.
   */
  delegatedBy?: string;
}

/**
 * A table-driven engine for unit tests of the layers above policy. Not for
 * applications: real apps use the OPA engine. `setRules` bumps the revision
 * and notifies listeners, like a hot reload, once the reload guards let it.
 */
export class StaticPolicyEngine implements PolicyEngine {
  revision = 1;
  readonly asked: PolicyInput[] = [];
  private rules: StaticRule[];
  private readonly listeners = new Set<(revision: number) => void>();
  private readonly guards = new Set<ReloadGuard>();

  constructor(rules: StaticRule[] = []) {
    this.rules = rules;
  }

  async decide(input: PolicyInput): Promise<PolicyDecision> {
    this.asked.push(input);
    return decideBy(this.rules, input);
  }

  /**
   * Put `rules` in force, as a reload would. Returns the guards' objection
   * when they refuse it (rules unchanged, nobody notified) unless `force`.
   */
  setRules(rules: StaticRule[], options: ReloadOptions = {}): string | undefined {
    const objection = objectionTo({ decide: (input) => decideBy(rules, input) }, this.guards);
    if (objection !== undefined && !options.force) return objection;
    this.rules = rules;
    this.revision++;
    for (const l of this.listeners) l(this.revision);
    return undefined;
  }

  onChange(listener: (revision: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  guardReload(guard: ReloadGuard): () => void {
    this.guards.add(guard);
    return () => this.guards.delete(guard);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.guards.clear();
  }
}

function decideBy(rules: StaticRule[], input: PolicyInput): PolicyDecision {
  const from = input.delegation?.from;
  const rule = rules.find(
    (r) =>
      r.caller === input.subject.name && r.target === input.target.name && r.delegatedBy === from,
  );
  if (!rule)
    return deny(
      from === undefined
        ? `no rule lets ${input.subject.name} call ${input.target.name}`
        : `no rule lets ${from} delegate ${input.target.name} to ${input.subject.name}`,
    );
  return {
    allow: true,
    methods: [...rule.methods],
    ttlSeconds: rule.ttlSeconds ?? 3600,
    reason: 'static rule',
    ...(rule.constraints !== undefined ? { constraints: rule.constraints } : {}),
    ...(rule.rateLimit !== undefined ? { rateLimit: rule.rateLimit } : {}),
  } as PolicyDecision;
}
