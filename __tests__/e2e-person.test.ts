/**
 * A person at the IAM console acts in the middle of runs: the action never deletes or deactivates
 * a key the person made, and every refusal says what to do. The two sequences that once cost a
 * person their key: a run that backs off, and a run killed between creating and marking a key.
 */
import type { ChildProcess } from 'node:child_process'
import { nodeBinaries } from './emulators/runner.js'
import { DAY, startWorld, USER, type World } from './emulators/world.js'

/** The intent marks on the user, one tag per run. */
function intentsOf(world: World): string[] {
  return Object.entries(world.aws.tags(USER)).flatMap(([key, value]) =>
    key.startsWith('rotate-aws-access-keys') ? [value] : []
  )
}

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}

function statusOf(world: World, keyId: string): string | undefined {
  return world.aws.keys(USER).find(k => k.accessKeyId === keyId)?.status
}

/** Every target holds a key that is active, with its own secret. */
function targetsWork(world: World): void {
  for (const repo of world.repos) {
    const held = world.stored(repo)
    const key = world.aws.keys(USER).find(k => k.accessKeyId === held.accessKeyId)
    expect({
      repo,
      status: key?.status,
      paired: key?.secretAccessKey === held.secretAccessKey
    }).toEqual({ repo, status: 'Active', paired: true })
  }
}

/** A run killed after CreateAccessKey and before AWS stored its mark: returns the key it made. */
async function killedBeforeMarking(world: World, runId: string): Promise<string> {
  const before = world.stored().accessKeyId
  let child: ChildProcess | undefined
  const remove = world.aws.intercept(call => {
    if (
      call.action !== 'TagUser' ||
      !/state=pending/.test(call.params['Tags.member.1.Value'] ?? '')
    )
      return undefined
    child?.kill('SIGKILL')
    return { reset: true }
  })
  const killed = await world.run({}, { ...withNode, runId, onSpawn: c => (child = c) })
  remove()
  expect(killed.signal).toBe('SIGKILL')
  const orphan = world.aws.keys(USER).find(k => k.accessKeyId !== before)?.accessKeyId ?? ''
  expect(orphan).not.toBe('')
  expect(intentsOf(world)).toEqual([
    expect.stringMatching(new RegExp(`state=creating .*run=${runId}\\.1`))
  ])
  // The next run comes later: every read shows what the killed run left.
  world.aws.settleReads()
  return orphan
}

/** Every case also runs with IAM's reads one second stale (eventual consistency, FACTS.md). */
const READ_LAGS = [0, 1_000]

