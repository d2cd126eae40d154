import type { PolicyDecision, PolicyEngine, PolicyInput } from '../policy-engine';
import type { ReloadGuard } from '../reload-guard';
import { toAuditRecord } from './audit-record';
import type { AuditSink } from './audit-sink';

export interface AuditedPolicyEngineOptions {
  /** Close the sink when the engine closes (set when the sink was made for this engine). */
  closeSink?: boolean;
  /** Clock, for tests. */
  now?: () => Date;
}

/**
 * Decorator that writes every decision of an engine to an {@link AuditSink}.
 * The record is written after the decision and never changes it; a sink
 * failure never turns into a failed decision.
 */
export class AuditedPolicyEngine implements PolicyEngine {
  constructor(
    readonly inner: PolicyEngine,
    private readonly sink: AuditSink,
    private readonly options: AuditedPolicyEngineOptions = {},
  ) {}

  get revision(): number {
    return this.inner.revision;
  }

  async decide(input: PolicyInput): Promise<PolicyDecision> {
    const decision = await this.inner.decide(input);
    try {
      this.sink.write(
        toAuditRecord(input, decision, this.inner.revision, this.options.now?.() ?? new Date()),
      );
    } catch {
      // The sink reports its own errors; the decision stands.
    }
    return decision;
  }

  onChange(listener: (revision: number) => void): () => void {
    return this.inner.onChange(listener);
  }

  /** The inner engine's rejected loads, when it reports them. */
  onError(listener: (error: Error) => void): () => void {
    return this.inner.onError?.(listener) ?? (() => undefined);
  }

  /** The inner engine's guards; its dry runs are not decisions, so they are not audited. */
  guardReload(guard: ReloadGuard): () => void {
    return this.inner.guardReload?.(guard) ?? (() => undefined);
  }

  async close(): Promise<void> {
    await this.inner.close();
    if (this.options.closeSink) await this.sink.close();
  }
}
