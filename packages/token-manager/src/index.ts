export * from './lib/token';
export * from './lib/grant';
export * from './lib/token-manager';
export * from './lib/register';
