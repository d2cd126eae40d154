export { StaticPolicyEngine, type StaticRule } from './static-policy-engine';
export { MemoryAuditSink } from './memory-audit-sink';
