import { type Logger, TesseraError } from '@tessera/protocol';
import { DEFAULT_ENTRYPOINT } from '../bundle/build-bundle';
import type { BundleLimits } from '../bundle/bundle-limits';
import { readBundle } from '../bundle/read-bundle';
import { type PolicyDecision, type PolicyEngine, type PolicyInput, deny } from '../policy-engine';
import { stderrPolicyLogger } from '../policy-logger';
import {
  type CandidatePolicy,
  HOW_TO_FORCE,
  type ReloadGuard,
  type ReloadOptions,
  objectionTo,
} from '../reload-guard';
import { BundleWatcher } from './bundle-watcher';
import { CompiledPolicy, type PolicyStats } from './compiled-policy';
import {
  DEFAULT_EVALUATION_BUDGET_MS,
  DEFAULT_SLOW_EVALUATION_MS,
  SlowEvaluations,
  largestRequest,
} from './evaluation-time';
import type { ReloadOutcome } from './reload-outcome';
import { SMOKE_INPUT } from './smoke-input';
import { checkResultSet } from './validate-decision';
import { validatePolicyInput } from './validate-input';

export interface OpaPolicyEngineOptions {
  /** A bundle directory (`policy.wasm` + `data.json`) or an `opa build` `.tar.gz`. */
  bundle: string;
  /** Default `tessera/authz/decision`. */
  entrypoint?: string;
  /** Reload when the bundle changes on disk. Same as calling {@link OpaPolicyEngine.watch}. */
  watch?: boolean;
  /** Debounce of the watcher, in ms. Default 150. */
  debounceMs?: number;
  /** Input a new bundle must answer with a valid decision before it is swapped in. */
  smokeInput?: PolicyInput;
  /** Wasm memory above which the instance is rebuilt (see {@link CompiledPolicy}). */
  memoryBudgetBytes?: number;
  /**
   * Put every reload in force even when a {@link ReloadGuard} objects, as
   * `reload({ force: true })` does (config: `policy.allowRevokeAll`). Default false.
   */
  forceReloads?: boolean;
  /** How far a bundle may inflate (default 256 MiB in all, 64 MiB per file). */
  bundleLimits?: BundleLimits;
  /** An evaluation slower than this (ms) is counted and logged, rate-limited. Default 100. */
  slowEvaluationMs?: number;
  /**
   * A new bundle is rejected when evaluating the largest request a caller
   * can make (256 methods) takes longer than this (ms). Default 1000.
   */
  evaluationBudgetMs?: number;
  logger?: Logger;
}

/**
 * The OPA engine: evaluates a Rego policy compiled to WebAssembly. Construction
 * starts loading the bundle; `decide` waits for that first load. Every failure
 * (no bundle, bad bundle, bad input, engine error, undefined or malformed
 * decision) is a deny with the reason recorded; `decide` never throws.
 * New bundles are loaded to the side, smoke-tested, vetted by the reload
 * guards (a dry run of the candidate), then swapped atomically.
 */
export class OpaPolicyEngine implements PolicyEngine {
  private policy: CompiledPolicy | undefined;
  private currentRevision = 0;
  private unavailable: string;
  private pending: Promise<ReloadOutcome>;
  private watcher: BundleWatcher | undefined;
  private closed = false;
  private readonly changeListeners = new Set<(revision: number) => void>();
  private readonly errorListeners = new Set<(error: TesseraError) => void>();
  private readonly guards = new Set<ReloadGuard>();
  private readonly logger: Logger;
  private readonly entrypoint: string;
  private readonly slow: SlowEvaluations;

  constructor(private readonly options: OpaPolicyEngineOptions) {
    this.logger = options.logger ?? stderrPolicyLogger;
    this.entrypoint = options.entrypoint ?? DEFAULT_ENTRYPOINT;
    this.slow = new SlowEvaluations(
      options.slowEvaluationMs ?? DEFAULT_SLOW_EVALUATION_MS,
      this.logger,
    );
    this.unavailable = `policy bundle not loaded yet: ${options.bundle}`;
    this.pending = this.load(false);
    if (options.watch) this.watch();
  }

