/**
 * Tests run straight from the TypeScript sources (swc transform); the CLI tests use the built dist/.
 * `ignoreDynamic` keeps `import()` as a real dynamic import (pdfjs-dist is ES-module only), which jest
 * can only run with node's --experimental-vm-modules: see the `test` script in package.json.
 */
module.exports = {
  testEnvironment: '<rootDir>/test/helpers/node-env.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { module: { type: 'commonjs', ignoreDynamic: true } }] },
  testTimeout: 60000,
};
