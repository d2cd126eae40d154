export * from './static-policy-engine';
