/**
 * An org admin's fan-out: 500 repository targets and an organization secret selected for 150
 * repositories, with GitHub's secondary rate limit enforced on a sped-up clock (900 points a
 * "minute" of one second: a GET costs 1, a write 5). Every target gets the new key, nothing
 * fails, the org selection survives, and the action stops every request while GitHub asks it to.
 */
import type { OrgAccess } from './emulators/github.js'
import { nodeBinaries } from './emulators/runner.js'
import { ID_SECRET, KEY_SECRET, startWorld, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}
const TARGETS = 500
const SELECTED = 150

describe(`fan-out under rate limits on ${runner?.name ?? 'node'}`, () => {
  let world: World
  afterAll(() => world.close())

  it('writes 500 repositories and an org secret with 150 selected repositories, zero failures', async () => {
    const repos = Array.from(
      { length: TARGETS },
      (_, i) => `acme/service-${String(i).padStart(3, '0')}`
    )
    world = await startWorld({
      repos,
      orgs: ['acme'],
      propagationDelayMs: 300,
      secondaryRateLimit: { pointsPerWindow: 900, windowMs: 1_000, maxConcurrent: 100 }
    })
    const selected: OrgAccess = {
      visibility: 'selected',
      selectedRepositoryIds: repos.slice(0, SELECTED).map(repo => world.github.repoId(repo))
    }
    const old = world.stored()
    world.github.setScopeSecret(
      { kind: 'org-actions', org: 'acme' },
      ID_SECRET,
      old.accessKeyId,
      selected
    )
    world.github.setScopeSecret(
      { kind: 'org-actions', org: 'acme' },
      KEY_SECRET,
      old.secretAccessKey,
      selected
    )

    const result = await world.run({ targets: [...repos, 'org:acme'].join('\n') }, withNode)
    expect(result.code).toBe(0)
    expect(result.outputs.rotated).toBe('true')

    const active = world.aws.keys(USER).filter(k => k.status === 'Active')
    expect(active).toHaveLength(1)
    const key = { accessKeyId: active[0]?.accessKeyId, secretAccessKey: active[0]?.secretAccessKey }
    for (const repo of repos) expect(world.stored(repo)).toEqual(key)
    for (const name of [ID_SECRET, KEY_SECRET]) {
      const secret = world.github.scopeSecret({ kind: 'org-actions', org: 'acme' }, name)
      expect(secret?.value).toBe(name === ID_SECRET ? key.accessKeyId : key.secretAccessKey)
      expect(secret?.access).toEqual(selected)
    }

    // The limit was hit and waited out; no request was sent while GitHub had asked for a pause.
    const limits = world.github.rateLimitReport()
    expect(limits.throttled).toBeGreaterThan(0)
    expect(limits.ignoredRetryAfter).toBe(0)
    expect(result.stdout).toMatch(/secondary rate limit .* pausing every request/)
    expect(result.stdout).toMatch(/written \d+\/501 targets/)
    expect(result.stdout).toMatch(/::group::Writing .* to 501 target\(s\)/)
    // Each pair of writes and the public-key read happen once per target (no failed writes).
    const puts = world.github.requests.filter(r => r.route === 'put-secret' && !r.throttled)
    expect(puts).toHaveLength(2 * (TARGETS + 1))
    const summary =
      /GitHub: (\d+) request\(s\), (\d+) rate-limited answer\(s\) waited out, paused ([\d.]+) s/.exec(
        result.stdout
      )
    expect(Number(summary?.[2])).toBe(limits.throttled)
    // For the closing note: how long it took and how often it was throttled.
    console.log(
      `500-target fan-out: ${(result.durationMs / 1000).toFixed(1)} s, ${summary?.[1]} GitHub requests, ${limits.throttled} throttled answers waited out, paused ${summary?.[3]} s`
    )
  }, 180_000)
})
