export * from './typed-token';
