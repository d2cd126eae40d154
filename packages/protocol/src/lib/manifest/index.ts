export * from './did-you-mean';
export * from './manifest-fields';
export * from './validate-manifest';
