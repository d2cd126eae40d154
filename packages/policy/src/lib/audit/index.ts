export * from './audit-record';
export * from './audit-sink';
export * from './json-lines-audit-sink';
export * from './audited-policy-engine';