  /** Create an engine and wait for its first load; the outcome says whether a policy is in force. */
  static async open(
    options: OpaPolicyEngineOptions,
  ): Promise<{ engine: OpaPolicyEngine; outcome: ReloadOutcome }> {
    const engine = new OpaPolicyEngine(options);
    return { engine, outcome: await engine.ready() };
  }

  /** Revision of the policy in force: 0 before the first successful load, +1 per load. */
  get revision(): number {
    return this.currentRevision;
  }

  /** Resolves with the outcome of the latest load or reload. */
  ready(): Promise<ReloadOutcome> {
    return this.pending;
  }

  /**
   * Wasm statistics of the policy in force (evaluations, recycles, memory,
   * slowest evaluation) and the slow evaluations of this engine's life.
   */
  get stats(): (PolicyStats & { slowEvaluations: number }) | undefined {
    const stats = this.policy?.stats;
    return stats && { ...stats, slowEvaluations: this.slow.count };
  }

  async decide(input: PolicyInput): Promise<PolicyDecision> {
    await this.pending;
    return this.decideNow(input);
  }

  /** Synchronous decision with the policy in force (the bench uses it to measure the engine alone). */
  decideNow(input: unknown): PolicyDecision {
    if (this.closed) return deny('policy engine is closed');
    const policy = this.policy;
    if (!policy) return deny(this.unavailable);
    return this.decideWith(policy, input);
  }

  private decideWith(policy: CompiledPolicy, input: unknown): PolicyDecision {
    const problems = validatePolicyInput(input);
    if (problems.length > 0) return deny(`invalid policy input: ${problems.join('; ')}`);
    let resultSet: unknown;
    try {
      resultSet = policy.evaluate(input);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.logger.error(`policy evaluation failed: ${message}`);
      return deny(`policy evaluation failed: ${message}`);
    } finally {
      this.slow.record(policy.lastEvaluationMs, input);
    }
    const check = checkResultSet(resultSet);
    return check.ok ? check.decision : deny(`malformed policy decision, denied: ${check.problem}`);
  }

  /**
   * Load the bundle again now. Serialized with other loads; never throws.
   * Refused (`FAILED_PRECONDITION`, old policy kept) when a reload guard
   * objects, unless `force` or the engine's `forceReloads` is set.
   */
  reload(options: ReloadOptions = {}): Promise<ReloadOutcome> {
    const force = options.force === true;
    this.pending = this.pending.then(() => this.load(force));
    return this.pending;
  }

  /** Have every reload vetted before the swap; returns an unregister. */
  guardReload(guard: ReloadGuard): () => void {
    this.guards.add(guard);
    return () => this.guards.delete(guard);
  }

  /** Start watching the bundle path; idempotent. */
  watch(): void {
    if (this.watcher || this.closed) return;
    this.watcher = new BundleWatcher(this.options.bundle, {
      debounceMs: this.options.debounceMs ?? 150,
      onChange: () => void this.reload(),
      onError: (err) =>
        this.report(
          TesseraError.unavailable(`cannot watch ${this.options.bundle}: ${err.message}`),
        ),
    });
    this.watcher.start();
  }

