export * from './key-ring';
export * from './join-credential';
export * from './remote-admission';
export * from './remote-host';
