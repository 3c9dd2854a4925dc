import { getOctokit } from '@actions/github'
import pLimit from 'p-limit'
import { retry } from '@octokit/plugin-retry'
import { statusOf } from '../errors.js'
import { isRateLimit, Pacer, pointsOf, type LimitAnswer } from '../pacing.js'
import { systemClock, type Clock } from '../clock.js'

export type Octokit = ReturnType<typeof getOctokit>

/** owner/repo as the REST routes take it. */
export function splitRepository(repository: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = repository.split('/')
  return { owner, repo }
}

export interface GitHubStats {
  /** HTTP requests sent, retries included. */
  requests: number
  /** Rate-limited answers that were waited out (or given up on). */
  rateLimited: number
  /** Wall time during which every request was held back after a rate limit, in ms. */
  pausedMs: number
  /** The most requests this run had in flight at once. */
  peakInFlight: number
}

/**
 * The most GitHub requests one run has in flight at once, whatever sends them (preflight, leak
 * check, writes, gate, run states). GitHub allows about 100 concurrent requests per token and
 * asks integrators to send one user's requests serially; an organization's matrix of 20 jobs
 * sharing one token stays at 60 with 3, well under, while a target's two PUTs still go together.
 */
export const MAX_IN_FLIGHT = 3

export interface GitHubOptions {
  readonly token: string
  readonly requestTimeoutMs: number
  /** Visibility of an organization secret the action creates (an existing one keeps its own). */
  readonly orgSecretVisibility: 'private' | 'all'
  /** The API base, when the github-api-url input sets it. */
  readonly apiUrl?: string | undefined
  /** How long the run may wait on GitHub's rate limits in all. */
  readonly rateLimitBudgetMs: number
  readonly log: (message: string) => void
  readonly stats: GitHubStats
  readonly clock?: Clock
}

/** The REST API version the action is written against; a newer one changes dispatch. */
const API_VERSION = '2022-11-28'
/**
 * Test and benchmark seam: how many times faster than real time rate-limit minutes pass (a
 * GitHub "minute" of 1 s at 60). Anything but a number from 1 to 600 means real time.
 */
const TIME_SCALE_VARIABLE = 'ROTATE_AWS_ACCESS_KEYS_TIME_SCALE'

function minuteMs(): number {
  const scale = Number(process.env[TIME_SCALE_VARIABLE])
  return scale >= 1 && scale <= 600 ? 60_000 / scale : 60_000
}

/** An Octokit whose every request goes through the pacer, with a timeout per attempt. */
export function pacedClient(options: GitHubOptions): { octokit: Octokit; pacer: Pacer } {
  const pacer = new Pacer({
    clock: options.clock ?? systemClock,
    minuteMs: minuteMs(),
    budgetMs: options.rateLimitBudgetMs,
    log: options.log
  })
  // The github-api-url input, else GITHUB_API_URL read now, not when @actions/github was loaded:
  // the same value on a runner, and right under tools that set the environment later
  // (@github/local-action). No request options: getOctokit's defaults carry the proxy settings.
  // plugin-retry retries 5xx, resets and timeouts (3 times, never 4xx); rate limits are the
  // pacer's alone (see pacing.ts for why not plugin-throttling).
  const apiUrl = options.apiUrl ?? process.env.GITHUB_API_URL
  const octokit: Octokit = getOctokit(
    options.token,
    {
      ...(apiUrl ? { baseUrl: apiUrl } : {}),
      retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] }
    },
    retry
  )
  addTimeouts(octokit, options)
  addPacing(octokit, pacer, options.stats)
  return { octokit, pacer }
}

/**
 * Octokit has no timeout of its own. Each attempt, retries included, gets a fresh one by
 * wrapping the (proxy-aware) fetch; a timed-out attempt fails as a 500 that plugin-retry retries.
 */
function addTimeouts(octokit: Octokit, options: GitHubOptions): void {
  const { stats } = options
  octokit.hook.before('request', requestOptions => {
    requestOptions.headers['x-github-api-version'] = API_VERSION
    const inner = requestOptions.request?.fetch ?? globalThis.fetch
    requestOptions.request = {
      ...requestOptions.request,
      fetch: async (url: string, init: RequestInit) => {
        stats.requests += 1
        return inner(url, { ...init, signal: AbortSignal.timeout(options.requestTimeoutMs) })
      }
    }
  })
}

