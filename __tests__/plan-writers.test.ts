/**
 * Another writer: a target's access key id secret updated (GitHub's updated_at) more than five
 * minutes after this user's key reached every target (its `active` mark's `at`), while no run of
 * the user is writing. The planner warns a person and changes nothing else.
 */
import type { Mark } from '../src/marks.js'
import { plan, type Plan } from '../src/plan.js'
import type { KeyState, SecretWrite, Snapshot } from '../src/snapshot.js'
import { adminCaller, DAY, planSettings, userSnapshot } from './fakes/plan-fixtures.js'

const MIN = 60_000
const NOW = Date.parse('2026-11-22T12:00:00Z')
/** When this user's current key reached every target. */
const WRITTEN = NOW - 2 * DAY
/** A write long after WRITTEN, and long enough ago to judge. */
const LATE = NOW - 60 * MIN
const CURRENT = 'AKIACURRENTKEY000001'
const NEWER = 'AKIANEWERKEY00000002'
const ID_SECRET = 'AWS_ACCESS_KEY_ID'
const run7 = { runId: '7', runAttempt: '1', repository: 'acme/app' }

function key(id: string, ageDays: number, mark?: Mark, status: KeyState['status'] = 'Active') {
  return {
    id,
    status,
    createdAt: NOW - ageDays * DAY,
    lastUsed: undefined,
    mark: mark ? ({ kind: 'ours', mark } as const) : ({ kind: 'none' } as const)
  }
}
const active = (at = WRITTEN, extra: Partial<Mark> = {}): Mark => ({
  state: 'active',
  at,
  previousKeyId: 'AKIAOLDKEY0000000000',
  ...extra
})
const written = (updatedAt: number, target = 'acme/app'): SecretWrite => ({
  target,
  secretName: ID_SECRET,
  updatedAt
})
/** The current key, distributed at WRITTEN, and the targets' write times. */
const withWrites = (writes: SecretWrite[], overrides: Partial<Snapshot> = {}) =>
  userSnapshot([key(CURRENT, 10, active())], { targetWrites: writes, ...overrides })
const otherWriter = (decided: Plan) =>
  (decided.warnings ?? []).filter(warning => warning.startsWith('Another writer'))

