export * from './child-server';
