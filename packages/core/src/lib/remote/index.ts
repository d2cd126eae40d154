export * from './key-ring';
export * from './join-credential';
export * from './join-request';
export * from './pinned-facts';
export * from './remote-admission';
export * from './remote-host';
export * from './network-state';
