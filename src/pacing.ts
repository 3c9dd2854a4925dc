/**
 * How the action paces its GitHub requests and waits out rate limits, by GitHub's documented
 * rules ("Rate limits for the REST API", docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api):
 *
 * - Secondary limits: about 100 concurrent requests, 900 points a minute (a GET costs 1 point,
 *   a PUT/POST/PATCH/DELETE 5), about 80 content-creating requests a minute; GitHub may change
 *   them without notice and shows no counter.
 * - When limited (403 or 429): if `retry-after` is present, wait that many seconds; else if
 *   `x-ratelimit-remaining` is 0, wait until `x-ratelimit-reset` (epoch seconds); else wait at
 *   least one minute. If requests keep failing, wait exponentially longer; stop every request
 *   meanwhile, and give up after a bounded time (here: the rate-limit-budget input).
 *
 * @octokit/plugin-throttling implements part of this (it waits 60 s for a secondary limit
 * without `retry-after`, whatever `x-ratelimit-reset` says, and has no exponential backoff or
 * time budget), so the rule lives here instead.
 */
import type { Clock } from './clock.js'

/** GitHub's documented cost of a request against the secondary limit. */
export function pointsOf(method: string | undefined): number {
  return (method ?? 'GET').toUpperCase() === 'GET' ? 1 : 5
}

export interface LimitAnswer {
  readonly status: number | undefined
  readonly message: string
  readonly headers: Readonly<Record<string, string | undefined>>
}

/** A 403/429 that is a rate limit (primary or secondary), not a missing permission. */
export function isRateLimit(answer: LimitAnswer): boolean {
  if (answer.status !== 403 && answer.status !== 429) return false
  return (
    answer.status === 429 ||
    /rate limit/i.test(answer.message) ||
    answer.headers['x-ratelimit-remaining'] === '0'
  )
}

/** GitHub's documented wait for one limited answer, before any backoff for repeats. */
export function documentedWaitMs(answer: LimitAnswer, now: number, minuteMs: number): number {
  // A missing header is NaN, not finite.
  const retryAfter = Number(answer.headers['retry-after'])
  if (Number.isFinite(retryAfter)) {
    return Math.max(0, retryAfter * 1000)
  }
  const reset = Number(answer.headers['x-ratelimit-reset'])
  if (answer.headers['x-ratelimit-remaining'] === '0' && reset > 0) {
    // The reset is in whole seconds: one more, so the request lands after it.
    return Math.max(0, reset * 1000 - now + 1000)
  }
  return minuteMs
}

export interface PacerOptions {
  readonly clock: Clock
  /** A minute on the clock the limits are counted on (60,000 ms; tests speed it up). */
  readonly minuteMs: number
  /** How long the run may spend waiting on rate limits in all. */
  readonly budgetMs: number
  readonly log: (line: string) => void
}

/** What a limited request should do next. */
export type LimitDecision = { readonly waitMs: number } | { readonly giveUp: string }

/** A request that must be sent even past the budget: the second PUT of a target's pair. */
const MUST_FINISH_MAX_WAITS = 8
/**
 * Below this many points in the minute before a limit, the limit was not about volume (too many
 * at once, or content creation): the pace is left as it was.
 */
const MIN_POINTS_PER_MINUTE = 100
/** On a limit the pace drops to this share of what was sent in the last minute. */
const DECREASE = 0.8
/** Each accepted request raises the pace by this share of its cost (about +10 % a minute). */
const INCREASE = 0.1

/**
 * One pause for every request (GitHub asks clients to stop all requests until the wait is
 * over), exponential waits for repeated limits, and a learned pace: unpaced until the first
 * limit, then just under the points per minute that GitHub accepted, rising slowly again.
 */
export class Pacer {
  private resumeAt = 0
  private pauseStartedAt = 0
  private repeats = 0
  private firstWaitMs = 0
  private sent: { at: number; points: number }[] = []
  private pointsPerMinute = Number.POSITIVE_INFINITY
  waitedMs = 0
  limited = 0

  constructor(private readonly options: PacerOptions) {}

