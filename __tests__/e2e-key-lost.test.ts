/**
 * A person deactivates or deletes the new key while the run writes it (between a target's two
 * secret writes). The run never deactivates the previous key, the last one that works, exits
 * non-zero, and says what the targets hold: self-rotation writes the previous key back; admin
 * mode cannot, and says how to repair.
 */
import type { ChildProcess } from 'node:child_process'
import {
  adminRole,
  ID_SECRET,
  KEY_SECRET,
  startWorld,
  USER,
  type World
} from './emulators/world.js'

type PersonAct = 'deactivates' | 'deletes'

/** Between the id's PUT and the secret's PUT of the first target, a person acts on the new key. */
function personActsMidPair(world: World, original: string, act: PersonAct): () => void {
  let done = false
  return world.github.intercept(call => {
    if (done || call.route !== 'put-secret' || call.secretName !== KEY_SECRET) return undefined
    done = true
    const created = world.aws.keys(USER).find(k => k.accessKeyId !== original)
    if (!created) return undefined
    if (act === 'deactivates') world.aws.setKeyStatus(created.accessKeyId, 'Inactive')
    else world.aws.deleteKey(created.accessKeyId)
    return undefined
  })
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function label(keyId: string): string {
  return `AKIA…${keyId.slice(-4)}`
}

/** Every case also runs with IAM's reads one second stale (eventual consistency, FACTS.md). */
const READ_LAGS = [0, 1_000]

describe.each(READ_LAGS)('IAM reads %i ms stale', readLagMs => {
  describe.each<PersonAct>(['deactivates', 'deletes'])('a person %s the new key mid-write', act => {
    let world: World
    afterEach(() => world.close())

    it('self-rotation: the previous key stays active and is written back to every target', async () => {
      world = await startWorld({ readLagMs, repos: ['acme/app', 'acme/api'] })
      const original = world.stored()
      personActsMidPair(world, original.accessKeyId, act)
      const result = await world.run({})
      expect(result.code).toBe(1)
      const active = world.aws.keys(USER).filter(k => k.status === 'Active')
      expect(active.map(k => k.accessKeyId)).toEqual([original.accessKeyId])
      for (const repo of world.repos) expect(world.stored(repo)).toEqual(original)
      // The run re-reads signing with the new key, so AWS rejecting it is what it sees.
      expect(result.stdout).toContain(
        `the key this run was writing to the targets, is no longer accepted by AWS (deactivated or deleted) (someone changed it during this run), so ${label(original.accessKeyId)} stays active. This run wrote ${label(original.accessKeyId)} back to every target, so every target works again`
      )
      expect(result.stdout).not.toMatch(/Rotated|marking it distributed failed/)
    })

    it('admin mode: the previous key stays active, and the message names what the targets hold', async () => {
      world = await startWorld({ readLagMs, repos: ['acme/app'], userPath: '/deploy/' })
      const role = adminRole(world)
      const original = world.stored()
      personActsMidPair(world, original.accessKeyId, act)
      const result = await world.run({ 'iam-user-name': USER }, role)
      expect(result.code).toBe(1)
      const keys = world.aws.keys(USER)
      expect(keys.find(k => k.accessKeyId === original.accessKeyId)?.status).toBe('Active')
      const held = world.github.secret('acme/app', ID_SECRET)?.value ?? ''
      const heldKey = keys.find(k => k.accessKeyId === held)
      // The target holds the key the person switched off: the message says exactly that.
      expect(heldKey?.status ?? 'deleted').toBe(act === 'deactivates' ? 'Inactive' : 'deleted')
      // Mid-write IAM's status tells; with reads a second stale, STS does before the deactivation.
      const dead = escapeRegExp(label(held))
      const state = act === 'deactivates' ? 'inactive' : 'deleted'
      expect(result.stdout).toMatch(
        new RegExp(
          `${dead}, the key this run was writing to the targets, is ${state} \\(someone changed it during this run\\), so ${escapeRegExp(label(original.accessKeyId))} stays active\\. 1 of 1 targets hold ${dead}, which no longer works \\(acme/app\\)` +
            (readLagMs > 0
              ? `|${dead}, the key this run relied on, is no longer accepted by AWS \\(deactivated or deleted\\) \\(someone changed it during this run\\), so ${escapeRegExp(label(original.accessKeyId))} stays active\\. Every target holds ${dead}, which no longer works`
              : '')
        )
      )
      expect(result.stdout).toContain('run this workflow again with force: true')

      // The next admin run, later: a deleted key is simply replaced; a switched-off one only with force.
      world.aws.settleReads()
      const next = await world.run({ 'iam-user-name': USER }, { ...role, runId: '1002' })
      if (act === 'deactivates') {
        expect(next.code).toBe(1)
        expect(next.stdout).toContain(
          `Key ${label(held)}, created by run 1001 attempt 1 of acme/app at`
        )
        // With reads a second stale, the first run marked it distributed before STS told.
        expect(next.stdout).toMatch(
          /is inactive (before it reached every target|though every target holds it): the targets that got it cannot sign in\. Changing nothing/
        )
        expect(world.github.secret('acme/app', ID_SECRET)?.value).toBe(held)
      }
      const healing =
        act === 'deactivates'
          ? await world.run({ 'iam-user-name': USER, force: 'true' }, { ...role, runId: '1003' })
          : next
      expect(healing.code).toBe(0)
      expect(healing.outputs.rotated).toBe('true')
      const now = world.github.secret('acme/app', ID_SECRET)?.value ?? ''
      const after = world.aws.keys(USER)
      expect(after.find(k => k.accessKeyId === now)?.status).toBe('Active')
      expect(after.map(k => k.accessKeyId)).not.toContain(held)
      expect(Object.keys(world.aws.tags(USER))).not.toContain(held)
    })
  })

  describe('a person acts on the new key after the run last looked at it', () => {
    let world: World
    afterEach(() => world.close())

    function personActs(act: PersonAct, original: string): void {
      const created = world.aws.keys(USER).find(k => k.accessKeyId !== original)
      if (!created) return
      if (act === 'deactivates') world.aws.setKeyStatus(created.accessKeyId, 'Inactive')
      else world.aws.deleteKey(created.accessKeyId)
    }

    it('deletes it as the last secret is written: the previous key is written back, never "Both keys stay active"', async () => {
      world = await startWorld({ readLagMs, repos: ['acme/app', 'acme/api'] })
      const original = world.stored()
      let pairs = 0
      world.github.intercept(call => {
        if (call.route !== 'put-secret' || call.secretName !== KEY_SECRET) return undefined
        pairs += 1
        if (pairs === world.repos.length) personActs('deletes', original.accessKeyId)
        return undefined
      })
      const result = await world.run({})
      expect(result.code).toBe(1)
      for (const repo of world.repos) expect(world.stored(repo)).toEqual(original)
      expect(result.stdout).toContain(
        `This run wrote ${label(original.accessKeyId)} back to every target, so every target works again`
      )
      expect(result.stdout).not.toMatch(/Both keys stay active|Rotated/)
    })

    it('switches it off right after the previous key was deactivated: the run fails and says how to repair', async () => {
      world = await startWorld({ readLagMs, repos: ['acme/app'] })
      const original = world.stored()
      let deactivated = false
      world.aws.intercept(call => {
        if (deactivated) {
          deactivated = false
          personActs('deactivates', original.accessKeyId)
        }
        const previous = call.params.AccessKeyId === original.accessKeyId
        if (call.action === 'UpdateAccessKey' && previous) deactivated = true
        return undefined
      })
      const result = await world.run({})
      expect(result.code).toBe(1)
      expect(result.summary).toContain('AWS access key rotation: Failed')
      expect(result.stdout).toContain(`Deactivated ${label(original.accessKeyId)}; right after, `)
      expect(result.stdout).toContain('No target has a working key now. To repair:')
    })
  })

  describe.each<PersonAct>(['deactivates', 'deletes'])(
    'a self-rotation stopped mid-write, then a person %s its new key',
    act => {
      let world: World
      afterEach(() => world.close())

      it('the next run, signing with the previous key, writes it back to every target', async () => {
        world = await startWorld({ readLagMs, repos: ['acme/app', 'acme/api'] })
        const original = world.stored()
        // The first run is killed once one target holds the new key and before the other gets it.
        let child: ChildProcess | undefined
        const stopIntercepting = world.github.intercept(call => {
          if (call.route !== 'put-secret') return undefined
          const moved = world.repos.filter(repo => {
            const held = world.stored(repo)
            return (
              held.accessKeyId !== original.accessKeyId &&
              held.secretAccessKey !== original.secretAccessKey
            )
          })
          if (moved.length !== 1) return undefined
          child?.kill('SIGKILL')
          return { status: 503 }
        })
        const first = await world.run({}, { runId: '1001', onSpawn: spawned => (child = spawned) })
        expect(first.signal).toBe('SIGKILL')
        stopIntercepting()
        const created = world.aws.keys(USER).find(k => k.accessKeyId !== original.accessKeyId)
        expect(created).toBeDefined()
        const holding = world.repos.filter(
          repo => world.stored(repo).accessKeyId === created?.accessKeyId
        )
        expect(holding).toHaveLength(1)
        if (act === 'deactivates') world.aws.setKeyStatus(created?.accessKeyId ?? '', 'Inactive')
        else world.aws.deleteKey(created?.accessKeyId ?? '')
        // The next run comes later: its reads show what the person did.
        world.aws.settleReads()

        const unmoved = world.repos.find(repo => !holding.includes(repo))
        const next = await world.run({}, { runId: '1002', repo: unmoved ?? '' })
        expect(next.code).toBe(0)
        expect(next.summary).toContain('Restored: every target holds the working key again')
        for (const repo of world.repos) expect(world.stored(repo)).toEqual(original)
        const tags = world.aws.tags(USER)
        if (act === 'deactivates') {
          expect(tags[created?.accessKeyId ?? '']).toMatch(/state=retired/)
        } else {
          expect(Object.keys(tags)).not.toContain(created?.accessKeyId)
        }
        expect(next.outputs['access-key-id']).toBe(original.accessKeyId)
      })
    }
  )
})
