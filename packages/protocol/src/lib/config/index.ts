export * from './app-config';
export * from './module-spec';
export * from './validate-config';
