export * from './error-codes';
export * from './tessera-error';
export * from './wire-error';
