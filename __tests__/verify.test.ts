import type { Clock } from '../src/retry.js'
import { verifyNewKey } from '../src/verify.js'

const ARN = 'arn:aws:iam::123456789012:user/deploy'

function fakeClock(): Clock & { slept: number[] } {
  let now = 0
  const slept: number[] = []
  return {
    slept,
    now: () => now,
    sleep: async ms => {
      slept.push(ms)
      now += ms
    }
  }
}

const rejected = () =>
  Object.assign(new Error('The security token included in the request is invalid.'), {
    name: 'InvalidClientTokenId'
  })

/** A probe that AWS rejects until `acceptAt` (fake ms), following `script` after that if given. */
function probeFrom(clock: Clock, acceptAt: number, script: boolean[] = []) {
  let calls = 0
  return {
    get calls() {
      return calls
    },
    probe: async () => {
      calls++
      if (clock.now() < acceptAt) throw rejected()
      const verdict = script.shift() ?? true
      if (!verdict) throw rejected()
      return ARN
    }
  }
}

describe('verifying a new key', () => {
  it('waits for propagation, then confirms three times, ending within a second of acceptance', async () => {
    const clock = fakeClock()
    const p = probeFrom(clock, 6_000)
    const result = await verifyNewKey({
      probe: p.probe,
      expectedArn: ARN,
      timeoutMs: 120_000,
      clock
    })
    expect(result.ok).toBe(true)
    expect(result.elapsedMs).toBeGreaterThanOrEqual(6_000)
    expect(result.elapsedMs).toBeLessThan(6_000 + 500 + 2 * 200)
    expect(Math.max(...clock.slept)).toBeLessThanOrEqual(500)
  })

  it('starts over when acceptance flickers', async () => {
    const clock = fakeClock()
    const p = probeFrom(clock, 2_000, [true, false, true, true, true])
    const result = await verifyNewKey({
      probe: p.probe,
      expectedArn: ARN,
      timeoutMs: 120_000,
      clock
    })
    expect(result.ok).toBe(true)
    // accepted, rejected, then three in a row
    expect(p.calls).toBeGreaterThanOrEqual(5 + 3)
  })

  it('gives up at the timeout with the reason', async () => {
    const clock = fakeClock()
    const p = probeFrom(clock, Number.POSITIVE_INFINITY)
    const result = await verifyNewKey({
      probe: p.probe,
      expectedArn: ARN,
      timeoutMs: 10_000,
      clock
    })
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/InvalidClientTokenId/)
    })
    expect(clock.now()).toBeLessThanOrEqual(10_000)
  })

  it('fails at once when the key belongs to another principal', async () => {
    const clock = fakeClock()
    const result = await verifyNewKey({
      probe: async () => 'arn:aws:iam::123456789012:user/other',
      expectedArn: ARN,
      timeoutMs: 10_000,
      clock
    })
    expect(result).toMatchObject({
      ok: false,
      attempts: 1,
      reason: expect.stringMatching(/user\/other/)
    })
  })
})