/**
 * Every request waits for a free slot of MAX_IN_FLIGHT, then for the pacer; a rate-limited
 * answer is waited out (holding no slot) or given up on. The pacer is asked once the slot is
 * held: a request queued behind hundreds of others (a read per target, all asked at once) is
 * then held by a pause that began while it queued, as GitHub asks.
 */
function addPacing(octokit: Octokit, pacer: Pacer, stats: GitHubStats): void {
  const slots = pLimit(MAX_IN_FLIGHT)
  const inFlight = async <T>(send: () => Promise<T>): Promise<T> =>
    slots(async () => {
      stats.peakInFlight = Math.max(stats.peakInFlight, slots.activeCount)
      return send()
    })
  octokit.hook.wrap('request', async (send, requestOptions) => {
    const points = pointsOf(requestOptions.method)
    const pair = requestOptions.request?.[PAIR] as PairMember | undefined
    for (;;) {
      let sentAt = 0
      try {
        const response = await inFlight(async () => {
          sentAt = await pacer.admit(points)
          return send(requestOptions)
        })
        pacer.succeeded(points)
        pair?.pair.settle(pair.index, 'written')
        return response
      } catch (error) {
        const answer = limitAnswerOf(error)
        if (!answer || !isRateLimit(answer)) {
          pair?.pair.settle(pair.index, 'failed')
          throw error
        }
        const decision = await pacer.limitedAnswer(
          answer,
          sentAt,
          pair && (() => pair.pair.mayFinish(pair.index))
        )
        stats.rateLimited = pacer.limited
        stats.pausedMs = pacer.waitedMs
        if ('giveUp' in decision) {
          pair?.pair.settle(pair.index, 'failed')
          throw new RateLimitGiveUp(decision.giveUp, error)
        }
      }
    }
  })
}

/** Request option naming the PUT's place in its target's pair. */
export const PAIR = 'rotatePair'
interface PairMember {
  readonly pair: PutPair
  readonly index: number
}

/**
 * The two PUTs of a target, sent together. Past the rate-limit budget a limited PUT is still
 * finished when its partner was written, so no target is left holding half a pair; when
 * neither was written, both give up.
 */
export class PutPair {
  private readonly states: Array<'pending' | 'written' | 'limited' | 'failed'>
  private waiters: Array<() => void> = []
  constructor(size: number) {
    this.states = Array.from({ length: size }, () => 'pending' as const)
  }
  member(index: number): PairMember {
    return { pair: this, index }
  }
  settle(index: number, state: 'written' | 'failed'): void {
    this.states[index] = state
    for (const wake of this.waiters.splice(0)) wake()
  }
  /** Whether the limited PUT `index` must be sent again: waits for a partner still in flight. */
  async mayFinish(index: number): Promise<boolean> {
    for (;;) {
      const others = this.states.filter((_, i) => i !== index)
      if (others.includes('written')) {
        this.states[index] = 'pending'
        return true
      }
      if (others.every(state => state === 'failed' || state === 'limited')) {
        this.settle(index, 'failed')
        return false
      }
      this.states[index] = 'limited'
      await new Promise<void>(wake => this.waiters.push(wake))
    }
  }
}

/** The run stopped waiting for a rate limit: its budget is spent. */
export class RateLimitGiveUp extends Error {
  constructor(
    message: string,
    override readonly cause: unknown
  ) {
    super(message)
    this.name = 'RateLimitGiveUp'
  }
  get status(): number | undefined {
    return statusOf(this.cause)
  }
}

function limitAnswerOf(error: unknown): LimitAnswer | undefined {
  const failure = error as {
    status?: number
    message?: string
    response?: { headers?: Record<string, string | undefined> }
  }
  if (failure?.status === undefined) return undefined
  return {
    status: failure.status,
    message: failure.message ?? '',
    headers: failure.response?.headers ?? {}
  }
}
