/**
 * `@tessera/cli/testing`: drive the built CLI and apps as child processes
 * (`tessera`, `runNode`, `Running`) on private copies of the demo config and
 * policy bundle (`tempApp`, `tempBundle`).
 */
export * from './processes';
export * from './temp-app';
