// The build uses moduleResolution node10, which ignores package `exports`,
// so `@tessera/transport/testing` (an exported subpath) has no types here.
// Point the types at the built file; at run time Node resolves the export.
declare module '@tessera/transport/testing' {
  export * from '@tessera/transport/dist/testing/index';
}
