/**
 * A run that may still be working is never undone. The first run writes its new key slowly (a
 * secret write held open); a second run starts 40 minutes after the first created its key,
 * past the 32-minute lease of earlier releases, but within the hold the first wrote into its
 * marks (its rate-limit-budget is 2h). While GitHub shows the first in progress, the second
 * waits and says for whom and until when; once GitHub shows it completed, the second heals.
 */
import type { ChildProcess } from 'node:child_process'
import { ID_SECRET, KEY_SECRET, startWorld, USER, type World } from './emulators/world.js'

const MINUTE = 60_000
const REPOS = ['acme/app', 'acme/api']
const MUTATIONS = /^(Create|Update|Delete|Tag|Untag)/

/** Every target holds one key's pair (never one key's id and another's secret), and it works. */
function noTornPairs(world: World): void {
  const keys = world.aws.keys(USER)
  for (const repo of world.repos) {
    const id = world.github.secret(repo, ID_SECRET)?.value
    const secret = world.github.secret(repo, KEY_SECRET)?.value
    const key = keys.find(k => k.accessKeyId === id)
    expect({ repo, pairOfOneKey: key?.secretAccessKey === secret, status: key?.status }).toEqual({
      repo,
      pairOfOneKey: true,
      status: 'Active'
    })
  }
}

/**
 * Starts the first run and holds its first secret write open until `release` is called; resolves
 * `held` once the run is writing.
 */
function slowFirstRun(world: World) {
  let release: () => void = () => undefined
  let writing: () => void = () => undefined
  const held = new Promise<void>(resolve => (writing = resolve))
  const gate = new Promise<void>(resolve => (release = resolve))
  let first = true
  const remove = world.github.intercept(async call => {
    if (call.route !== 'put-secret' || !first) return undefined
    first = false
    writing()
    await gate
    return undefined
  })
  let child: ChildProcess | undefined
  const result = world.run(
    { 'rate-limit-budget': '2h' },
    { runId: '4001', onSpawn: spawned => (child = spawned) }
  )
  return { result, held, release, remove, kill: () => child?.kill('SIGKILL') }
}

/** Every case also runs with IAM's reads one second stale (eventual consistency, FACTS.md). */
const READ_LAGS = [0, 1_000]

describe.each(READ_LAGS)(
  'a run still writing is never undone (IAM reads %i ms stale)',
  readLagMs => {
    let world: World
    afterEach(() => world.close())

    it('40 minutes on, with GitHub showing the first run in progress: the second waits, names it and until when, and the first completes', async () => {
      world = await startWorld({ readLagMs, repos: REPOS, propagationDelayMs: 300 })
      const original = world.stored().accessKeyId
      const first = slowFirstRun(world)
      await first.held
      world.advance(40 * MINUTE)
      const newKey = world.aws.keys(USER).find(k => k.accessKeyId !== original)
      const mark = world.aws.tags(USER)[newKey?.accessKeyId ?? '']
      const until = /until=(\S+)/.exec(mark ?? '')?.[1]
      // The hold: verify-timeout 2m, creating 2m, writing 15m and 2 s a target, the 2h budget.
      // The hold starts when the rotation does; the mark's time is when the key was marked, a
      // moment later (creating it), and both are whole seconds.
      const span = Date.parse(until ?? '') - Date.parse(/ at=(\S+)/.exec(mark ?? '')?.[1] ?? '')
      expect(span).toBeLessThanOrEqual(139 * MINUTE + 4_000)
      expect(span).toBeGreaterThanOrEqual(139 * MINUTE - 1_000)

      const mutationsBefore = world.aws.requests.filter(r => MUTATIONS.test(r.action)).length
      const second = await world.run({ force: 'true' }, { runId: '4002' })
      expect(second.code).toBe(0)
      expect(second.stdout).toContain(
        `::warning::Key AKIA…${newKey?.accessKeyId.slice(-4)} is being rotated by run 4001 attempt 1 of acme/app, which GitHub shows in progress (it may hold the key until ${until} by its own settings; no run undoes it while GitHub shows it going)`
      )
      expect(world.aws.requests.filter(r => MUTATIONS.test(r.action))).toHaveLength(mutationsBefore)
      expect(world.aws.keys(USER).map(k => k.status)).toEqual(['Active', 'Active'])

      first.release()
      const done = await first.result
      first.remove()
      expect(done.code).toBe(0)
      expect(done.outputs.rotated).toBe('true')
      for (const repo of REPOS) expect(world.stored(repo).accessKeyId).toBe(newKey?.accessKeyId)
      noTornPairs(world)
    })

    it('the same, with GitHub showing the first run completed (it died writing): the second heals', async () => {
      world = await startWorld({ readLagMs, repos: REPOS, propagationDelayMs: 300 })
      const original = world.stored().accessKeyId
      const first = slowFirstRun(world)
      await first.held
      first.kill()
      const died = await first.result
      first.release()
      first.remove()
      expect(died.signal).toBe('SIGKILL')
      world.advance(40 * MINUTE)
      const abandoned = world.aws.keys(USER).find(k => k.accessKeyId !== original)?.accessKeyId

      const second = await world.run({}, { runId: '4002' })
      expect(second.code).toBe(0)
      expect(second.outputs.rotated).toBe('true')
      expect(second.stdout).toContain('was left half-distributed by run 4001 attempt 1 of acme/app')
      const keys = world.aws.keys(USER)
      expect(keys.some(k => k.accessKeyId === abandoned)).toBe(false)
      expect(keys.filter(k => k.status === 'Active')).toHaveLength(1)
      noTornPairs(world)
    })
  }
)
