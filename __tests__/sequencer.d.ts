// Types for sequencer.js, which jest loads untransformed, so it stays JavaScript.
import type { Test } from '@jest/test-result'

export const MEASURED_SECONDS: Readonly<Record<string, number>>
export default class MeasuredFirstSequencer {
  constructor(options: unknown)
  sort(tests: Test[]): Test[] | Promise<Test[]>
}
