// @ts-check
/**
 * `npm run mutate`: StrykerJS on the lifecycle's pure modules, the leak check and the step executors, against the
 * unit tests only (the e2e tests run the bundle, so they cannot kill a mutant in src/).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'jest.unit.config.js', enableFindRelatedTests: false },
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  coverageAnalysis: 'perTest',
  mutate: [
    'src/plan.ts',
    'src/settings.ts',
    'src/marks.ts',
    'src/verify.ts',
    'src/targets.ts',
    'src/duration.ts',
    'src/pacing.ts',
    'src/leaks/scan.ts',
    'src/leaks/resolve-step.ts',
    'src/smoke/gate-step.ts',
    'src/steps/*.ts'
  ],
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  concurrency: 2,
  tempDirName: '.stryker-tmp',
  // Another run's sandbox is not part of the project (runs may share .stryker-tmp).
  ignorePatterns: ['/.stryker-tmp'],
  cleanTempDir: 'always',
  // A static mutant (a module-level constant) reruns every test: minutes each. Ignored, and
  // counted as such in the report.
  ignoreStatic: true
}
