export * from './operator-endpoint';
