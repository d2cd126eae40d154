export * from './lib/inproc-hub';
export * from './lib/inproc-connection';
export * from './lib/inproc-transport';
export * from './lib/register';
