import { documentedWaitMs, isRateLimit, Pacer, pointsOf, type LimitAnswer } from '../src/pacing.js'

const MINUTE = 60_000
const T0 = 1_000_000
const limited = (retryAfter?: string): LimitAnswer => ({
  status: 403,
  message: 'You have exceeded a secondary rate limit.',
  headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter }
})

function setup(budgetMs = 30 * MINUTE) {
  let now = T0
  const slept: number[] = []
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms)
      now += ms
    },
    advance: (ms: number) => {
      now += ms
    }
  }
  const lines: string[] = []
  const pacer = new Pacer({ clock, minuteMs: MINUTE, budgetMs, log: l => lines.push(l) })
  /** Sends `count` writes at once. */
  const burst = async (count: number) => {
    for (let i = 0; i < count; i++) await pacer.admit(5)
  }
  return { clock, slept, lines, pacer, burst }
}

describe("GitHub's documented rule, at its edges", () => {
  it('costs a request without a method, or in lower case, as GitHub does', () => {
    expect(pointsOf(undefined)).toBe(1)
    expect(pointsOf('get')).toBe(1)
    expect(pointsOf('put')).toBe(5)
  })

  it('reads "rate limit" in any case, and remaining requests as no limit', () => {
    expect(isRateLimit({ status: 403, message: 'API Rate Limit exceeded', headers: {} })).toBe(true)
    expect(
      isRateLimit({ status: 403, message: 'Forbidden', headers: { 'x-ratelimit-remaining': '5' } })
    ).toBe(false)
    expect(isRateLimit({ status: 429, message: 'x', headers: {} })).toBe(true)
    expect(isRateLimit({ status: undefined, message: 'rate limit', headers: {} })).toBe(false)
  })

  it('never waits a negative time, and takes a minute when the headers say nothing usable', () => {
    const now = 1_700_000_000_000
    expect(documentedWaitMs(limited('0'), now, MINUTE)).toBe(0)
    expect(documentedWaitMs(limited('-3'), now, MINUTE)).toBe(0)
    expect(documentedWaitMs(limited('soon'), now, MINUTE)).toBe(MINUTE)
    const reset = (seconds: string) => ({
      ...limited(),
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': seconds }
    })
    expect(documentedWaitMs(reset(String(now / 1000 - 60)), now, MINUTE)).toBe(0)
    expect(documentedWaitMs(reset(String(now / 1000)), now, MINUTE)).toBe(1_000)
    expect(documentedWaitMs(reset('0'), now, MINUTE)).toBe(MINUTE)
    expect(documentedWaitMs(reset('later'), now, MINUTE)).toBe(MINUTE)
  })
})