describe('another writer of the targets', () => {
  it('is told when a target was written more than five minutes after the key reached every target', () => {
    const late = WRITTEN + 5 * MIN + 1_000
    const decided = plan(withWrites([written(late)]), planSettings, NOW)
    expect(otherWriter(decided)).toEqual([
      `Another writer: GitHub says ${ID_SECRET} in acme/app at 2026-11-20T12:05:01Z was updated after this action wrote AKIA…0001 of IAM user deploy to every target at 2026-11-20T12:00:00Z, and no run of deploy has written since. ` +
        "Another IAM user whose rotation lists the same target, a person or another tool wrote it: the target may hold a key that is not deploy's. " +
        `Check which IAM user each of these targets should belong to and list it in that user's workflow only (README: "One target, one IAM user"). ` +
        "If it belongs to deploy (a person who added a target by copying deploy's key in sees this too), the next rotation of deploy writes its key there again and ends this warning. The rotation itself goes on as planned."
    ])
  })

  it('allows five minutes of clock skew: a write at most that long after the mark is its own', () => {
    for (const updatedAt of [WRITTEN - DAY, WRITTEN, WRITTEN + 5 * MIN]) {
      expect(otherWriter(plan(withWrites([written(updatedAt)]), planSettings, NOW))).toEqual([])
    }
  })

  it('leaves a write of the last five minutes to the next run: another run may have made it', () => {
    // Written after this run listed the keys, or IAM does not show that run's marks yet.
    const recent = plan(withWrites([written(NOW - 5 * MIN + 1_000)]), planSettings, NOW)
    expect(otherWriter(recent)).toEqual([])
    const judged = plan(withWrites([written(NOW - 5 * MIN - 1_000)]), planSettings, NOW)
    expect(otherWriter(judged)).toHaveLength(1)
  })

  it('names only the targets written after the key, each with its time', () => {
    const writes = [
      written(WRITTEN, 'acme/web'),
      written(WRITTEN + 10 * MIN, 'acme/app'),
      written(WRITTEN + DAY, 'org:acme')
    ]
    const [warning] = otherWriter(plan(withWrites(writes), planSettings, NOW))
    expect(warning).toContain(
      `GitHub says ${ID_SECRET} in acme/app at 2026-11-20T12:10:00Z, ${ID_SECRET} in org:acme at 2026-11-21T12:00:00Z were updated after`
    )
    expect(warning).not.toContain('acme/web')
  })

  it('changes no step: a due key still rotates, and the warning joins the others', () => {
    const due = (writes: SecretWrite[]) =>
      userSnapshot([key(CURRENT, 100, active())], { targetWrites: writes })
    const quiet = plan(due([written(WRITTEN)]), planSettings, NOW)
    const told = plan(due([written(LATE)]), planSettings, NOW)
    expect(told.steps).toEqual(quiet.steps)
    expect(told.steps.map(step => step.kind)).toEqual(['rotate', 'deactivate-key'])
    expect(told.notes).toEqual(quiet.notes)
    expect(told.currentKeyId).toBe(CURRENT)
    expect(told.refusal).toBeUndefined()
    expect(told.warnings).toHaveLength(1)
  })

  it('compares with the key the targets hold: the newer of two active keys', () => {
    const settings = { ...planSettings, deactivateAfterMs: 7 * DAY }
    const keys = (newerAt: number) => [
      key(CURRENT, 10, active(NOW - 10 * DAY)),
      key(NEWER, 1, active(newerAt, { previousKeyId: CURRENT }))
    ]
    const writes = { targetWrites: [written(NOW - DAY)], signingKeyId: NEWER }
    const before = plan(userSnapshot(keys(NOW - DAY - MIN), writes), settings, NOW)
    expect(before.currentKeyId).toBe(NEWER)
    expect(otherWriter(before)).toEqual([])
    const after = plan(userSnapshot(keys(NOW - DAY - 6 * MIN), writes), settings, NOW)
    expect(otherWriter(after)).toHaveLength(1)
    expect(otherWriter(after)[0]).toContain('wrote AKIA…0002 of IAM user deploy')
  })

  it('says nothing without an active mark: an unmarked, reactivated or first key has no time', () => {
    const late = { targetWrites: [written(LATE)] }
    const unmarked = plan(userSnapshot([key(CURRENT, 10)], late), planSettings, NOW)
    expect(unmarked.currentKeyId).toBe(CURRENT)
    expect(otherWriter(unmarked)).toEqual([])
    const reactivated = key(CURRENT, 10, { state: 'reactivated', at: WRITTEN })
    expect(otherWriter(plan(userSnapshot([reactivated], late), planSettings, NOW))).toEqual([])
    const first = plan(userSnapshot([], { ...adminCaller, ...late }), planSettings, NOW)
    expect(otherWriter(first)).toEqual([])
  })

  it('says nothing when the targets were not read, or none holds the secret', () => {
    const unread = userSnapshot([key(CURRENT, 10, active())])
    expect(plan(unread, planSettings, NOW).warnings).toBeUndefined()
    expect(plan(withWrites([]), planSettings, NOW).warnings).toBeUndefined()
  })

  describe('while a run of this user may be writing the targets', () => {
    const late = [written(LATE)]
    const pending = (at: number): Mark => ({
      state: 'pending',
      at,
      previousKeyId: CURRENT,
      ...run7
    })

    it('waits for a live run that holds a pending key, and says nothing else', () => {
      const keys = [key(CURRENT, 10, active()), key(NEWER, 0, pending(NOW - MIN))]
      const decided = plan(
        userSnapshot(keys, { targetWrites: late, runs: { '7.1': 'running' } }),
        planSettings,
        NOW
      )
      expect(decided.waiting).toBeDefined()
      expect(decided.warnings).toBeUndefined()
    })

    it('heals a dead run’s split without taking its writes for another writer’s', () => {
      const keys = [key(CURRENT, 10, active()), key(NEWER, 0, pending(NOW - DAY))]
      const snap = { targetWrites: late, runs: { '7.1': 'finished' as const } }
      const abandon = plan(userSnapshot(keys, snap), planSettings, NOW)
      expect(abandon.steps[0]?.kind).toBe('restore')
      expect(abandon.currentKeyId).toBe(CURRENT)
      expect(otherWriter(abandon)).toEqual([])
      const finish = plan(userSnapshot(keys, { ...snap, signingKeyId: NEWER }), planSettings, NOW)
      expect(finish.steps[0]?.kind).toBe('finish-distribution')
      expect(otherWriter(finish)).toEqual([])
    })

    it('says nothing while a deleted key’s pending mark remains: its run may have written', () => {
      const gone = { ...pending(NOW - DAY), previousKeyId: 'AKIAGONEKEY000000003' }
      const decided = plan(
        withWrites(late, {
          staleMarks: [{ keyId: NEWER, mark: gone }],
          runs: { '7.1': 'finished' }
        }),
        planSettings,
        NOW
      )
      expect(decided.steps.map(step => step.kind)).toEqual(['remove-marks'])
      expect(otherWriter(decided)).toEqual([])
    })

    it('says nothing while a lost key is written over', () => {
      const lostMark = { ...pending(NOW - DAY), state: 'active' as const }
      const keys = [key(CURRENT, 10, active()), key(NEWER, 1, lostMark, 'Inactive')]
      const decided = plan(userSnapshot(keys, { targetWrites: late }), planSettings, NOW)
      expect(decided.steps[0]?.kind).toBe('restore')
      expect(otherWriter(decided)).toEqual([])
    })
  })

  it('adds nothing to a refusal', () => {
    const person = key('AKIAPERSONKEY0000009', 1)
    const refused = plan(
      userSnapshot([key(CURRENT, 10, active()), person], { targetWrites: [written(LATE)] }),
      planSettings,
      NOW
    )
    expect(refused.refusal).toBeDefined()
    expect(refused.warnings).toBeUndefined()
  })
})
