/** The emulator's IAM throttle: a token bucket on an injected clock, refusals counted. */
import { createThrottle } from './emulators/iam-throttle.js'

describe('IAM throttle', () => {
  it('lets a burst through, then the sustained rate, and counts what it refused', () => {
    let now = 0
    const throttle = createThrottle({ perSecond: 2, burst: 3 }, () => now)
    expect([1, 2, 3, 4].map(() => throttle.take())).toEqual([true, true, true, false])
    now += 499
    expect(throttle.take()).toBe(false)
    now += 1
    expect(throttle.take()).toBe(true)
    expect(throttle.refused).toBe(2)
    // A quiet while refills to the burst, never past it.
    now += 60_000
    expect([1, 2, 3, 4].map(() => throttle.take())).toEqual([true, true, true, false])
  })
})
