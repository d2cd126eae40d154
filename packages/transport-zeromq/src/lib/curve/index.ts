export * from './z85';
export * from './key-pair';
export * from './curve-proof';
export * from './curve-policy';
export * from './zap-handler';
