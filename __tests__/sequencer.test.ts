/**
 * The suite's order without jest's timing cache (a fresh clone): the files that wait longest
 * start first, and the table that says which they are names only files that exist.
 */
import { existsSync } from 'node:fs'
import type { Test } from '@jest/test-result'
import MeasuredFirstSequencer, { MEASURED_SECONDS } from './sequencer.js'

function testOf(name: string, size: number): Test {
  return {
    path: `/repo/__tests__/${name}`,
    duration: undefined,
    context: {
      config: { cache: false, id: 'x', rootDir: '/repo' },
      hasteFS: { getSize: () => size }
    }
  } as unknown as Test
}

describe('the test sequencer', () => {
  it('names only test files that exist', () => {
    for (const name of Object.keys(MEASURED_SECONDS)) {
      expect({ name, exists: existsSync(`__tests__/${name}`) }).toEqual({ name, exists: true })
    }
  })

  it('without timings, starts the long e2e files first, however small, and unit tests last', async () => {
    const sequencer = new MeasuredFirstSequencer({ contexts: [], globalConfig: {} } as never)
    const tests = [
      testOf('plan.test.ts', 50_000),
      testOf('e2e-audit.test.ts', 9_000),
      testOf('e2e-faults-aws.test.ts', 136),
      testOf('e2e-key-lost.test.ts', 10_000)
    ]
    const order = (await sequencer.sort(tests)).map(test => test.path.split('/').pop())
    expect(order).toEqual([
      'e2e-key-lost.test.ts',
      'e2e-faults-aws.test.ts',
      'e2e-audit.test.ts',
      'plan.test.ts'
    ])
  })
})
