export * from './discovered-module';
export * from './resolve-package-dir';
export * from './read-package-json';
export * from './check-module-set';
export * from './discover-modules';
