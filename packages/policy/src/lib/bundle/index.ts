export * from './policy-bundle';
export * from './tar-reader';
export * from './read-bundle';
export * from './build-bundle';
