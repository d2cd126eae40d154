import {
  type PolicyDecision,
  type PolicyEngine,
  type PolicyInput,
  truncateText,
  validatePolicyInput,
} from '@tessera/policy';
import { TesseraError } from '@tessera/protocol';

/** The last load or reload the engine reported: in force, or rejected (the old policy stays). */
export interface PolicyReload {
  /** When (ms since the epoch). */
  at: number;
  ok: boolean;
  /** `ok`: the revision that went in force. */
  revision?: number;
  /** Not `ok`: why the bundle or reload was refused. */
  error?: string;
}

/** What `policyStatus()` answers: the revision in force and how the last reload ended. */
export interface PolicyStatus {
  revision: number;
  /** Absent while no reload happened since the app started. */
  lastReload?: PolicyReload;
}

/**
 * Watches the app's policy engine for the operator: the revision in force,
 * the last reload's outcome, and "what would the policy decide" against the
 * policy in force right now (an evaluation only: no grant, no token).
 */
export class PolicyMonitor {
  private last: PolicyReload | undefined;
  private readonly off: Array<() => void>;

  constructor(
    private readonly engine: PolicyEngine,
    private readonly now: () => number = Date.now,
  ) {
    this.off = [
      engine.onChange((revision) => (this.last = { at: this.now(), ok: true, revision })),
      ...(engine.onError
        ? [
            engine.onError(
              (err) =>
                (this.last = { at: this.now(), ok: false, error: truncateText(err.message, 500) }),
            ),
          ]
        : []),
    ];
  }

  status(): PolicyStatus {
    return {
      revision: this.engine.revision,
      ...(this.last ? { lastReload: { ...this.last } } : {}),
    };
  }

  /** The decision for `input` (a PolicyInput, checked first: a typed error names what is wrong). */
  evaluate(input: unknown): Promise<PolicyDecision> {
    const problems = validatePolicyInput(input);
    if (problems.length > 0)
      throw TesseraError.invalidArgument(
        `policyEval takes a policy input {subject, target, methods, context}: ${truncateText(problems.join('; '), 300)}`,
      );
    return this.engine.decide(input as PolicyInput);
  }

  dispose(): void {
    for (const off of this.off) off();
  }
}
