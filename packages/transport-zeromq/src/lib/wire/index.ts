export * from './carrier-message';
export * from './socket-writer';
export * from './send-error';
export * from './socket-events';
