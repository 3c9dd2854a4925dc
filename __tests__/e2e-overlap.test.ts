/**
 * Runs that overlap: a schedule and a manual dispatch, two repositories rotating one deploy user,
 * a re-run after a crash. Exactly one run rotates; the others say why they changed nothing; a key
 * another run is still working on is never deleted under it.
 */
import type { ChildProcess } from 'node:child_process'
import { nodeBinaries } from './emulators/runner.js'
import { ID_SECRET, startWorld, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}

function pendingMark(
  runId: string,
  minutesAgo: number,
  previousKeyId: string,
  repo = 'acme/app'
): string {
  const at = new Date(Date.now() - minutesAgo * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
  return `rotate-aws-access-keys v1 state=pending at=${at} run=${runId}.1 prev=${previousKeyId} repo=${repo}`
}

/** Every value a target held was a key that stayed active until after the target had moved on. */
function neverHeldADeadKey(world: World, repo: string): void {
  const history = world.github.history(repo, ID_SECRET)
  const keys = world.aws.keys(USER)
  for (const [index, entry] of history.entries()) {
    const key = keys.find(k => k.accessKeyId === entry.value)
    const next = history[index + 1]
    if (!next) {
      expect(key?.status).toBe('Active')
      continue
    }
    // Deactivated (if at all) only after the target held the next key.
    const deactivated = world.aws.requests.find(
      r =>
        r.action === 'UpdateAccessKey' && r.status === 200 && r.params.AccessKeyId === entry.value
    )
    if (deactivated) expect(deactivated.at).toBeGreaterThanOrEqual(next.at)
  }
}

/** Every case also runs with IAM's reads one second stale (eventual consistency, FACTS.md). */
const READ_LAGS = [0, 1_000]

describe.each(READ_LAGS)(
  `overlapping runs on ${runner?.name ?? 'node'}, IAM reads %i ms stale`,
  readLagMs => {
    let world: World
    afterEach(() => world.close())

    async function twoRunsTogether(repos: [string, string]): Promise<string[]> {
      const results = await Promise.all([
        world.run({}, { ...withNode, runId: '2001', repo: repos[0] }),
        world.run({}, { ...withNode, runId: '2002', repo: repos[1] })
      ])
      expect(results.map(r => r.code)).toEqual([0, 0])
      const created = world.aws.requests.filter(
        r => r.action === 'CreateAccessKey' && r.status === 200
      )
      expect(created).toHaveLength(1)
      const rotated = results.filter(r => r.outputs.rotated === 'true')
      expect(rotated).toHaveLength(1)
      const other = results.find(r => r.outputs.rotated !== 'true')
      expect(other?.stdout).toMatch(
        /::warning::.*(another run \(or a person\) got there first|is being rotated by run 200[12]|says run 200[12] .* is creating a new key)/
      )
      return results.map(r => r.stdout)
    }

    it('two runs for one user and one target started together: exactly one rotates', async () => {
      world = await startWorld({ readLagMs, propagationDelayMs: 1_000 })
      await twoRunsTogether(['acme/app', 'acme/app'])
      const active = world.aws.keys(USER).filter(k => k.status === 'Active')
      expect(active.map(k => k.accessKeyId)).toEqual([world.stored().accessKeyId])
      neverHeldADeadKey(world, 'acme/app')
    })

    it('two repositories whose workflows rotate the same user at the same minute', async () => {
      world = await startWorld({
        readLagMs,
        repos: ['acme/app', 'acme/api'],
        propagationDelayMs: 1_000
      })
      await twoRunsTogether(['acme/app', 'acme/api'])
      const active = world.aws.keys(USER).filter(k => k.status === 'Active')
      expect(active).toHaveLength(1)
      for (const repo of world.repos) {
        expect(world.stored(repo).accessKeyId).toBe(active[0]?.accessKeyId)
        neverHeldADeadKey(world, repo)
      }
    })

    it('a re-run (same run id, next attempt) right after a crash mid-rotation converges at once', async () => {
      world = await startWorld({ readLagMs, repos: ['acme/app', 'acme/api'] })
      let child: ChildProcess | undefined
      const remove = world.github.intercept(call => {
        if (call.route === 'put-secret' && call.repo === 'acme/api') child?.kill('SIGKILL')
        return undefined
      })
      const crashed = await world.run(
        {},
        { ...withNode, runId: '3001', attempt: '1', onSpawn: c => (child = c) }
      )
      remove()
      expect(crashed.signal).toBe('SIGKILL')
      expect(world.aws.keys(USER).filter(k => k.status === 'Active')).toHaveLength(2)

      const rerun = await world.run({}, { ...withNode, runId: '3001', attempt: '2' })
      expect(rerun.code).toBe(0)
      expect(rerun.stdout).not.toMatch(/::warning::.*being rotated/)
      expect(rerun.outputs.rotated).toBe('true')
      const active = world.aws.keys(USER).filter(k => k.status === 'Active')
      expect(active).toHaveLength(1)
      for (const repo of world.repos)
        expect(world.stored(repo).accessKeyId).toBe(active[0]?.accessKeyId)
    })

    it('cleans up a stale pending key of a run GitHub does not know', async () => {
      world = await startWorld({ readLagMs })
      const old = world.stored()
      const stale = world.aws.createAccessKey(USER)
      world.aws.setTag(
        USER,
        stale.accessKeyId,
        pendingMark('999999', 40, old.accessKeyId, 'elsewhere/repo')
      )
      // The mark was written 40 minutes ago: every read shows it.
      world.aws.settleReads()
      const result = await world.run({}, withNode)
      expect(result.code).toBe(0)
      expect(world.aws.keys(USER).some(k => k.accessKeyId === stale.accessKeyId)).toBe(false)
      expect(result.outputs.rotated).toBe('true')
    })

    it('leaves alone a fresh pending key of a run GitHub shows in progress, even with force', async () => {
      world = await startWorld({ readLagMs })
      const old = world.stored()
      const fresh = world.aws.createAccessKey(USER)
      world.aws.setTag(USER, fresh.accessKeyId, pendingMark('777', 1, old.accessKeyId))
      world.aws.settleReads()
      world.github.setRun('acme/app', '777', '1', 'in_progress')
      const result = await world.run({ force: 'true' }, withNode)
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(
        /::warning::Key AKIA…\w{4} is being rotated by run 777 attempt 1 of acme\/app, which GitHub shows in progress/
      )
      expect(result.summary).toContain('Another run is rotating this key')
      expect(
        world.aws.requests.filter(
          r => r.status === 200 && /^(Create|Update|Delete|Tag|Untag)/.test(r.action)
        )
      ).toEqual([])
      expect(world.github.requests.filter(r => r.route === 'put-secret')).toEqual([])
    })
  }
)
