export * from './lib/param-names';
export * from './lib/module-context';
export * from './lib/define-module';
export * from './lib/module-caller';
export * from './lib/create-client';
