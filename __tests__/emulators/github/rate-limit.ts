/**
 * GitHub's secondary rate limit and its time to answer. The limit ("About secondary rate
 * limits": https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits)
 * counts points per minute (a GET costs 1, a write 5) and requests in flight at once; a refusal
 * is a 403 or 429 that says when to retry in one of three documented ways (FACTS.md). Here the
 * minute is a window on a clock that tests may speed up, and the emulator also reports what a
 * client did wrong: requests sent while it had been told to wait.
 */
import type { ServerResponse } from 'node:http'
import { STATUS_CODES } from 'node:http'
import { errorReply, type Reply } from './wire.js'

const DOCS_RATE =
  'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits'

/**
 * GitHub's usual answer times, with jitter: tens to hundreds of milliseconds (our reading of
 * api.github.com from runners; GitHub documents no figure). The emulator's default.
 */
export const GITHUB_LATENCY_MS = { min: 30, max: 300 } as const
/** No latency: for tests about something else. */
export const INSTANT = { min: 0, max: 0 } as const

/** How long after a rate-limit refusal a client may still send requests it had already started. */
const CLIENT_REACTION_MS = 100

/**
 * GitHub's secondary rate limit, on a clock that tests may speed up: `pointsPerWindow` points
 * per `windowMs` (GitHub: 900 a minute, a GET costing 1 and a write 5) and `maxConcurrent`
 * requests at once (GitHub: 100).
 */
export interface SecondaryRateLimit {
  pointsPerWindow: number
  windowMs: number
  maxConcurrent: number
  /**
   * How a refusal says when to try again; GitHub documents all three (FACTS.md):
   * - 'retry-after' (default): a retry-after header, `retryAfterSeconds` if set (shorter than
   *   what the window needs), else until the window ends
   * - 'reset': no retry-after; x-ratelimit-remaining 0 and x-ratelimit-reset at the window's end
   * - 'silent': no header at all: the client must wait at least a minute (`minuteMs`, default
   *   `windowMs`, the emulated minute)
   */
  answer?: 'retry-after' | 'reset' | 'silent'
  retryAfterSeconds?: number
  minuteMs?: number
}

export interface RateLimitReport {
  /** Answers refused with a secondary rate limit. */
  throttled: number
  /** The most requests the client had in flight at once, from arrival to answer. */
  peakInFlight: number
  /**
   * Requests that arrived after a refusal had been answered and before its retry-after had
   * passed: a client that keeps going while GitHub asked it to stop.
   */
  ignoredRetryAfter: number
}

export interface Pacer {
  /** A request counts as in flight from its arrival to its answer, as GitHub counts them. */
  arrive(res: ServerResponse): void
  /** GitHub's time to answer, with jitter. */
  answerDelay(): Promise<void>
  /** The secondary limit's refusal of this request, or undefined when it may go on. */
  refusal(method: string, res: ServerResponse, id: string): Reply | undefined
  report(): RateLimitReport
  setLatency(latencyMs: { min: number; max: number }): void
}

/** The points of the current window, and the penalty a refusal set. */
interface Budget {
  firstRequestAt: number
  windowStart: number
  windowPoints: number
  penaltyUntil: number
}

export function createPacer(
  limit: SecondaryRateLimit | undefined,
  initialLatency: { min: number; max: number }
): Pacer {
  let latency = initialLatency
  let inFlight = 0
  /** How many were in flight when each request arrived: the concurrency limit counts then. */
  const concurrentAtArrival = new WeakMap<ServerResponse, number>()
  const report: RateLimitReport = { throttled: 0, ignoredRetryAfter: 0, peakInFlight: 0 }
  const budget: Budget = { firstRequestAt: 0, windowStart: 0, windowPoints: 0, penaltyUntil: 0 }
  const watch = watchClient(report)
  return {
    arrive(res) {
      inFlight += 1
      concurrentAtArrival.set(res, inFlight)
      report.peakInFlight = Math.max(report.peakInFlight, inFlight)
      res.on('close', () => {
        inFlight -= 1
      })
    },
    async answerDelay() {
      const ms = latency.min + Math.random() * Math.max(0, latency.max - latency.min)
      if (ms > 0) await new Promise(resolve => setTimeout(resolve, ms))
    },
    refusal(method, res, id) {
      if (!limit) return undefined
      const now = Date.now()
      watch.arrived(now)
      const concurrent = concurrentAtArrival.get(res) ?? inFlight
      if (spend(limit, budget, now, method === 'GET' ? 1 : 5, concurrent)) return undefined
      report.throttled += 1
      const { headers, toldUntil } = refusalHeaders(limit, now, budget.penaltyUntil)
      watch.refused(toldUntil, res)
      return faultReply({ status: 403, headers }, DOCS_RATE, id)
    },
    report: () => ({ ...report }),
    setLatency(latencyMs) {
      latency = latencyMs
    }
  }
}

