import type { Clock } from '../src/clock.js'
import { verifyNewKey } from '../src/verify.js'

const ARN = 'arn:aws:iam::123456789012:user/deploy'

function fakeClock(start = 0): Clock & { slept: number[] } {
  let now = start
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

/** Runs start well after the epoch, so elapsed times are not clock readings. */
const T0 = 1_700_000_000_000

describe('verifying a new key, step by step', () => {
  const verify = (
    clock: ReturnType<typeof fakeClock>,
    probe: () => Promise<string>,
    extra: Partial<Parameters<typeof verifyNewKey>[0]> = {}
  ) => verifyNewKey({ probe, expectedArn: ARN, timeoutMs: 120_000, clock, ...extra })

  it('polls every 250 ms while AWS rejects, then confirms 150 ms apart', async () => {
    const clock = fakeClock(T0)
    const p = probeFrom(clock, T0 + 1_000)
    const rejections: Array<[number, number]> = []
    const result = await verify(clock, p.probe, {
      onRejected: (attempt, elapsedMs) => rejections.push([attempt, elapsedMs])
    })
    expect(result).toEqual({ ok: true, attempts: 7, elapsedMs: 1_300 })
    expect(clock.slept).toEqual([250, 250, 250, 250, 150, 150])
    expect(rejections).toEqual([
      [1, 0],
      [2, 250],
      [3, 500],
      [4, 750]
    ])
  })

  it('needs the acceptances in a row: one acceptance alone is not enough', async () => {
    const clock = fakeClock(T0)
    let calls = 0
    const result = await verify(clock, async () => {
      calls++
      return ARN
    })
    expect(result).toEqual({ ok: true, attempts: 3, elapsedMs: 300 })
    expect(calls).toBe(3)
  })

  it('starts counting again after a rejection between acceptances', async () => {
    const clock = fakeClock(T0)
    const p = probeFrom(clock, T0, [true, true, false, true, true, true])
    const result = await verify(clock, p.probe)
    expect(result).toEqual({ ok: true, attempts: 6, elapsedMs: 150 + 150 + 250 + 150 + 150 })
  })

  it('takes the number of confirmations and their interval from the caller', async () => {
    const clock = fakeClock(T0)
    const once = await verify(clock, async () => ARN, { confirmations: 1 })
    expect(once).toEqual({ ok: true, attempts: 1, elapsedMs: 0 })
    const twice = await verify(clock, async () => ARN, {
      confirmations: 2,
      confirmIntervalMs: 40
    })
    expect(twice).toEqual({ ok: true, attempts: 2, elapsedMs: 40 })
  })

  it('uses the whole timeout: a last check lands on the deadline', async () => {
    const clock = fakeClock(T0)
    const p = probeFrom(clock, Number.POSITIVE_INFINITY)
    const result = await verify(clock, p.probe, { timeoutMs: 1_000 })
    expect(result).toEqual({
      ok: false,
      reason: 'AWS still answered InvalidClientTokenId (the key had not propagated)',
      attempts: 5,
      elapsedMs: 1_000
    })
    expect(clock.slept).toEqual([250, 250, 250, 250])
  })

  it('names the last failure when it was not a propagation delay', async () => {
    const clock = fakeClock(T0)
    const result = await verify(
      clock,
      async () => {
        throw new Error('connect ETIMEDOUT sts.amazonaws.com')
      },
      { timeoutMs: 5_000 }
    )
    expect(result).toMatchObject({
      ok: false,
      reason: 'the last check failed: connect ETIMEDOUT sts.amazonaws.com',
      elapsedMs: 5_000
    })
  })

  it('says how far the acceptances got when the deadline comes before the confirmations', async () => {
    const clock = fakeClock(T0)
    const result = await verify(clock, async () => ARN, { timeoutMs: 200 })
    expect(result).toEqual({
      ok: false,
      reason: 'AWS accepted the key 2 time(s) in a row, not the 3 needed, before the time ran out',
      attempts: 2,
      elapsedMs: 150
    })
  })

  it('names no stale rejection once AWS accepts again', async () => {
    const clock = fakeClock(T0)
    // Rejected until 1 s, then accepted: the deadline at 1.2 s falls mid-confirmation.
    const { probe } = probeFrom(clock, T0 + 1_000)
    const result = await verify(clock, probe, { timeoutMs: 1_200 })
    expect(result.ok).toBe(false)
    expect(!result.ok && result.reason).toBe(
      'AWS accepted the key 2 time(s) in a row, not the 3 needed, before the time ran out'
    )
  })

  it('names both principals when the key belongs to another one', async () => {
    const clock = fakeClock(T0)
    const other = 'arn:aws:iam::123456789012:user/other'
    let calls = 0
    const result = await verifyNewKey({
      probe: async () => {
        calls++
        if (calls === 1) throw rejected()
        await clock.sleep(20)
        return other
      },
      expectedArn: ARN,
      timeoutMs: 10_000,
      clock
    })
    expect(result).toEqual({
      ok: false,
      reason: `STS says the new key belongs to ${other}, not ${ARN}`,
      attempts: 2,
      elapsedMs: 270
    })
  })

  it('stops when the run is cancelled, while AWS rejects and while it confirms', async () => {
    for (const acceptAt of [Number.POSITIVE_INFINITY, T0]) {
      const clock = fakeClock(T0)
      const p = probeFrom(clock, acceptAt)
      let checks = 0
      const result = await verify(clock, p.probe, { shouldStop: () => ++checks >= 2 })
      expect(result).toEqual({
        ok: false,
        reason: 'the run was cancelled',
        attempts: 2,
        elapsedMs: acceptAt === T0 ? 150 : 250
      })
      expect(p.calls).toBe(2)
    }
  })
})
