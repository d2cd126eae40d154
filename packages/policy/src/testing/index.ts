export * from './static-policy-engine';
export * from './memory-audit-sink';