describe.each(READ_LAGS)(
  `a person at the console, on ${runner?.name ?? 'node'}, IAM reads %i ms stale`,
  readLagMs => {
    let world: World
    afterEach(() => world.close())

    it('creates a key while a run is about to create its own: the run backs off, removes its intent, and no later run touches the key', async () => {
      world = await startWorld({ readLagMs, repos: ['acme/app', 'acme/api'] })
      let personKey = ''
      const remove = world.aws.intercept(call => {
        if (call.action === 'CreateAccessKey' && !personKey) {
          personKey = world.aws.createAccessKey(USER).accessKeyId
        }
        return undefined
      })
      const backedOff = await world.run({}, { ...withNode, runId: '4001' })
      remove()
      expect(backedOff.code).toBe(0)
      expect(backedOff.stdout).toMatch(
        /::warning::.*appeared after this run looked.*touches no key/
      )
      // The run's intent ended with it: nothing is left that could vouch for the person's key.
      expect(intentsOf(world)).toEqual([])
      expect(statusOf(world, personKey)).toBe('Active')

      // The later runs come later: their reads show the person's key.
      world.aws.settleReads()
      for (const [runId, inputs] of [
        ['4002', {}],
        ['4003', { force: 'true' }]
      ] as const) {
        const later = await world.run(inputs, { ...withNode, runId })
        expect(later.code).toBe(1)
        expect(later.stdout).toMatch(
          /::error::.*did not create.*a person may rely on them.*deactivate and delete them/
        )
        expect(statusOf(world, personKey)).toBe('Active')
        targetsWork(world)
      }
      expect(world.aws.requests.filter(r => r.action === 'DeleteAccessKey')).toHaveLength(0)
      expect(
        world.aws.requests.filter(r => r.action === 'UpdateAccessKey' && r.status === 200)
      ).toHaveLength(0)
    })

    it("a run killed between creating and marking its key: the next run sets the key aside (reversible) and removes the intent; a person's later key is never touched", async () => {
      world = await startWorld({ readLagMs, repos: ['acme/app', 'acme/api'] })
      const orphan = await killedBeforeMarking(world, '4101')

      const next = await world.run({}, { ...withNode, runId: '4102' })
      expect(next.code).toBe(0)
      // Deactivated and marked, not deleted; the log and the summary say how to undo it.
      expect(statusOf(world, orphan)).toBe('Inactive')
      expect(world.aws.tags(USER)[orphan]).toMatch(/state=retired .*orphan=yes/)
      expect(intentsOf(world)).toEqual([])
      expect(next.stdout).toMatch(/::warning::.*make it active again in the IAM console/)
      expect(next.summary).toMatch(/orphan/)
      expect(next.summary).toMatch(/make it active again in the IAM console/)
      expect(next.outputs['deactivated-access-key-ids']).toBe(orphan)
      expect(next.outputs['deleted-access-key-ids']).toBe('')
      targetsWork(world)

      // The person reads the summary, deletes the orphan, and at once creates a key of their own.
      world.aws.deleteKey(orphan)
      const personKey = world.aws.createAccessKey(USER).accessKeyId
      for (const runId of ['4103', '4104']) {
        const later = await world.run({ force: 'true' }, { ...withNode, runId })
        if (readLagMs > 0 && later.code === 0) {
          // Reads a second stale still show the dead run's intent; a second look finds it gone.
          expect(later.stdout).toContain('::warning::Did not set aside')
        } else {
          expect(later.code).toBe(1)
          expect(later.stdout).toMatch(/::error::.*did not create.*a person may rely on them/)
        }
        expect(statusOf(world, personKey)).toBe('Active')
        targetsWork(world)
      }
    })

    it('a CreateAccessKey whose answer was lost: the key AWS made is set aside at once, and the run says how to undo it', async () => {
      world = await startWorld({ readLagMs, repos: ['acme/app'] })
      let made = ''
      const remove = world.aws.intercept(call => {
        if (call.action !== 'CreateAccessKey' || made) return undefined
        // AWS made the key; the connection dropped before the answer arrived.
        made = world.aws.createAccessKey(USER).accessKeyId
        return { reset: true }
      })
      const result = await world.run({ 'request-timeout': '2s' }, { ...withNode, runId: '4301' })
      remove()
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(
        /::error::CreateAccessKey got no answer .* was deactivated and marked a retired orphan.*make it active again in the IAM console/
      )
      expect(statusOf(world, made)).toBe('Inactive')
      expect(world.aws.tags(USER)[made]).toMatch(/state=retired .*orphan=yes/)
      expect(intentsOf(world)).toEqual([])
      expect(world.aws.requests.filter(r => r.action === 'DeleteAccessKey')).toHaveLength(0)
      targetsWork(world)
      // The next run, later, waits for delete-after, saying so, and changes nothing.
      world.aws.settleReads()
      const next = await world.run({}, { ...withNode, runId: '4302' })
      expect(next.code).toBe(0)
      expect(next.stdout).toMatch(/::warning::A rotation is due, but .* holds the second key slot/)
      expect(statusOf(world, made)).toBe('Inactive')
    })

    it("a person makes a retired key active again between the run's look and its delete: the key is left alone", async () => {
      world = await startWorld({ readLagMs, repos: ['acme/app'] })
      const rotated = await world.run({ force: 'true' }, { ...withNode, runId: '4401' })
      const retired = rotated.outputs['deactivated-access-key-ids'] ?? ''
      expect(statusOf(world, retired)).toBe('Inactive')
      world.advance(8 * DAY)
      let lists = 0
      const remove = world.aws.intercept(call => {
        // After the run listed the keys, while it reads their last use, the person acts.
        if (call.action === 'GetAccessKeyLastUsed' && statusOf(world, retired) === 'Inactive') {
          world.aws.setKeyStatus(retired, 'Active')
        }
        if (call.action !== 'ListAccessKeys' || ++lists !== 2) return undefined
        // The re-read right before the delete; with stale reads, once the change can show.
        return readLagMs > 0 ? { delayMs: readLagMs + 200 } : undefined
      })
      const next = await world.run({}, { ...withNode, runId: '4402' })
      remove()
      expect(next.stdout).toContain(
        `Did not delete AKIA…${retired.slice(-4)}: it was made active again after this run looked`
      )
      expect(statusOf(world, retired)).toBe('Active')
      expect(
        world.aws.requests.filter(
          r => r.action === 'DeleteAccessKey' && r.params.AccessKeyId === retired
        )
      ).toEqual([])
    })

    it('an orphan a person makes active again is theirs: refused, never deactivated again', async () => {
      world = await startWorld({ readLagMs, repos: ['acme/app'] })
      const orphan = await killedBeforeMarking(world, '4201')
      await world.run({}, { ...withNode, runId: '4202' })
      expect(statusOf(world, orphan)).toBe('Inactive')
      world.aws.setKeyStatus(orphan, 'Active')
      // The person acts later, and the next run later still: every read shows both.
      world.aws.settleReads()
      const refused = await world.run({}, { ...withNode, runId: '4203' })
      expect(refused.code).toBe(1)
      expect(refused.stdout).toMatch(/::error::.*was set aside by this action .* counts as theirs/)
      expect(statusOf(world, orphan)).toBe('Active')
      targetsWork(world)
    })
  }
)
