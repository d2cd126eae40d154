/**
 * One root jest run covers every package. Tests import `@tessera/*` from source
 * (moduleNameMapper), so they never depend on a stale `dist/`; child processes
 * and the CLI run the built output, which `npm test` builds first.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/modules', '<rootDir>/apps'],
  testMatch: ['**/src/**/*.spec.ts', '**/test/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleNameMapper: {
    '^@tessera/([a-z0-9-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@tessera/([a-z0-9-]+)/testing$': '<rootDir>/packages/$1/src/testing/index.ts',
  },
  setupFiles: ['reflect-metadata'],
  testTimeout: 20000,
  maxWorkers: 2,
};
