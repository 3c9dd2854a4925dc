/** ESM TypeScript through ts-jest; run with NODE_OPTIONS=--experimental-vm-modules. */
export default {
  // The node environment, plus a cache of GitHub's OpenAPI description shared per worker.
  testEnvironment: './__tests__/emulators/worker-environment.cjs',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['**/__tests__/**/*.test.ts'],
  // Mutation testing's sandbox copies of the tests are not the project's tests.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/.stryker-tmp/'],
  // Long e2e files first, also without jest's timing cache (a fresh clone): see the sequencer.
  testSequencer: './__tests__/sequencer.js',
  testTimeout: 60000,
  // e2e tests spend most of their time waiting on emulated delays and timeouts, not on the CPU.
  // On 2 cores (1,252 tests, 2026-12-05): eight workers 167 s, six 171 s; four took longer still.
  // The suite is CPU-bound: see CONTRIBUTING.md (Tests) for what keeps its CPU down.
  maxWorkers: 8
}