describe('the pacer, rule by rule', () => {
  it('says each pause, with the repeats and the pace; a pause of at least a second, then doubling', async () => {
    const { pacer, lines } = setup()
    const waits: number[] = []
    for (let i = 0; i < 3; i++) {
      const decision = await pacer.limitedAnswer(limited('0'), await pacer.admit(5))
      waits.push('waitMs' in decision ? decision.waitMs : -1)
    }
    expect(waits).toEqual([1_000, 2_000, 4_000])
    expect(lines).toEqual([
      'GitHub rate limit: pausing every request for 1.0 s; pacing writes at about full speed.',
      'GitHub rate limit: pausing every request for 2.0 s (limited 2 times in a row); pacing writes at about full speed.',
      'GitHub rate limit: pausing every request for 4.0 s (limited 3 times in a row); pacing writes at about full speed.'
    ])
    expect(pacer.limited).toBe(3)
    expect(pacer.waitedMs).toBe(7_000)
  })

  it('waits what GitHub documents when that is longer than the backoff', async () => {
    const { pacer } = setup()
    expect(await pacer.limitedAnswer(limited('1'), await pacer.admit(5))).toEqual({ waitMs: 1_000 })
    expect(await pacer.limitedAnswer(limited('10'), await pacer.admit(5))).toEqual({
      waitMs: 10_000
    })
  })

  it('lets every request wait out a pause, in steps of at most a second', async () => {
    const { pacer, clock, slept } = setup()
    await pacer.limitedAnswer(limited('2.5'), await pacer.admit(5))
    await pacer.admit(5)
    expect(clock.now()).toBe(T0 + 2_500)
    expect(slept).toEqual([1_000, 1_000, 500])
  })

  it('extends a pause for a later limited answer, saying so only when it adds more than half a second (here: exactly half)', async () => {
    const { pacer, clock, lines } = setup()
    const [first, second] = [await pacer.admit(5), await pacer.admit(5)]
    await pacer.limitedAnswer(limited('1'), first)
    clock.advance(500)
    // In flight when the pause began: the same limit, not a repeat.
    expect(await pacer.limitedAnswer(limited('1'), second)).toEqual({ waitMs: 1_000 })
    expect(lines).toHaveLength(1)
    expect(pacer.waitedMs).toBe(1_500)
    await pacer.admit(5)
    expect(clock.now()).toBe(T0 + 1_500)
  })

  it('a request in flight at a pause waits as long as the pause, even after another succeeded', async () => {
    const { pacer } = setup()
    const [first, second] = [await pacer.admit(5), await pacer.admit(5)]
    await pacer.limitedAnswer(limited('0'), first)
    pacer.succeeded(5)
    expect(await pacer.limitedAnswer(limited('0'), second)).toEqual({ waitMs: 1_000 })
  })

  it('counts overlapping waits once against the budget, and may use the budget exactly', async () => {
    const { pacer } = setup(4_000)
    const sent = [await pacer.admit(5), await pacer.admit(5), await pacer.admit(5)]
    for (const at of sent) {
      expect(await pacer.limitedAnswer(limited('4'), at)).toEqual({ waitMs: 4_000 })
    }
    expect(pacer.waitedMs).toBe(4_000)
    expect(pacer.exhausted()).toBe(true)
  })

  it('gives up past the budget, saying how long it waited of what', async () => {
    const { pacer } = setup(5_000)
    await pacer.limitedAnswer(limited('4'), await pacer.admit(5))
    expect(await pacer.limitedAnswer(limited('4'), await pacer.admit(5))).toEqual({
      giveUp:
        'GitHub asked to wait 8 s more, and the run has already waited 4 s of its rate-limit-budget (5 s)'
    })
    expect(pacer.exhausted()).toBe(false)
  })

  it('lets the second PUT of a pair wait past the budget eight times, not a ninth', async () => {
    const { pacer } = setup(0)
    const decisions: string[] = []
    for (let i = 0; i < 9; i++) {
      const decision = await pacer.limitedAnswer(
        limited('0'),
        await pacer.admit(5),
        async () => true
      )
      decisions.push('waitMs' in decision ? 'wait' : 'give up')
    }
    expect(decisions).toEqual([...Array<string>(8).fill('wait'), 'give up'])
  })

  it('learns the pace on the first limit of a series, at 0.8 of the last minute, and keeps the lower', async () => {
    const { pacer, clock, slept, lines, burst } = setup()
    await burst(100)
    await pacer.limitedAnswer(limited('1'), await pacer.admit(5))
    expect(lines.at(-1)).toMatch(/pacing writes at about 80 writes a minute\.$/)
    // 505 points in the last minute, 404 allowed: the next write waits until the burst is a
    // minute old.
    slept.length = 0
    await pacer.admit(5)
    expect(clock.now()).toBe(T0 + MINUTE)
    expect(slept).toEqual(Array<number>(60).fill(1_000))
    // Paced now: 79 more writes (400 points in the minute) go at once, the next one waits.
    let last = 0
    for (let i = 0; i < 79; i++) last = await pacer.admit(5)
    expect(clock.now()).toBe(T0 + MINUTE)
    // A second limit in a row does not learn again, however little went through.
    await pacer.limitedAnswer(limited('1'), last)
    expect(lines.at(-1)).toMatch(
      /\(limited 2 times in a row\); pacing writes at about 80 writes a minute\.$/
    )
  })

  it('learns a pace of 100 points a minute, not less; writes that fit it exactly go at once', async () => {
    const small = setup()
    await small.burst(23)
    await small.pacer.limitedAnswer(limited('1'), await small.pacer.admit(5))
    // 0.8 of 120 points is 96: too few to say the limit was about volume.
    expect(small.lines.at(-1)).toMatch(/full speed\.$/)

    const { pacer, clock, lines, burst } = setup()
    await burst(24)
    await pacer.limitedAnswer(limited('1'), await pacer.admit(5))
    expect(lines.at(-1)).toMatch(/about 20 writes a minute\.$/)
    clock.advance(MINUTE)
    await burst(20)
    expect(clock.now()).toBe(T0 + MINUTE)
    await pacer.admit(5)
    expect(clock.now()).toBe(T0 + 2 * MINUTE)
  })

  it('raises the learned pace by a tenth of each accepted request', async () => {
    const { pacer, clock, lines, burst } = setup()
    await burst(100)
    await pacer.limitedAnswer(limited('1'), await pacer.admit(5))
    for (let i = 0; i < 20; i++) pacer.succeeded(5)
    clock.advance(2 * MINUTE)
    await pacer.limitedAnswer(limited(), await pacer.admit(5))
    expect(lines.at(-1)).toBe(
      'GitHub rate limit: pausing every request for 60.0 s; pacing writes at about 82 writes a minute.'
    )
  })

  it('never shortens a pause for a request in flight that was told to wait less', async () => {
    const { pacer, clock } = setup()
    await pacer.limitedAnswer(limited('1'), await pacer.admit(5))
    const [third, fourth] = [await pacer.admit(5), await pacer.admit(5)]
    expect(await pacer.limitedAnswer(limited('30'), third)).toEqual({ waitMs: 30_000 })
    expect(await pacer.limitedAnswer(limited('1'), fourth)).toEqual({ waitMs: 2_000 })
    await pacer.admit(5)
    expect(clock.now()).toBe(T0 + 1_000 + 30_000)
  })

  it('sends a paced write as soon as enough of the minute has aged out, to the millisecond', async () => {
    const { pacer, clock, slept, burst } = setup()
    await burst(24)
    await pacer.limitedAnswer(limited('1'), await pacer.admit(5))
    clock.advance(MINUTE)
    const t1 = clock.now()
    // 100 points a minute: one write at t1, then 19 more 400 ms later.
    await pacer.admit(5)
    clock.advance(400)
    await burst(19)
    clock.advance(59_400)
    slept.length = 0
    // The first write leaving the minute makes room: 201 ms from now, not when the rest leave.
    await pacer.admit(5)
    expect(clock.now()).toBe(t1 + MINUTE + 1)
    expect(slept).toEqual([201])
  })
})
