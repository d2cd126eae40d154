export * from './host-messages';
export * from './process-host';
export * from './process-launcher';
export * from './host-transports';
