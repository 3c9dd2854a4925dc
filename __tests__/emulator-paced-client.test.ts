/**
 * The action's GitHub client over HTTP, against the emulator's secondary rate limit: requests
 * asked for all at once (a read per target) queue for the client's three slots, and a pause
 * that begins while they queue holds every one of them, as GitHub asks ("stop making requests
 * until the wait is over"). Real Octokit, real time; the waits are a second or two.
 */
import { pacedClient } from '../src/github/client.js'
import { startGitHubEmulator, type GitHubEmulator } from './emulators/github.js'

const REPO = 'acme/app'
const TOKEN = 'ghp_reader'
let emulator: GitHubEmulator

beforeEach(async () => {
  emulator = await startGitHubEmulator({
    latencyMs: { min: 10, max: 30 },
    secondaryRateLimit: {
      pointsPerWindow: 12,
      windowMs: 2_000,
      maxConcurrent: 100,
      retryAfterSeconds: 1
    }
  })
  emulator.addRepo(REPO)
  emulator.addToken(TOKEN, { repos: [REPO], secrets: 'read' })
})
afterEach(() => emulator.close())

describe('the paced GitHub client', () => {
  it('holds queued requests through a pause: none is sent while GitHub asked to wait', async () => {
    const stats = { requests: 0, rateLimited: 0, pausedMs: 0, peakInFlight: 0 }
    const { octokit } = pacedClient({
      token: TOKEN,
      requestTimeoutMs: 10_000,
      orgSecretVisibility: 'private',
      apiUrl: emulator.url,
      rateLimitBudgetMs: 60_000,
      log: () => undefined,
      stats
    })
    const reads = Array.from({ length: 30 }, () =>
      octokit.request('GET /repos/{owner}/{repo}/actions/secrets/public-key', {
        owner: 'acme',
        repo: 'app'
      })
    )
    const answers = await Promise.all(reads)
    expect(answers.every(answer => answer.status === 200)).toBe(true)
    const report = emulator.rateLimitReport()
    // The limit was met: the test shows something only if GitHub asked the client to wait.
    expect(report.throttled).toBeGreaterThan(0)
    expect(report.ignoredRetryAfter).toBe(0)
    // Only requests already in flight when a pause began meet the limit with it: here 12 of 30.
    // Sent from the queue during the pause, every queued one was refused too (42 refusals).
    expect(report.throttled).toBeLessThan(reads.length)
    expect(stats.rateLimited).toBe(report.throttled)
    expect(report.peakInFlight).toBeLessThanOrEqual(3)
  }, 30_000)
})
