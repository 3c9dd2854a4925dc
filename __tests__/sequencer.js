/**
 * Jest's sequencer, with one more rule for a run without jest's timing cache (a fresh clone,
 * CI): jest then orders files by size, and the fault tables are 200-byte files whose cases wait
 * on IAM's read-again pauses for 90 s or more. Started last, they held up the end of the run by
 * about 40 s. So files without a recorded time are ordered by the time they took here instead.
 */
import Sequencer from '@jest/test-sequencer'

/** Seconds each file took on 2 cores (2026-12-05, 8 workers); only the order depends on them. */
export const MEASURED_SECONDS = {
  'e2e-key-lost.test.ts': 121,
  'e2e-faults-pair.test.ts': 102,
  'e2e-faults-own.test.ts': 99,
  'e2e-faults-aws.test.ts': 92,
  'e2e-faults-github.test.ts': 89,
  'e2e-lifecycle-property.test.ts': 65,
  'e2e-scale.test.ts': 57,
  'e2e-smoke.test.ts': 53,
  'e2e-person.test.ts': 49,
  'e2e-reactivate.test.ts': 49,
  'e2e-lifecycle-overlap.test.ts': 47
}

/** A file not in the table: the emulator-driven ones take seconds, the unit tests less. */
function estimateMs(path) {
  const name = path.split('/').pop() ?? ''
  const measured = MEASURED_SECONDS[name]
  if (measured !== undefined) return measured * 1000
  return /^(e2e|emulator)-/.test(name) ? 10_000 : 0
}

export default class MeasuredFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests)
    if (sorted.every(test => test.duration !== undefined && test.duration !== null)) return sorted
    const expected = test => test.duration ?? estimateMs(test.path)
    // As jest does: files that failed last time first. Array.prototype.sort is stable, so jest's
    // order stays among equal estimates.
    const failed = test => (this.hasFailed(test) ? 1 : 0)
    return [...sorted].sort((a, b) => failed(b) - failed(a) || expected(b) - expected(a))
  }
}
