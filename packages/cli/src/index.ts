export * from './lib/command';
export * from './lib/dispatcher';
export * from './lib/exit-codes';
export * from './lib/usage-error';
export { commands } from './commands';
