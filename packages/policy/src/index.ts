/**
 * `@tessera/policy`: the {@link PolicyEngine} seam the capability module
 * asks, the OPA WebAssembly engine behind it (hot reload, smoke-tested
 * swaps vetted by reload guards, deny on any failure), {@link checkDecision} (the one validator of a
 * policy decision), bundle building and the decision audit log.
 */
export {
  POLICY_ENGINE,
  deny,
  type ModuleFacts,
  type PolicyDecision,
  type PolicyEngine,
  type PolicyDelegation,
  type PolicyInput,
} from './lib/policy-engine';
export type { CandidatePolicy, ReloadGuard, ReloadOptions } from './lib/reload-guard';
export { DenyAllPolicyEngine } from './lib/deny-all-engine';
export { OpaPolicyEngine, type OpaPolicyEngineOptions } from './lib/opa/opa-policy-engine';
export type { ReloadOutcome } from './lib/opa/reload-outcome';
export { checkDecision, type DecisionCheck } from './lib/opa/validate-decision';
export { checkConstraints, checkRateLimit, type TermCheck } from './lib/decision/check-terms';
export { narrowTerms, sameTerms } from './lib/decision/narrow-terms';
export { DELEGATION_LIMITS, FACTS_LIMITS, validatePolicyInput } from './lib/opa/validate-input';
export type { PolicyStats } from './lib/opa/compiled-policy';
export {
  REQUEST_LIMITS,
  assertRequestedMethods,
  isScopeEntry,
  requestedMethodsProblem,
} from './lib/limits/request-limits';
export { MAX_REASON_CHARS, describeList, summarizeList, truncateText } from './lib/limits/truncate';
export {
  buildBundle,
  listPolicySources,
  type BuildBundleOptions,
  type BuiltBundle,
} from './lib/bundle/build-bundle';
export { BASE_POLICY_DIR, baseLibrarySources } from './lib/bundle/base-library';
export { PINNED_OPA_VERSION, opaNotFound } from './lib/bundle/opa-cli';
export { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from './lib/bundle/bundle-limits';
export { AUDIT_LIMITS, type AuditRecord } from './lib/audit/audit-record';
export type { AuditSink } from './lib/audit/audit-sink';
export {
  AuditedPolicyEngine,
  type AuditedPolicyEngineOptions,
} from './lib/audit/audited-policy-engine';
export {
  JsonLinesAuditSink,
  type JsonLinesAuditSinkOptions,
} from './lib/audit/json-lines-audit-sink';
export {
  DEFAULT_AUDIT_KEEP,
  DEFAULT_AUDIT_MAX_BYTES,
  type RotationOptions,
} from './lib/audit/size-rotation';
export { silentPolicyLogger, stderrPolicyLogger, type PolicyLogger } from './lib/policy-logger';
export { registerPolicy, type AuditFile, type PolicyRegistration } from './lib/register';
