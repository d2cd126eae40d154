export * from './lib/policy-engine';
export * from './lib/deny-all-engine';
export * from './lib/register';
