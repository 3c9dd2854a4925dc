/**
 * An org admin's fan-out: 300 repository targets (600 secret writes) and an organization secret
 * selected for 150 repositories, under each of GitHub's documented ways of answering a secondary
 * rate limit, on a sped-up clock (900 points an emulated minute: a GET costs 1, a write 5), with
 * GitHub answering in 10 to 40 ms and its concurrency limit scaled down to 5 requests.
 * Every target gets the new key, nothing fails, the org selection survives, and the action never
 * sends a request while GitHub has asked it to wait.
 */
import type { OrgAccess, SecondaryRateLimit } from './emulators/github.js'
import { nodeBinaries } from './emulators/runner.js'
import { ID_SECRET, KEY_SECRET, startWorld, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}
const TARGETS = 300
const SELECTED = 150

/** The three answers GitHub documents, each on its own emulated minute. */
export const LIMIT_MODELS: Array<[string, SecondaryRateLimit]> = [
  [
    '(a) retry-after shorter than the window',
    { pointsPerWindow: 900, windowMs: 3_000, maxConcurrent: 5, retryAfterSeconds: 1 }
  ],
  [
    '(b) no retry-after, remaining 0 and a reset time',
    { pointsPerWindow: 900, windowMs: 2_000, maxConcurrent: 5, answer: 'reset' }
  ],
  [
    '(c) no headers: at least a minute',
    { pointsPerWindow: 900, windowMs: 2_000, maxConcurrent: 5, answer: 'silent' }
  ]
]

/** The action counts GitHub's minute on the same sped-up clock as the emulator. */
export function timeScaleFor(limit: SecondaryRateLimit): Record<string, string> {
  return { ROTATE_AWS_ACCESS_KEYS_TIME_SCALE: String(60_000 / limit.windowMs) }
}

describe(`fan-out under rate limits on ${runner?.name ?? 'node'}`, () => {
  let world: World
  afterEach(() => world.close())

  it.each(LIMIT_MODELS)(
    '%s: 300 repositories and an org secret with 150 selected repositories, zero failures',
    async (_name, limit) => {
      const repos = Array.from(
        { length: TARGETS },
        (_, i) => `acme/service-${String(i).padStart(3, '0')}`
      )
      world = await startWorld({
        repos,
        orgs: ['acme'],
        propagationDelayMs: 300,
        secondaryRateLimit: limit,
        // Slow enough for requests to pile up if the action let them.
        githubLatencyMs: { min: 10, max: 40 }
      })
      const selected: OrgAccess = {
        visibility: 'selected',
        selectedRepositoryIds: repos.slice(0, SELECTED).map(repo => world.github.repoId(repo))
      }
      const old = world.stored()
      for (const [name, value] of [
        [ID_SECRET, old.accessKeyId],
        [KEY_SECRET, old.secretAccessKey]
      ] as const) {
        world.github.setScopeSecret({ kind: 'org-actions', org: 'acme' }, name, value, selected)
      }

      const result = await world.run(
        { targets: [...repos, 'org:acme'].join('\n') },
        { ...withNode, extraEnv: timeScaleFor(limit) }
      )
      expect(result.code).toBe(0)
      expect(result.outputs.rotated).toBe('true')
      // GitHub's concurrency limit (scaled to 5) is never met: the run keeps at most 3 in flight.
      expect(world.github.rateLimitReport().peakInFlight).toBeLessThanOrEqual(3)

      const active = world.aws.keys(USER).filter(k => k.status === 'Active')
      expect(active).toHaveLength(1)
      const key = {
        accessKeyId: active[0]?.accessKeyId,
        secretAccessKey: active[0]?.secretAccessKey
      }
      for (const repo of repos) expect(world.stored(repo)).toEqual(key)
      for (const name of [ID_SECRET, KEY_SECRET]) {
        const secret = world.github.scopeSecret({ kind: 'org-actions', org: 'acme' }, name)
        expect(secret?.value).toBe(name === ID_SECRET ? key.accessKeyId : key.secretAccessKey)
        expect(secret?.access).toEqual(selected)
      }

      // No request was sent while GitHub had asked for a pause; each pause was said once.
      const limits = world.github.rateLimitReport()
      expect(limits.ignoredRetryAfter).toBe(0)
      if (limits.throttled > 0) expect(result.stdout).toMatch(/GitHub rate limit: pausing/)
      expect(result.stdout).toMatch(/written \d+\/301 targets/)
      expect(result.stdout).not.toMatch(/::error::/)
      // Each pair of writes happens once per target (no failed writes).
      const puts = world.github.requests.filter(r => r.route === 'put-secret' && !r.throttled)
      expect(puts).toHaveLength(2 * (TARGETS + 1))
      const summary =
        /GitHub: (\d+) request\(s\), (\d+) rate-limited answer\(s\) waited out, paused ([\d.]+) s/.exec(
          result.stdout
        )
      if (limits.throttled > 0) expect(Number(summary?.[2])).toBe(limits.throttled)
    },
    180_000
  )

  it('runs out of its rate-limit-budget between targets, never between the two PUTs of one, and the next run finishes', async () => {
    const repos = Array.from({ length: 60 }, (_, i) => `acme/svc-${String(i).padStart(2, '0')}`)
    world = await startWorld({ repos })
    // After 40 accepted writes GitHub limits every write for 1.5 s (retry-after 1).
    let accepted = 0
    let limitedFrom = 0
    const remove = world.github.intercept(call => {
      if (call.route !== 'put-secret') return undefined
      if (accepted < 40) {
        accepted += 1
        return undefined
      }
      limitedFrom ||= Date.now()
      return Date.now() - limitedFrom < 1_500 ? { status: 403, retryAfterSeconds: 1 } : undefined
    })
    const first = await world.run({ 'rate-limit-budget': '0s' }, { ...withNode, runId: '7001' })
    remove()
    expect(first.code).toBe(1)
    expect(first.stdout).toMatch(/::error::.* of 60 targets failed: .*rate-limit-budget/)
    // At most ten named in the error; the summary lists every one.
    const error = /::error::.*/.exec(first.stdout)?.[0] ?? ''
    expect((error.match(/acme\/svc-\d\d:/g) ?? []).length).toBeLessThanOrEqual(10)
    expect(error).toMatch(/and \d+ more \(the step summary lists them all\)/)
    expect(first.summary).toMatch(/### Targets not written \(\d+\)/)
    // No target holds half a pair: each holds the old key or the new one, whole and active.
    const keys = world.aws.keys(USER)
    for (const repo of repos) {
      const held = world.stored(repo)
      const key = keys.find(k => k.accessKeyId === held.accessKeyId)
      expect({
        repo,
        paired: key?.secretAccessKey === held.secretAccessKey,
        status: key?.status
      }).toEqual({ repo, paired: true, status: 'Active' })
    }
    const next = await world.run({}, { ...withNode, runId: '7002' })
    expect(next.code).toBe(0)
    const active = world.aws.keys(USER).filter(k => k.status === 'Active')
    expect(active).toHaveLength(1)
    for (const repo of repos) expect(world.stored(repo).accessKeyId).toBe(active[0]?.accessKeyId)
  }, 120_000)
})
