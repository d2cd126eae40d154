export * from './lib/policy-engine';
export * from './lib/policy-logger';
export * from './lib/deny-all-engine';
export * from './lib/bundle';
export * from './lib/opa';
export * from './lib/audit';
export * from './lib/register';
