import fc from 'fast-check'
import { formatDuration, parseDuration } from '../src/duration.js'

describe('durations', () => {
  it.each([
    ['0', 0],
    ['90d', 90 * 86_400_000],
    ['1d12h', 36 * 3_600_000],
    ['30m', 1_800_000],
    ['45s', 45_000],
    ['1h30m15s', 5_415_000],
    [' 2h ', 7_200_000]
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toBe(ms))

  it.each(['', '90', 'd', '1.5h', '1m1h', '1d1d', '-1d', '1w', '1 d', '0d0'])('rejects %p', text =>
    expect(parseDuration(text)).toBeUndefined()
  )

  it('formats what it parses back to the same duration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 * 86_400 }), seconds => {
        expect(parseDuration(formatDuration(seconds * 1000))).toBe(
          seconds === 0 ? 0 : seconds * 1000
        )
      })
    )
  })

  it('formats nothing, or less than half a second, as 0s', () => {
    expect([formatDuration(0), formatDuration(-5_000), formatDuration(499)]).toEqual([
      '0s',
      '0s',
      '0s'
    ])
    expect(formatDuration(500)).toBe('1s')
  })
})
