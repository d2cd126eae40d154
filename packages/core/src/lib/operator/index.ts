export * from './operator-endpoint';
export * from './operator-events';
