/** Unit tests only (no emulators, no bundle): what `npm run mutate` runs against each mutant. */
import base from './jest.config.js'

export default {
  ...base,
  testPathIgnorePatterns: [
    ...base.testPathIgnorePatterns,
    '/__tests__/e2e-',
    '/__tests__/emulator-'
  ]
}