  /** Waits until this request may go; returns when it was sent. */
  async admit(points: number): Promise<number> {
    const { clock } = this.options
    for (;;) {
      const now = clock.now()
      const wait = Math.max(this.resumeAt - now, this.paceWait(now, points))
      if (wait <= 0) break
      await clock.sleep(Math.min(wait, 1_000))
    }
    const at = clock.now()
    this.sent.push({ at, points })
    return at
  }

  succeeded(points: number): void {
    this.repeats = 0
    // Unpaced (infinite) stays unpaced.
    this.pointsPerMinute += points * INCREASE
  }

  /**
   * A limited answer to a request sent at `sentAt`: how long to wait, or why to give up. Past
   * the budget, `mayFinish` says whether this request must go anyway (the second PUT of a pair).
   */
  async limitedAnswer(
    answer: LimitAnswer,
    sentAt: number,
    mayFinish?: () => Promise<boolean>
  ): Promise<LimitDecision> {
    const now = this.options.clock.now()
    this.limited += 1
    const documented = documentedWaitMs(answer, now, this.options.minuteMs)
    // A request already in flight when the pause began meets the same limit, not a repeat.
    const repeat = sentAt > this.pauseStartedAt
    const repeats = repeat ? this.repeats + 1 : this.repeats
    const firstWaitMs = repeat && repeats === 1 ? Math.max(documented, 1_000) : this.firstWaitMs
    const waitMs = Math.max(documented, firstWaitMs * 2 ** Math.max(0, repeats - 1))
    const until = now + waitMs
    const spent = this.waitedMs + Math.max(0, until - Math.max(now, this.resumeAt))
    if (spent > this.options.budgetMs) {
      const finish =
        repeats <= MUST_FINISH_MAX_WAITS && mayFinish !== undefined && (await mayFinish())
      if (!finish) return { giveUp: this.giveUpReason(waitMs) }
    }
    const learned = Math.floor(DECREASE * this.pointsInLastMinute(now))
    if (repeat && repeats === 1 && learned >= MIN_POINTS_PER_MINUTE) {
      this.pointsPerMinute = Math.min(this.pointsPerMinute, learned)
    }
    this.repeats = repeats
    this.firstWaitMs = firstWaitMs
    // Stryker disable next-line EqualityOperator: no request is sent during a pause, so ending one where it ends changes nothing
    if (until > this.resumeAt) {
      this.waitedMs = spent
      if (until > this.resumeAt + 500) {
        this.options.log(
          `GitHub rate limit: pausing every request for ${(waitMs / 1000).toFixed(1)} s${repeats > 1 ? ` (limited ${repeats} times in a row)` : ''}; pacing writes at about ${this.paceText()}.`
        )
      }
      this.pauseStartedAt = now
      this.resumeAt = until
    }
    return { waitMs }
  }

  /** The budget is spent: no new target should start. */
  exhausted(): boolean {
    return this.limited > 0 && this.waitedMs >= this.options.budgetMs
  }

  private giveUpReason(waitMs: number): string {
    return `GitHub asked to wait ${(waitMs / 1000).toFixed(0)} s more, and the run has already waited ${(this.waitedMs / 1000).toFixed(0)} s of its rate-limit-budget (${(this.options.budgetMs / 1000).toFixed(0)} s)`
  }

  private paceText(): string {
    return Number.isFinite(this.pointsPerMinute)
      ? `${Math.floor(this.pointsPerMinute / 5)} writes a minute`
      : 'full speed'
  }

  private pointsInLastMinute(now: number): number {
    this.sent = this.sent.filter(entry => entry.at > now - this.options.minuteMs)
    return this.sent.reduce((sum, entry) => sum + entry.points, 0)
  }

  /** How long until `points` more fit in the learned pace over the last minute. */
  private paceWait(now: number, points: number): number {
    // Stryker disable next-line ConditionalExpression: unpaced (Infinity), the check below returns 0 too
    if (!Number.isFinite(this.pointsPerMinute)) return 0
    let total = this.pointsInLastMinute(now) + points
    if (total <= this.pointsPerMinute) return 0
    // The oldest requests age out of the minute first.
    for (const entry of this.sent) {
      total -= entry.points
      if (total <= this.pointsPerMinute) return entry.at + this.options.minuteMs - now + 1
    }
    return 0
  }
}