  onChange(listener: (revision: number) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Called with every rejected load (missing or broken bundle). Returns an unsubscribe. */
  onError(listener: (error: TesseraError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    await this.pending;
    this.policy = undefined;
    this.changeListeners.clear();
    this.errorListeners.clear();
    this.guards.clear();
  }

  private async load(force: boolean): Promise<ReloadOutcome> {
    if (this.closed) return this.fail(TesseraError.unavailable('policy engine is closed'), false);
    let candidate: CompiledPolicy;
    try {
      const bundle = await readBundle(this.options.bundle, this.options.bundleLimits);
      candidate = await CompiledPolicy.create(bundle, {
        entrypoint: this.entrypoint,
        ...(this.options.memoryBudgetBytes
          ? { memoryBudgetBytes: this.options.memoryBudgetBytes }
          : {}),
      });
      this.smokeTest(candidate);
    } catch (err) {
      const error =
        err instanceof TesseraError
          ? err
          : TesseraError.invalidArgument(`policy bundle rejected: ${String(err)}`);
      return this.fail(error, true);
    }
    if (this.closed) return this.fail(TesseraError.unavailable('policy engine is closed'), false);
    // From the guards to the swap nothing awaits: what they vetted is what is committed.
    const objection = this.policy ? this.vet(candidate) : undefined; // a first load replaces nothing
    if (objection !== undefined) {
      if (!force && !this.options.forceReloads) return this.refuse(objection);
      this.logger.warn(`policy reload forced although ${objection}`);
    }
    // The swap: one assignment, so no decision ever sees half a policy.
    this.policy = candidate;
    const revision = ++this.currentRevision;
    this.logger.info(`policy revision ${revision} in force from ${this.options.bundle}`);
    for (const listener of [...this.changeListeners]) {
      try {
        listener(revision);
      } catch (err) {
        this.logger.error(
          `policy onChange listener failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    return { ok: true, revision, source: this.options.bundle };
  }

  /**
   * A new policy must answer the smoke input with a valid decision, and the
   * largest request a caller can make within the evaluation budget: the
   * wasm runs on the core's event loop and cannot be interrupted, so a
   * policy that is slow on big requests is refused before it is in force.
   */
  private smokeTest(candidate: CompiledPolicy): void {
    const smoke = this.options.smokeInput ?? SMOKE_INPUT;
    const check = checkResultSet(this.smokeEvaluate(candidate, smoke, 'smoke evaluation'));
    if (!check.ok)
      throw TesseraError.invalidArgument(
        `policy bundle rejected: smoke evaluation: ${check.problem}`,
      );
    const budget = this.options.evaluationBudgetMs ?? DEFAULT_EVALUATION_BUDGET_MS;
    const largest = largestRequest(smoke);
    this.smokeEvaluate(candidate, largest, 'evaluating the largest request');
    const ms = candidate.lastEvaluationMs;
    if (ms > budget)
      throw TesseraError.invalidArgument(
        `policy bundle rejected: evaluating the largest request (${largest.methods.length} methods) took ${Math.round(ms)} ms, over the ${budget} ms budget (opa.evaluationBudgetMs)`,
      );
  }

  private smokeEvaluate(candidate: CompiledPolicy, input: PolicyInput, what: string): unknown {
    try {
      return candidate.evaluate(input);
    } catch (err) {
      throw TesseraError.invalidArgument(`policy bundle rejected: ${what} failed (${String(err)})`);
    }
  }

  /** The guards' objection to `candidate`, asked with dry-run decisions of it. */
  private vet(candidate: CompiledPolicy): string | undefined {
    if (this.guards.size === 0) return undefined;
    const dryRun: CandidatePolicy = { decide: (input) => this.decideWith(candidate, input) };
    return objectionTo(dryRun, this.guards);
  }

  /** A guard objected: keep the policy in force, warn, tell the error listeners. */
  private refuse(objection: string): ReloadOutcome {
    const error = TesseraError.failedPrecondition(
      `policy reload refused: ${objection}; revision ${this.currentRevision} stays in force (${HOW_TO_FORCE})`,
    );
    this.logger.warn(error.message);
    this.notifyError(error);
    return { ok: false, revision: this.currentRevision, error };
  }

  private fail(error: TesseraError, report: boolean): ReloadOutcome {
    if (!this.policy) this.unavailable = error.message;
    if (report) this.report(error);
    return { ok: false, revision: this.currentRevision, error };
  }

  private report(error: TesseraError): void {
    const kept = this.policy
      ? `; revision ${this.currentRevision} stays in force`
      : '; every request is denied';
    this.logger.error(`${error.message}${kept}`);
    this.notifyError(error);
  }

  private notifyError(error: TesseraError): void {
    for (const listener of [...this.errorListeners]) {
      try {
        listener(error);
      } catch {
        // a failing error listener must not hide the error from the others
      }
    }
  }
}
