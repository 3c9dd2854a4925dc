import { PutPair } from '../src/github.js'
import { documentedWaitMs, isRateLimit, Pacer, pointsOf, type LimitAnswer } from '../src/pacing.js'

const MINUTE = 60_000
const secondary = (headers: Record<string, string> = {}): LimitAnswer => ({
  status: 403,
  message: 'You have exceeded a secondary rate limit.',
  headers
})

/** A clock that moves only when slept on. */
function fakeClock(start = 1_000_000) {
  let now = start
  const slept: number[] = []
  return {
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms)
      now += ms
    },
    advance: (ms: number) => {
      now += ms
    },
    slept
  }
}

function pacer(budgetMs = 30 * MINUTE) {
  const clock = fakeClock()
  const lines: string[] = []
  return {
    clock,
    lines,
    pacer: new Pacer({ clock, minuteMs: MINUTE, budgetMs, log: l => lines.push(l) })
  }
}

describe("GitHub's documented rate-limit rule", () => {
  it('costs a GET one point and a write five', () => {
    expect(pointsOf('GET')).toBe(1)
    expect([pointsOf('PUT'), pointsOf('POST'), pointsOf('PATCH'), pointsOf('DELETE')]).toEqual([
      5, 5, 5, 5
    ])
  })

  it('tells a rate limit from a missing permission', () => {
    expect(isRateLimit(secondary())).toBe(true)
    expect(isRateLimit({ status: 429, message: '', headers: {} })).toBe(true)
    expect(
      isRateLimit({ status: 403, message: 'x', headers: { 'x-ratelimit-remaining': '0' } })
    ).toBe(true)
    expect(
      isRateLimit({
        status: 403,
        message: 'Resource not accessible by personal access token',
        headers: {}
      })
    ).toBe(false)
    expect(isRateLimit({ status: 404, message: 'rate limit', headers: {} })).toBe(false)
  })

  it('waits retry-after; else until the reset when none remain; else a minute', () => {
    const now = 1_700_000_000_000
    expect(documentedWaitMs(secondary({ 'retry-after': '7' }), now, MINUTE)).toBe(7_000)
    // retry-after wins over a reset
    expect(
      documentedWaitMs(
        secondary({
          'retry-after': '2',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(now / 1000 + 30)
        }),
        now,
        MINUTE
      )
    ).toBe(2_000)
    expect(
      documentedWaitMs(
        secondary({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 30) }),
        now,
        MINUTE
      )
    ).toBe(31_000)
    // remaining above 0: the reset says nothing about this limit
    expect(
      documentedWaitMs(
        secondary({ 'x-ratelimit-remaining': '12', 'x-ratelimit-reset': String(now / 1000 + 30) }),
        now,
        MINUTE
      )
    ).toBe(MINUTE)
    expect(documentedWaitMs(secondary(), now, MINUTE)).toBe(MINUTE)
    expect(documentedWaitMs(secondary(), now, 1_000)).toBe(1_000)
  })
})