/**
 * Spends the request's cost from the window's budget; false when the limit refuses it, with
 * the penalty it sets: the window's end when the points ran out, else a second.
 */
function spend(
  limit: SecondaryRateLimit,
  budget: Budget,
  now: number,
  cost: number,
  concurrent: number
): boolean {
  // Windows start at the first request, so a run's first window is a whole one.
  if (budget.firstRequestAt === 0) budget.firstRequestAt = now
  const start =
    budget.firstRequestAt +
    Math.floor((now - budget.firstRequestAt) / limit.windowMs) * limit.windowMs
  if (start !== budget.windowStart) {
    budget.windowStart = start
    budget.windowPoints = 0
  }
  const overBudget = budget.windowPoints + cost > limit.pointsPerWindow
  if (now >= budget.penaltyUntil && !overBudget && concurrent <= limit.maxConcurrent) {
    budget.windowPoints += cost
    return true
  }
  if (now >= budget.penaltyUntil) {
    budget.penaltyUntil = overBudget ? budget.windowStart + limit.windowMs : now + 1000
  }
  return false
}

/**
 * Counts requests a client sent while told to wait. On a loaded machine the requests the client
 * had already sent beside the refused one can arrive late: those are excused, whatever the
 * delay; one more means it kept sending.
 */
function watchClient(report: RateLimitReport) {
  /** The end of the longest wait a refusal has told the client about. */
  let waitUntil = 0
  let lastRefusalSentAt = 0
  /** Requests that arrived during the pause, past the reaction time, since the last refusal. */
  let lateSinceRefusal = 0
  return {
    arrived(now: number): void {
      if (
        now < waitUntil &&
        lastRefusalSentAt > 0 &&
        now - lastRefusalSentAt > CLIENT_REACTION_MS
      ) {
        lateSinceRefusal += 1
        if (lateSinceRefusal >= report.peakInFlight) report.ignoredRetryAfter += 1
      }
    },
    refused(toldUntil: number, res: ServerResponse): void {
      waitUntil = Math.max(waitUntil, toldUntil)
      res.on('finish', () => {
        lastRefusalSentAt = Math.max(lastRefusalSentAt, Date.now())
        lateSinceRefusal = 0
      })
    }
  }
}

/** The headers of a secondary-limit refusal under each documented answer, and the wait it tells. */
function refusalHeaders(
  limit: SecondaryRateLimit,
  now: number,
  penaltyUntil: number
): { headers: Record<string, string>; toldUntil: number } {
  const answer = limit.answer ?? 'retry-after'
  if (answer === 'reset') {
    const reset = Math.ceil(penaltyUntil / 1000)
    return {
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      toldUntil: reset * 1000
    }
  }
  if (answer === 'silent') {
    return { headers: {}, toldUntil: now + (limit.minuteMs ?? limit.windowMs) }
  }
  const seconds = limit.retryAfterSeconds ?? Math.max(1, Math.ceil((penaltyUntil - now) / 1000))
  return { headers: { 'retry-after': String(seconds) }, toldUntil: now + seconds * 1000 }
}

/** GitHub's shape for an injected error; 403/429 with no message is a secondary rate limit. */
export function faultReply(
  fault: {
    status: number
    message?: string
    retryAfterSeconds?: number
    headers?: Record<string, string>
  },
  docs: string,
  id: string
): Reply {
  const rateLimited = fault.status === 403 || fault.status === 429
  const message =
    fault.message ??
    (rateLimited
      ? `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${id}.`
      : (STATUS_CODES[fault.status] ?? 'Server Error'))
  const headers: Record<string, string> = {}
  if (fault.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(fault.retryAfterSeconds)
  Object.assign(headers, fault.headers)
  const reply = errorReply(fault.status, message, rateLimited && !fault.message ? DOCS_RATE : docs)
  reply.headers = headers
  return reply
}
