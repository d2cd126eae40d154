export * from './lib/errors';
export * from './lib/frames';
export * from './lib/codec';
export * from './lib/names';
export * from './lib/di';
export * from './lib/manifest';
export * from './lib/config';
