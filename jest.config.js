'use strict';
// @swc/jest strips types without checking them; `npm test` runs `tsc --noEmit` first.
// Jest runs test files in child processes (workers), so a native crash stays inside one file's worker.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testTimeout: 60_000,
  maxWorkers: 2,
};