describe('the pacer', () => {
  it('pauses every request for the wait, and backs off exponentially when limits repeat', async () => {
    const { pacer: p, clock } = pacer()
    const answer = secondary({ 'retry-after': '1' })
    const waits: number[] = []
    for (let i = 0; i < 4; i++) {
      const sentAt = await p.admit(5)
      const decision = await p.limitedAnswer(answer, sentAt)
      if ('giveUp' in decision) throw new Error(decision.giveUp)
      waits.push(decision.waitMs)
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000])
    // Every later request waited out each pause.
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1_000 + 2_000 + 4_000)
    p.succeeded(5)
    const sentAt = await p.admit(5)
    const after = await p.limitedAnswer(answer, sentAt)
    expect(after).toEqual({ waitMs: 1_000 })
  })

  it('counts requests already in flight when a pause began as the same limit, not a repeat', async () => {
    const { pacer: p } = pacer()
    const sent = await Promise.all([p.admit(5), p.admit(5), p.admit(5)])
    const answer = secondary({ 'retry-after': '1' })
    const decisions = await Promise.all(sent.map(at => p.limitedAnswer(answer, at)))
    expect(decisions).toEqual([{ waitMs: 1_000 }, { waitMs: 1_000 }, { waitMs: 1_000 }])
  })

  it('learns a pace just under what GitHub accepted in the last minute, and raises it slowly', async () => {
    const { pacer: p, clock } = pacer()
    // Unpaced until the first limit: 100 writes (500 points) go at once.
    for (let i = 0; i < 100; i++) await p.admit(5)
    expect(clock.slept).toEqual([])
    const sentAt = await p.admit(5)
    await p.limitedAnswer(secondary({ 'retry-after': '1' }), sentAt)
    // 0.8 of the 505 points of the last minute: 404 a minute, so after the pause the next write
    // waits until enough of the minute's points have aged out.
    const before = clock.now()
    await p.admit(5)
    expect(clock.now() - before).toBeGreaterThan(MINUTE / 2)
  })

  it('accepted requests raise the learned pace: the same next write waits less', async () => {
    const waitAfterLimit = async (accepted: number) => {
      const { pacer: p, clock } = pacer()
      for (let i = 0; i < 100; i++) await p.admit(5)
      await p.limitedAnswer(secondary({ 'retry-after': '1' }), await p.admit(5))
      for (let i = 0; i < accepted; i++) p.succeeded(5)
      const before = clock.now()
      await p.admit(5)
      return clock.now() - before
    }
    // Learned: 404 points a minute, under the 510 of the last minute, so the write waits for
    // the minute to pass. 400 accepted writes add 200: it goes once GitHub's pause is over.
    expect(await waitAfterLimit(0)).toBe(60_000)
    expect(await waitAfterLimit(400)).toBe(1_000)
  })

  it('gives up once the budget is spent, but lets the second PUT of a pair through', async () => {
    const { pacer: p } = pacer(5_000)
    const answer = secondary({ 'retry-after': '4' })
    let sentAt = await p.admit(5)
    expect(await p.limitedAnswer(answer, sentAt)).toEqual({ waitMs: 4_000 })
    expect(p.exhausted()).toBe(false)
    sentAt = await p.admit(5)
    const next = await p.limitedAnswer(answer, sentAt)
    expect(next).toMatchObject({ giveUp: expect.stringMatching(/rate-limit-budget/) })
    expect(await p.limitedAnswer(answer, sentAt, () => Promise.resolve(true))).toEqual({
      waitMs: 8_000
    })
    expect(p.exhausted()).toBe(true)
  })

  it('with no budget gives up at the first limit, and is not exhausted before any', async () => {
    const { pacer: p } = pacer(0)
    expect(p.exhausted()).toBe(false)
    const sentAt = await p.admit(5)
    expect(await p.limitedAnswer(secondary(), sentAt)).toMatchObject({
      giveUp: expect.any(String)
    })
    expect(p.exhausted()).toBe(true)
  })

  it('says each pause once, with the pace it keeps', async () => {
    const { pacer: p, lines } = pacer()
    const sent = await Promise.all([p.admit(5), p.admit(5)])
    for (const at of sent) await p.limitedAnswer(secondary(), at)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /pausing every request for 60.0 s; pacing writes at about 1 writes a minute|pausing every request for 60.0 s/
    )
  })
})

describe('the two PUTs of a pair past the budget', () => {
  it('finishes a limited PUT whose partner was written', async () => {
    const pair = new PutPair(2)
    pair.settle(0, 'written')
    expect(await pair.mayFinish(1)).toBe(true)
  })

  it('gives both up when both are limited, without waiting on each other', async () => {
    const pair = new PutPair(2)
    const first = pair.mayFinish(0)
    expect(await pair.mayFinish(1)).toBe(false)
    expect(await first).toBe(false)
  })

  it('waits for a partner in flight, then follows it', async () => {
    const pair = new PutPair(2)
    const waiting = pair.mayFinish(1)
    pair.settle(0, 'written')
    expect(await waiting).toBe(true)
    const other = new PutPair(2)
    const gives = other.mayFinish(1)
    other.settle(0, 'failed')
    expect(await gives).toBe(false)
  })
})
