export * from './compiled-policy';
export * from './opa-policy-engine';
export * from './reload-outcome';
export * from './smoke-input';
export * from './validate-decision';
export * from './validate-input';
