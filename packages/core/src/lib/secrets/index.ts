export * from './sealed-file';
export * from './passphrase';
