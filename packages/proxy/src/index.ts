export * from './lib/module-description';
export * from './lib/reserved-names';
export * from './lib/module-proxy';
export * from './lib/register';
