export * from './lib/module-directory';
export * from './lib/live-grant';
export * from './lib/decision';
export * from './lib/capability-module';
export * from './lib/register';
