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
  type PolicyInput,
} from './lib/policy-engine';
export type { CandidatePolicy, ReloadGuard, ReloadOptions } from './lib/reload-guard';
export { DenyAllPolicyEngine } from './lib/deny-all-engine';
export { OpaPolicyEngine, type OpaPolicyEngineOptions } from './lib/opa/opa-policy-engine';
export type { ReloadOutcome } from './lib/opa/reload-outcome';
export { checkDecision, type DecisionCheck } from './lib/opa/validate-decision';
export { validatePolicyInput } from './lib/opa/validate-input';
export { buildBundle, type BuildBundleOptions, type BuiltBundle } from './lib/bundle/build-bundle';
export type { AuditRecord } from './lib/audit/audit-record';
export type { AuditSink } from './lib/audit/audit-sink';
export {
  AuditedPolicyEngine,
  type AuditedPolicyEngineOptions,
} from './lib/audit/audited-policy-engine';
export {
  JsonLinesAuditSink,
  type JsonLinesAuditSinkOptions,
} from './lib/audit/json-lines-audit-sink';
export { silentPolicyLogger, stderrPolicyLogger, type PolicyLogger } from './lib/policy-logger';
export { registerPolicy, type PolicyRegistration } from './lib/register';
