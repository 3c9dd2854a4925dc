import fc from 'fast-check'
import { writeMark, readMark, type Mark } from '../src/marks.js'
import type { LeakResponse } from '../src/leaks/scan.js'
import { plan, type PlanSettings } from '../src/plan.js'
import { adminCaller, DAY, planSettings, userSnapshot } from './fakes/plan-fixtures.js'
import type { KeyState } from '../src/snapshot.js'

const NOW = Date.parse('2026-11-22T12:00:00Z')
const settings = planSettings
const snapshot = userSnapshot
const admin = adminCaller

function key(
  id: string,
  status: 'Active' | 'Inactive',
  ageDays: number,
  mark?: Omit<Mark, 'at'> & { atDaysAgo: number }
): KeyState {
  return {
    id,
    status,
    createdAt: NOW - ageDays * DAY,
    lastUsed: undefined,
    mark: mark ? readMark(writeMark({ ...mark, at: NOW - mark.atDaysAgo * DAY })) : { kind: 'none' }
  }
}

/** AKIANEW1, created by a run to replace AKIAOLD1 and not yet on every target. */
function pendingKey(
  run: { runId: string; runAttempt?: string; repository?: string },
  ageDays = 0,
  extra: Partial<Pick<Mark, 'smoke'>> = {}
): KeyState {
  return key('AKIANEW1', 'Active', ageDays, {
    state: 'pending',
    previousKeyId: 'AKIAOLD1',
    atDaysAgo: ageDays,
    ...run,
    ...extra
  })
}
const kinds = (p: ReturnType<typeof plan>) =>
  p.steps.map(
    s =>
      `${s.kind}:${'keyId' in s ? s.keyId : 'previousKeyId' in s ? s.previousKeyId : 'tagKeys' in s ? s.tagKeys.join(',') : 'intent'}`
  )

describe('planner', () => {
  it('does nothing while the only key is younger than max-age, and says when it is due', () => {
    const p = plan(snapshot([key('AKIAOLD1', 'Active', 30)]), settings, NOW)
    expect(p.steps).toEqual([])
    expect(p.refusal).toBeUndefined()
    expect(p.notes.join(' ')).toContain('due at 2027-01-21T12:00:00Z')
  })

  it('rotates a key older than max-age and deactivates the previous one at once by default', () => {
    const p = plan(snapshot([key('AKIAOLD1', 'Active', 91)]), settings, NOW)
    expect(kinds(p)).toEqual(['rotate:AKIAOLD1', 'deactivate-key:AKIAOLD1'])
  })

  it('rotates on force or max-age 0 whatever the age', () => {
    const young = snapshot([key('AKIAOLD1', 'Active', 1)])
    expect(kinds(plan(young, { ...settings, force: true }, NOW))).toEqual([
      'rotate:AKIAOLD1',
      'deactivate-key:AKIAOLD1'
    ])
    expect(kinds(plan(young, { ...settings, maxAgeMs: 0 }, NOW))).toEqual([
      'rotate:AKIAOLD1',
      'deactivate-key:AKIAOLD1'
    ])
  })

  it('keeps the previous key active for deactivate-after, then deactivates it', () => {
    const s = { ...settings, deactivateAfterMs: DAY }
    expect(kinds(plan(snapshot([key('AKIAOLD1', 'Active', 91)]), s, NOW))).toEqual([
      'rotate:AKIAOLD1'
    ])
    const twoActive = (markAgeDays: number) =>
      snapshot(
        [
          key('AKIAOLD1', 'Active', 91),
          key('AKIANEW1', 'Active', markAgeDays, {
            state: 'active',
            previousKeyId: 'AKIAOLD1',
            atDaysAgo: markAgeDays
          })
        ],
        { signingKeyId: 'AKIANEW1' }
      )
    const waiting = plan(twoActive(0.5), s, NOW)
    expect(waiting.steps).toEqual([])
    expect(waiting.notes.join(' ')).toMatch(/stays active until/)
    expect(kinds(plan(twoActive(1), s, NOW))).toEqual(['deactivate-key:AKIAOLD1'])
  })

  it('never deactivates the key this run signs with (a run queued before the change)', () => {
    const p = plan(
      snapshot(
        [
          key('AKIAOLD1', 'Active', 91),
          key('AKIANEW1', 'Active', 2, { state: 'active', previousKeyId: 'AKIAOLD1', atDaysAgo: 2 })
        ],
        { signingKeyId: 'AKIAOLD1' }
      ),
      { ...settings, deactivateAfterMs: DAY },
      NOW
    )
    expect(p.steps).toEqual([])
    expect(p.notes.join(' ')).toMatch(/queued before/)
  })

  it('deletes a retired key once delete-after has passed, and keeps it before', () => {
    const retired = (days: number) =>
      key('AKIAOLD1', 'Inactive', 100, { state: 'retired', atDaysAgo: days })
    expect(
      kinds(plan(snapshot([retired(8), key('AKIANEW1', 'Active', 8)]), settings, NOW))
    ).toEqual(['delete-key:AKIAOLD1'])
    const kept = plan(snapshot([retired(3), key('AKIANEW1', 'Active', 3)]), settings, NOW)
    expect(kept.steps).toEqual([])
    expect(kept.notes.join(' ')).toMatch(
      /will be deleted by the first run after 2026-11-26T12:00:00Z/
    )
  })

  it('deletes a key it retired that blocks the slot when a rotation is due, before rotating', () => {
    const retired = key('AKIARET1', 'Inactive', 200, { state: 'retired', atDaysAgo: 2 })
    const p = plan(snapshot([retired, key('AKIAOLD1', 'Active', 91)]), settings, NOW)
    expect(kinds(p)).toEqual(['delete-key:AKIARET1', 'rotate:AKIAOLD1', 'deactivate-key:AKIAOLD1'])
    expect(p.steps[0]).toMatchObject({ reason: expect.stringMatching(/slot/) })
  })

  it("never deletes an inactive key it did not retire, even for a due rotation's slot: it refuses", () => {
    const p = plan(
      snapshot([key('AKIAMAN1', 'Inactive', 200), key('AKIAOLD1', 'Active', 91)]),
      settings,
      NOW
    )
    expect(p.steps).toEqual([])
    expect(p.refusal).toMatch(
      /inactive key this action did not retire, AKIA.?MAN1.*delete it in the IAM console and run again/
    )
  })

  it('keeps an inactive key it did not retire while no rotation needs the slot', () => {
    const p = plan(
      snapshot([key('AKIAMAN1', 'Inactive', 200), key('AKIAOLD1', 'Active', 10)]),
      settings,
      NOW
    )
    expect(p.steps).toEqual([])
    expect(p.notes.join(' ')).toMatch(
      /not created or retired by this action; it is kept \(only a person/
    )
  })

  it('refuses active keys it did not create beyond the one in use, naming them', () => {
    const p = plan(
      snapshot([key('AKIAOLD1', 'Active', 91), key('AKIAPERSON12', 'Active', 5)]),
      settings,
      NOW
    )
    expect(p.steps).toEqual([])
    expect(p.refusal).toMatch(/AKIA…ON12/)
  })

  it('refuses in admin mode when two unmarked keys are active', () => {
    const p = plan(
      snapshot([key('AKIAOLD1', 'Active', 91), key('AKIAOLD2', 'Active', 5)], admin),
      settings,
      NOW
    )
    expect(p.refusal).toMatch(/did not create/)
  })

  it('rotates in admin mode a single unmarked key', () => {
    const p = plan(snapshot([key('AKIAOLD1', 'Active', 91)], admin), settings, NOW)
    expect(kinds(p)).toEqual(['rotate:AKIAOLD1', 'deactivate-key:AKIAOLD1'])
  })

  it('refuses the root user and a wrong account', () => {
    const root = snapshot([key('AKIAROOT', 'Active', 91)], {
      caller: {
        arn: 'arn:aws:iam::123456789012:root',
        accountId: '123456789012',
        kind: 'root',
        userName: undefined
      }
    })
    expect(plan(root, settings, NOW).refusal).toMatch(/root/)
    const other = plan(
      snapshot([key('AKIAOLD1', 'Active', 91)]),
      { ...settings, expectedAccountId: '999999999999' },
      NOW
    )
    expect(other.refusal).toMatch(/not 999999999999/)
  })

  it('refuses a user with no active key', () => {
    expect(plan(snapshot([key('AKIAOLD1', 'Inactive', 91)], admin), settings, NOW).refusal).toMatch(
      /no active access key/
    )
  })

  it('finishes a half-distributed key when this run signs with it', () => {
    const p = plan(
      snapshot([key('AKIAOLD1', 'Active', 91), pendingKey({ runId: '7', runAttempt: '1' })], {
        signingKeyId: 'AKIANEW1',
        runs: { '7.1': 'finished' }
      }),
      settings,
      NOW
    )
    expect(kinds(p)).toEqual(['finish-distribution:AKIANEW1', 'deactivate-key:AKIAOLD1'])
  })

  /** A key left pending by run 8 (finished), while this run signs with the previous key. */
  const halfDistributed = (previousAgeDays: number) =>
    snapshot([key('AKIAOLD1', 'Active', previousAgeDays), pendingKey({ runId: '8' })], {
      signingKeyId: 'AKIAOLD1',
      runs: { '8.1': 'finished' }
    })

  it('writes the previous key back and deletes a half-distributed key when this run signs with the previous key', () => {
    const p = plan(halfDistributed(91), settings, NOW)
    expect(kinds(p)).toEqual([
      'restore:AKIAOLD1',
      'delete-key:AKIANEW1',
      'rotate:AKIAOLD1',
      'deactivate-key:AKIAOLD1'
    ])
  })

  it('finishes an interrupted forced rotation afresh, though the previous key is young', () => {
    expect(kinds(plan(halfDistributed(5), settings, NOW))).toContain('rotate:AKIAOLD1')
  })

  it('refuses to touch a half-distributed key in admin mode', () => {
    const p = plan(
      snapshot([key('AKIAOLD1', 'Active', 91), pendingKey({ runId: '8' })], {
        ...admin,
        runs: { '8.1': 'finished' }
      }),
      settings,
      NOW
    )
    expect(p.refusal).toMatch(/not yet written to every target/)
  })

  describe('an intent mark and the key it may pin (orphans)', () => {
    const INTENT_AT = NOW - 60_000
    const INTENT_KEY = 'rotate-aws-access-keys:intent:9.1.0000abcd'
    const intentOf = (previousKeyId: string | undefined = 'AKIAOLD1') => {
      const value = writeMark({
        state: 'creating',
        at: INTENT_AT,
        runId: '9',
        runAttempt: '1',
        repository: 'acme/app',
        ...(previousKeyId ? { previousKeyId } : {})
      })
      const mark = readMark(value)
      return {
        intents: mark.kind === 'ours' ? [{ tagKey: INTENT_KEY, value, mark: mark.mark }] : []
      }
    }
    const dead = { ...intentOf(), runs: { '9.1': 'finished' as const } }
    const made = (id: string, msAfterIntent: number, extra: Partial<KeyState> = {}): KeyState => ({
      ...key(id, 'Active', 0),
      createdAt: INTENT_AT + msAfterIntent,
      ...extra
    })
    const old = key('AKIAOLD1', 'Active', 91)

    it("sets a dead run's orphan aside (deactivate, mark), removes the intent, and says how to undo it", () => {
      const p = plan(snapshot([old, made('AKIAORPH', 2_000)], dead), settings, NOW)
      expect(p.refusal).toBeUndefined()
      expect(kinds(p)).toEqual(['retire-orphan:AKIAORPH', 'clear-intent:intent'])
      expect(p.steps[0]).toMatchObject({ reason: expect.stringMatching(/run 9 attempt 1/) })
      expect(p.steps[1]).toEqual({
        kind: 'clear-intent',
        tagKey: INTENT_KEY,
        value: dead.intents[0]?.value
      })
      const warnings = (p.warnings ?? []).join(' ')
      expect(warnings).toMatch(/AKIA.?ORPH .*make it active again in the IAM console/)
      // It holds the slot until delete-after: no rotation, and a warning that says so.
      expect(warnings).toMatch(/No rotation starts until then/)
    })

    it('deletes a set-aside orphan only once delete-after has passed, never earlier for a slot', () => {
      const orphan = (days: number) =>
        key('AKIAORPH', 'Inactive', days, { state: 'retired', atDaysAgo: days, orphan: true })
      expect(kinds(plan(snapshot([old, orphan(3)]), settings, NOW))).toEqual([])
      expect(kinds(plan(snapshot([old, orphan(8)]), settings, NOW))).toEqual([
        'delete-key:AKIAORPH',
        'rotate:AKIAOLD1',
        'deactivate-key:AKIAOLD1'
      ])
      // A first key: the other retired key gives up its slot, the orphan stays.
      const retired = key('AKIARET1', 'Inactive', 50, { state: 'retired', atDaysAgo: 1 })
      expect(kinds(plan(snapshot([orphan(3), retired], admin), settings, NOW))).toEqual([
        'delete-key:AKIARET1',
        'rotate:undefined'
      ])
      expect(kinds(plan(snapshot([retired, orphan(3)], admin), settings, NOW))).toEqual([
        'delete-key:AKIARET1',
        'rotate:undefined'
      ])
    })

    it("never reactivates an orphan, and counts one made active again as a person's key", () => {
      const orphan = key('AKIAORPH', 'Inactive', 1, {
        state: 'retired',
        atDaysAgo: 1,
        orphan: true
      })
      const again = plan(snapshot([old, orphan]), { ...settings, reactivatePrevious: true }, NOW)
      expect(again.refusal).toMatch(/no key that this action retired/)
      const reclaimed: KeyState = { ...orphan, status: 'Active' }
      const p = plan(snapshot([old, reclaimed], { signingKeyId: 'AKIAOLD1' }), settings, NOW)
      expect(p.steps).toEqual([])
      expect(p.refusal).toMatch(/AKIA.?ORPH was set aside .* counts as theirs/)
    })

    it('waits while the run that wrote the intent may still be creating its key', () => {
      const live = { ...intentOf(), runs: { '9.1': 'running' as const } }
      const withKey = plan(snapshot([old, made('AKIAORPH', 2_000)], live), settings, NOW)
      expect(withKey.steps).toEqual([])
      expect(withKey.waiting).toMatch(/run 9 attempt 1/)
      const withoutKey = plan(snapshot([old], live), settings, NOW)
      expect(withoutKey.waiting).toMatch(
        /intent mark on the user says run 9 attempt 1.* is creating a new key/
      )
    })

    it("removes a dead run's intent that pins no key, then decides as usual", () => {
      const p = plan(snapshot([old], dead), settings, NOW)
      expect(kinds(p)).toEqual([
        'clear-intent:intent',
        'rotate:AKIAOLD1',
        'deactivate-key:AKIAOLD1'
      ])
    })

    it('pins only a key created within one request of the intent (request-timeout, not minutes)', () => {
      // 30 s request-timeout: the lead (5 s), connecting (5 s), the request (30 s), skew (5 s).
      const at = (ms: number, s2 = settings) =>
        kinds(plan(snapshot([old, made('AKIANEW2', ms)], dead), s2, NOW))[0]
      expect(at(44_000)).toBe('retire-orphan:AKIANEW2')
      expect(at(-4_000)).toBe('retire-orphan:AKIANEW2')
      expect(at(46_000)).toBe(undefined)
      expect(at(-6_000)).toBe(undefined)
      expect(at(30_000, { ...settings, requestTimeoutMs: 5_000 })).toBe(undefined)
      expect(at(19_000, { ...settings, requestTimeoutMs: 5_000 })).toBe('retire-orphan:AKIANEW2')
    })

    it("refuses a person's key in the window: used, inactive, or one of two", () => {
      const used = made('AKIANEW2', 1_000, {
        lastUsed: { at: NOW - 1_000, service: 's3', region: 'us-east-1' }
      })
      const usedPlan = plan(snapshot([old, used], dead), settings, NOW)
      expect(kinds(usedPlan)).toEqual([])
      expect(usedPlan.refusal).toMatch(/did not create .*AKIA.?NEW2/)
      const inactive = made('AKIANEW2', 1_000, { status: 'Inactive' })
      expect(kinds(plan(snapshot([old, inactive], dead), settings, NOW))).not.toContain(
        'retire-orphan:AKIANEW2'
      )
      // A first key in admin mode: the run's key and a person's, both in the window.
      const two = plan(
        snapshot([made('AKIANEW2', 1_000), made('AKIANEW3', 2_000)], {
          ...admin,
          ...intentOf(undefined),
          runs: { '9.1': 'finished' }
        }),
        settings,
        NOW
      )
      expect(two.steps).toEqual([])
      expect(two.refusal).toMatch(/not created by this action|did not create/)
    })

    it('never pins the key this run signs with, nor the key the intent replaces', () => {
      // A person's key, made in the window and given to this workflow: the run signs with it.
      const retired = key('AKIAOLD1', 'Inactive', 91, { state: 'retired', atDaysAgo: 1 })
      const signing = plan(
        snapshot([retired, made('AKIASIGN', 1_000)], { ...dead, signingKeyId: 'AKIASIGN' }),
        settings,
        NOW
      )
      expect(signing.refusal).toBeUndefined()
      expect(kinds(signing)).toEqual(['clear-intent:intent'])
      // A young key forced into rotation: its own age puts it in the window.
      const young = made('AKIAOLD1', -1_000)
      const forced = plan(
        snapshot([young], { ...admin, ...dead }),
        { ...settings, force: true },
        NOW
      )
      expect(kinds(forced)).toEqual([
        'clear-intent:intent',
        'rotate:AKIAOLD1',
        'deactivate-key:AKIAOLD1'
      ])
    })
  })

  it('warns before deactivating a previous key that was used after the new one was distributed', () => {
    const older: KeyState = {
      ...key('AKIAOLD1', 'Active', 91),
      lastUsed: { at: NOW - DAY, service: 's3', region: 'eu-west-1' }
    }
    const newer = key('AKIANEW1', 'Active', 2, {
      state: 'active',
      previousKeyId: 'AKIAOLD1',
      atDaysAgo: 2
    })
    const p = plan(
      snapshot([older, newer], { signingKeyId: 'AKIANEW1' }),
      { ...settings, deactivateAfterMs: DAY },
      NOW
    )
    expect(p.steps).toEqual([
      expect.objectContaining({
        kind: 'deactivate-key',
        warning: expect.stringMatching(/s3, eu-west-1/)
      })
    ])
    const unused = plan(
      snapshot(
        [{ ...older, lastUsed: { at: NOW - 3 * DAY, service: 's3', region: 'eu-west-1' } }, newer],
        { signingKeyId: 'AKIANEW1' }
      ),
      { ...settings, deactivateAfterMs: DAY },
      NOW
    )
    expect(unused.steps[0]).not.toHaveProperty('warning')
  })

  it('deletes a previous key that a killed run deactivated but never marked retired, after delete-after', () => {
    const newer = key('AKIANEW1', 'Active', 8, {
      state: 'active',
      previousKeyId: 'AKIAOLD1',
      atDaysAgo: 8
    })
    const p = plan(snapshot([key('AKIAOLD1', 'Inactive', 100), newer]), settings, NOW)
    expect(kinds(p)).toEqual(['delete-key:AKIAOLD1'])
  })

  it('removes marks whose keys were deleted', () => {
    const p = plan(
      snapshot([key('AKIAOLD1', 'Active', 10)], {
        staleMarks: [{ keyId: 'AKIAGONE', mark: { state: 'retired', at: NOW - DAY } }]
      }),
      settings,
      NOW
    )
    expect(kinds(p)).toEqual(['remove-marks:AKIAGONE'])
  })

  describe('a pending key of another run', () => {
    const pendingOf = (runId: string, runAttempt: string, minutesAgo: number) =>
      snapshot(
        [
          key('AKIAOLD1', 'Active', 91),
          {
            ...key('AKIANEW1', 'Active', 0, {
              state: 'pending',
              previousKeyId: 'AKIAOLD1',
              atDaysAgo: 0,
              runId,
              runAttempt,
              repository: 'acme/app'
            }),
            mark: readMark(
              writeMark({
                state: 'pending',
                previousKeyId: 'AKIAOLD1',
                at: NOW - minutesAgo * 60_000,
                runId,
                runAttempt,
                repository: 'acme/app'
              })
            )
          }
        ],
        { signingKeyId: 'AKIAOLD1' }
      )

    it('is left alone while GitHub shows its run in progress, even with force', () => {
      const snap = { ...pendingOf('77', '1', 1), runs: { '77.1': 'running' as const } }
      const p = plan(snap, { ...settings, force: true }, NOW)
      expect(p.steps).toEqual([])
      expect(p.refusal).toBeUndefined()
      expect(p.waiting).toMatch(
        /AKIANEW1 is being rotated by run 77 attempt 1 of acme\/app, which GitHub shows in progress/
      )
    })

    it('is cleaned up at once when GitHub shows its run completed', () => {
      const snap = { ...pendingOf('77', '1', 1), runs: { '77.1': 'finished' as const } }
      expect(kinds(plan(snap, settings, NOW))[0]).toBe('restore:AKIAOLD1')
    })

    it('is cleaned up at once when it is from an earlier attempt of this run (a re-run)', () => {
      const p = plan(
        pendingOf('500', '1', 1),
        { ...settings, run: { ...settings.run, attempt: '2' } },
        NOW
      )
      expect(kinds(p)[0]).toBe('restore:AKIAOLD1')
    })

    it('waits for a parallel job of the same run attempt until the lease passes', () => {
      expect(plan(pendingOf('500', '1', 1), settings, NOW).waiting).toMatch(/parallel job/)
      expect(kinds(plan(pendingOf('500', '1', 60), settings, NOW))[0]).toBe('restore:AKIAOLD1')
    })

    it('waits while GitHub cannot tell and the mark is younger than the lease, then cleans up', () => {
      expect(plan(pendingOf('88', '1', 5), settings, NOW).waiting).toMatch(
        /GitHub does not say whether it is still going; it may hold the key until/
      )
      expect(kinds(plan(pendingOf('88', '1', 33), settings, NOW))[0]).toBe('restore:AKIAOLD1')
    })

    it('while GitHub shows its run in progress a mark is waited for, past the lease too', () => {
      const running = (minutes: number) => ({
        ...pendingOf('77', '1', minutes),
        runs: { '77.1': 'running' as const }
      })
      expect(plan(running(31), settings, NOW).waiting).toMatch(/in progress/)
      expect(plan(running(33), settings, NOW).waiting).toMatch(/in progress/)
    })
  })

  describe('reactivation', () => {
    const current = (daysAgo: number) =>
      key('AKIANEW1', 'Active', daysAgo, {
        state: 'active',
        previousKeyId: 'AKIAOLD1',
        atDaysAgo: daysAgo
      })
    const retired = (
      status: 'Active' | 'Inactive',
      state: 'retired' | 'reactivated',
      atDaysAgo: number,
      lastUsedDaysAgo?: number
    ): KeyState => ({
      ...key('AKIAOLD1', status, 200, { state, atDaysAgo }),
      ...(lastUsedDaysAgo !== undefined
        ? { lastUsed: { at: NOW - lastUsedDaysAgo * DAY, service: 's3', region: 'eu-west-1' } }
        : {})
    })
    const ask = { ...settings, reactivatePrevious: true }

    it('reactivate-previous makes the most recently retired key active again and nothing else', () => {
      const older: KeyState = {
        ...key('AKIAOLDER', 'Inactive', 200, { state: 'retired', atDaysAgo: 5 })
      }
      const p = plan(
        snapshot([older, retired('Inactive', 'retired', 2), current(2)], {
          signingKeyId: 'AKIANEW1'
        }),
        ask,
        NOW
      )
      expect(kinds(p)).toEqual(['reactivate-key:AKIAOLD1'])
      expect(p.currentKeyId).toBe('AKIANEW1')
      expect(p.notes.join(' ')).toMatch(/every target keeps AKIANEW1/)
    })

    it('reactivate-previous counts a key our active key replaced as retired, even unmarked', () => {
      const p = plan(
        snapshot([key('AKIAOLD1', 'Inactive', 100), current(2)], { signingKeyId: 'AKIANEW1' }),
        ask,
        NOW
      )
      expect(kinds(p)).toEqual(['reactivate-key:AKIAOLD1'])
    })

    it('reactivate-previous refuses when nothing was retired, naming why', () => {
      const none = plan(snapshot([key('AKIANEW1', 'Active', 2)]), ask, NOW)
      expect(none.steps).toEqual([])
      expect(none.refusal).toMatch(
        /reactivate-previous: IAM user deploy has no key that this action retired/
      )
      const personal = plan(
        snapshot([key('AKIAPERS', 'Inactive', 50), key('AKIANEW1', 'Active', 2)]),
        ask,
        NOW
      )
      expect(personal.refusal).toMatch(/no key that this action retired/)
    })

    it('reactivate-previous refuses while the previous key is still active, and while a key is half-distributed', () => {
      const both = plan(
        snapshot([key('AKIAOLD1', 'Active', 100), current(0)], { signingKeyId: 'AKIANEW1' }),
        { ...ask, deactivateAfterMs: DAY },
        NOW
      )
      expect(both.refusal).toMatch(/already has two active keys .* nothing to reactivate/)
      const pending = plan(
        snapshot(
          [
            retired('Inactive', 'retired', 1),
            pendingKey({ runId: '77', runAttempt: '1', repository: 'acme/app' }, 1)
          ],
          { runs: { '77.1': 'finished' } }
        ),
        ask,
        NOW
      )
      expect(pending.refusal).toMatch(/still being distributed by run 77/)
      // A run killed while writing leaves both keys active: finish that rotation first.
      const interrupted = plan(
        snapshot(
          [
            key('AKIAOLD1', 'Active', 100),
            pendingKey({ runId: '77', runAttempt: '1', repository: 'acme/app' }, 1)
          ],
          { runs: { '77.1': 'finished' } }
        ),
        ask,
        NOW
      )
      expect(interrupted.refusal).toMatch(
        /AKIANEW1 is still being distributed by run 77.*Run once without reactivate-previous/
      )
    })

    it('reactivate-previous asked again is a no-op, not a refusal', () => {
      const p = plan(
        snapshot([retired('Active', 'reactivated', 0), current(2)], { signingKeyId: 'AKIANEW1' }),
        ask,
        NOW
      )
      expect(p.refusal).toBeUndefined()
      expect(p.steps).toEqual([])
      expect(p.notes.join(' ')).toMatch(/already active again/)
    })

    it('recognises a retired key reactivated by hand and records when it was found', () => {
      const p = plan(
        snapshot([retired('Active', 'retired', 3), current(5)], { signingKeyId: 'AKIANEW1' }),
        settings,
        NOW
      )
      expect(p.refusal).toBeUndefined()
      expect(kinds(p)).toEqual(['mark-reactivated:AKIAOLD1'])
      expect(p.notes.join(' ')).toMatch(/reactivated by hand/)
    })

    it('keeps a reactivated key that is still used and warns with the service and region', () => {
      const p = plan(
        snapshot([retired('Active', 'reactivated', 3, 0.1), current(5)], {
          signingKeyId: 'AKIANEW1'
        }),
        settings,
        NOW
      )
      expect(p.steps).toEqual([])
      expect(p.warnings?.join(' ')).toMatch(
        /used at .* by s3 in eu-west-1: something still uses it/
      )
    })

    it('deactivates a reactivated key once unused for the quiet period (deactivate-after, at least a day)', () => {
      const at = (reactivatedDaysAgo: number, usedDaysAgo?: number, deactivateAfterDays = 0) =>
        plan(
          snapshot(
            [retired('Active', 'reactivated', reactivatedDaysAgo, usedDaysAgo), current(10)],
            { signingKeyId: 'AKIANEW1' }
          ),
          { ...settings, deactivateAfterMs: deactivateAfterDays * DAY },
          NOW
        )
      expect(kinds(at(0.5))).toEqual([])
      expect(at(0.5).notes.join(' ')).toMatch(/deactivates it unless it is used/)
      expect(kinds(at(1))).toEqual(['deactivate-key:AKIAOLD1'])
      expect(kinds(at(2, undefined, 3))).toEqual([])
      expect(kinds(at(3, undefined, 3))).toEqual(['deactivate-key:AKIAOLD1'])
      // Used after the reactivation: the quiet period counts from the last use.
      expect(kinds(at(5, 0.5))).toEqual([])
      expect(kinds(at(5, 1.5))).toEqual(['deactivate-key:AKIAOLD1'])
      // A use before the reactivation does not count.
      expect(kinds(at(2, 3))).toEqual(['deactivate-key:AKIAOLD1'])
    })

    it('says plainly that no rotation starts while a reactivated key is active', () => {
      const p = plan(
        snapshot([retired('Active', 'reactivated', 0.2), current(100)], {
          signingKeyId: 'AKIANEW1'
        }),
        { ...settings, force: true },
        NOW
      )
      expect(p.refusal).toBeUndefined()
      expect(p.steps.some(step => step.kind === 'rotate')).toBe(false)
      expect(p.notes.join(' ')).toMatch(/No rotation can start while AKIAOLD1 is active again/)
    })

    it('never deactivates a reactivated key this run signs with', () => {
      const p = plan(
        snapshot([retired('Active', 'reactivated', 5), current(10)], { signingKeyId: 'AKIAOLD1' }),
        settings,
        NOW
      )
      expect(p.steps).toEqual([])
    })

    it('deletes a reactivated key a person deactivated again, delete-after from the reactivation', () => {
      const p = (daysAgo: number) =>
        plan(
          snapshot([retired('Inactive', 'reactivated', daysAgo), current(30)], {
            signingKeyId: 'AKIANEW1'
          }),
          settings,
          NOW
        )
      expect(kinds(p(6))).toEqual([])
      expect(kinds(p(8))).toEqual(['delete-key:AKIAOLD1'])
    })
  })

  it('tells which of two keys created in the same second is newer from the marks, not the ids', () => {
    // CreateDate has whole seconds: AKIAZZZ1 replaced AKIAAAA1 within one.
    const older = key('AKIAZZZ1', 'Active', 1, { state: 'retired', atDaysAgo: 0.5 })
    const newer = key('AKIAAAA1', 'Active', 1, {
      state: 'active',
      previousKeyId: 'AKIAZZZ1',
      atDaysAgo: 1
    })
    const p = plan(snapshot([newer, older], { signingKeyId: 'AKIAAAA1' }), settings, NOW)
    expect(p.currentKeyId).toBe('AKIAAAA1')
    expect(p.notes.join(' ')).toMatch(/AKIAZZZ1 was retired by this action and is active again/)
    const unmarkedOlder = plan(
      snapshot(
        [
          key('AKIAAAA1', 'Active', 1, {
            state: 'active',
            previousKeyId: 'AKIAZZZ1',
            atDaysAgo: 0.5
          }),
          key('AKIAZZZ1', 'Active', 1)
        ],
        {
          signingKeyId: 'AKIAAAA1'
        }
      ),
      settings,
      NOW
    )
    expect(kinds(unmarkedOlder)).toEqual(['deactivate-key:AKIAZZZ1'])
  })

  describe('the smoke gate', () => {
    const gated = {
      ...settings,
      smokeWorkflow: { repository: 'acme/app', file: 'smoke.yml', ref: undefined }
    }
    const distributed = (smoke: Mark['smoke'], atDaysAgo = 0.1) =>
      key('AKIANEW1', 'Active', 1, {
        state: 'active',
        previousKeyId: 'AKIAOLD1',
        atDaysAgo,
        ...(smoke ? { smoke } : {})
      })

    it('runs between distributing and deactivating, and the rotation marks the gate due', () => {
      const p = plan(snapshot([key('AKIAOLD1', 'Active', 100)]), gated, NOW)
      expect(kinds(p)).toEqual([
        'rotate:AKIAOLD1',
        'smoke-test:undefined',
        'deactivate-key:AKIAOLD1'
      ])
      expect(p.steps[0]).toMatchObject({ gated: true })
      expect(p.notes.join(' ')).toMatch(/deactivated only if it passes/)
      const without = plan(snapshot([key('AKIAOLD1', 'Active', 100)]), settings, NOW)
      expect(kinds(without)).toEqual(['rotate:AKIAOLD1', 'deactivate-key:AKIAOLD1'])
      expect(without.steps[0]).toMatchObject({ gated: false })
    })

    it('runs right after distribution even when deactivate-after keeps the previous key', () => {
      const p = plan(
        snapshot([key('AKIAOLD1', 'Active', 100)]),
        { ...gated, deactivateAfterMs: DAY },
        NOW
      )
      expect(kinds(p)).toEqual(['rotate:AKIAOLD1', 'smoke-test:undefined'])
    })

    it('a later run retries a failed or unrun gate instead of rotating, then deactivates', () => {
      for (const state of ['failed', 'due'] as const) {
        const p = plan(
          snapshot([key('AKIAOLD1', 'Active', 100), distributed(state, 3)], {
            signingKeyId: 'AKIANEW1'
          }),
          { ...gated, force: true },
          NOW
        )
        expect(kinds(p)).toEqual(['smoke-test:AKIANEW1', 'deactivate-key:AKIAOLD1'])
        expect(p.steps[0]).toMatchObject({ distributedAt: NOW - 3 * DAY })
        expect(p.notes.join(' ')).toMatch(state === 'failed' ? /did not pass/ : /has not run yet/)
      }
    })

    it('retries the gate but keeps the previous key while deactivate-after runs', () => {
      const p = plan(
        snapshot([key('AKIAOLD1', 'Active', 100), distributed('failed', 0.5)], {
          signingKeyId: 'AKIANEW1'
        }),
        { ...gated, deactivateAfterMs: DAY },
        NOW
      )
      expect(kinds(p)).toEqual(['smoke-test:AKIANEW1'])
    })

    it('a passed gate (no smoke field) needs no further run of it', () => {
      const p = plan(
        snapshot([key('AKIAOLD1', 'Active', 100), distributed(undefined, 2)], {
          signingKeyId: 'AKIANEW1'
        }),
        { ...gated, deactivateAfterMs: DAY },
        NOW
      )
      expect(kinds(p)).toEqual(['deactivate-key:AKIAOLD1'])
    })

    it('never skips a gate that has not passed: a run without smoke-workflow refuses, keeping the previous key', () => {
      for (const state of ['failed', 'due'] as const) {
        const p = plan(
          snapshot([key('AKIAOLD1', 'Active', 100), distributed(state, 3)], {
            signingKeyId: 'AKIANEW1'
          }),
          { ...settings, force: true },
          NOW
        )
        expect(p.steps).toEqual([])
        expect(p.refusal).toMatch(
          new RegExp(
            `smoke=${state}.*this run has no smoke-workflow. Changing nothing: AKIAOLD1 stays active.*IAM console`
          )
        )
      }
    })

    it('waits for a run that may still be waiting for its smoke run, and takes over once it is gone', () => {
      const due = (runs: Record<string, 'running' | 'finished'>, atDaysAgo: number) =>
        plan(
          snapshot(
            [
              key('AKIAOLD1', 'Active', 100),
              key('AKIANEW1', 'Active', 1, {
                state: 'active',
                previousKeyId: 'AKIAOLD1',
                atDaysAgo,
                smoke: 'due',
                runId: '9',
                runAttempt: '1',
                repository: 'acme/app'
              })
            ],
            { signingKeyId: 'AKIANEW1', runs }
          ),
          gated,
          NOW
        )
      // 40 minutes after distribution: past the rotation lease (2m + 30m), within it plus the
      // longest smoke-timeout (6h), which is all this run can assume of the other run's.
      const live = due({ '9.1': 'running' }, 40 / 1440)
      expect(live.waiting).toMatch(/run 9 attempt 1 of acme\/app, which GitHub shows in progress/)
      expect(live.steps).toEqual([])
      expect(kinds(due({ '9.1': 'finished' }, 40 / 1440))).toEqual([
        'smoke-test:AKIANEW1',
        'deactivate-key:AKIAOLD1'
      ])
      expect(due({ '9.1': 'running' }, (6 * 60) / 1440).waiting).toBeDefined()
      // GitHub's word beats any clock; without it, past verify-timeout + 30 minutes + 6 hours
      // the holder counts as gone.
      expect(due({ '9.1': 'running' }, (6 * 60 + 33) / 1440).waiting).toBeDefined()
      expect(kinds(due({}, (6 * 60 + 33) / 1440))).toEqual([
        'smoke-test:AKIANEW1',
        'deactivate-key:AKIAOLD1'
      ])
    })

    it('refuses to finish a gated half-distributed key without smoke-workflow', () => {
      const p = plan(
        snapshot(
          [
            key('AKIAOLD1', 'Active', 100),
            pendingKey({ runId: '7', runAttempt: '1' }, 0.01, { smoke: 'due' })
          ],
          { signingKeyId: 'AKIANEW1', runs: { '7.1': 'finished' } }
        ),
        settings,
        NOW
      )
      expect(p.steps).toEqual([])
      expect(p.refusal).toMatch(/smoke=due\), and this run has no smoke-workflow/)
    })

    it('does not count a key deactivated by hand after a failed gate as retired by the action', () => {
      const p = plan(
        snapshot([key('AKIAOLD1', 'Inactive', 100), distributed('failed', 10)], {
          signingKeyId: 'AKIANEW1'
        }),
        settings,
        NOW
      )
      expect(kinds(p)).toEqual([])
      expect(p.notes.join(' ')).toMatch(
        /AKIAOLD1 was not retired by this action; it is kept until a rotation needs its slot/
      )
    })

    it('gates a half-distributed key this run finishes, but never a first key', () => {
      const pending = pendingKey({ runId: '7', runAttempt: '1' }, 0.01)
      const p = plan(
        snapshot([key('AKIAOLD1', 'Active', 100), pending], {
          signingKeyId: 'AKIANEW1',
          runs: { '7.1': 'finished' }
        }),
        gated,
        NOW
      )
      expect(kinds(p)).toEqual([
        'finish-distribution:AKIANEW1',
        'smoke-test:AKIANEW1',
        'deactivate-key:AKIAOLD1'
      ])
      const first = plan(snapshot([], admin), gated, NOW)
      expect(kinds(first)).toEqual(['rotate:undefined'])
      expect(first.notes.join(' ')).toMatch(/smoke workflow is not run/)
    })

    it('marks round-trip the gate state, and refuse an unknown one', () => {
      const text = writeMark({
        state: 'active',
        at: NOW,
        previousKeyId: 'AKIAOLD1',
        smoke: 'failed'
      })
      expect(text).toContain('smoke=failed')
      expect(readMark(text)).toMatchObject({ kind: 'ours', mark: { smoke: 'failed' } })
      expect(readMark(text.replace('smoke=failed', 'smoke=maybe'))).toMatchObject({
        kind: 'unreadable'
      })
    })
  })

  describe('a first key (bootstrap, admin mode)', () => {
    const retired = (id: string, retiredDaysAgo: number) =>
      key(id, 'Inactive', 200, { state: 'retired', atDaysAgo: retiredDaysAgo })

    it('creates the first key of a user with no key, deactivating nothing', () => {
      const p = plan(snapshot([], admin), settings, NOW)
      expect(p.refusal).toBeUndefined()
      expect(kinds(p)).toEqual(['rotate:undefined'])
      expect(p.notes.join(' ')).toMatch(/creates its first key/)
    })

    it('creates it beside a key this action retired, and keeps that one until delete-after', () => {
      const p = plan(snapshot([retired('AKIAOLD1', 2)], admin), settings, NOW)
      expect(kinds(p)).toEqual(['rotate:undefined'])
      expect(p.notes.join(' ')).toMatch(/AKIAOLD1 will be deleted by the first run after/)
    })

    it('frees a slot among two retired keys by deleting the older, or any past delete-after', () => {
      expect(
        kinds(
          plan(snapshot([retired('AKIAOLD1', 3), retired('AKIAOLD2', 1)], admin), settings, NOW)
        )
      ).toEqual(['delete-key:AKIAOLD1', 'rotate:undefined'])
      expect(kinds(plan(snapshot([retired('AKIAOLD1', 10)], admin), settings, NOW))).toEqual([
        'delete-key:AKIAOLD1',
        'rotate:undefined'
      ])
    })

    it('refuses when an inactive key was switched off by someone else', () => {
      const p = plan(snapshot([key('AKIAPERS', 'Inactive', 50)], admin), settings, NOW)
      expect(p.steps).toEqual([])
      expect(p.refusal).toMatch(/deactivated by someone other than this action/)
    })

    it('says self-rotation cannot start from zero, and reactivate-previous has nothing to keep', () => {
      expect(plan(snapshot([retired('AKIAOLD1', 2)]), settings, NOW).refusal).toMatch(
        /self-rotation cannot start from zero/
      )
      expect(
        plan(snapshot([], admin), { ...settings, reactivatePrevious: true }, NOW).refusal
      ).toMatch(/reactivate-previous: .* no active key/)
    })
  })

  it('refuses marks it cannot read', () => {
    const unreadable: KeyState = {
      ...key('AKIAOLD1', 'Active', 91),
      mark: { kind: 'unreadable', reason: 'v2' }
    }
    expect(plan(snapshot([unreadable]), settings, NOW).refusal).toMatch(/cannot be read/)
  })

  it('never plans more than one new key, never touches a key it cannot prove its own, never leaves no active key', () => {
    const INTENT_AT = NOW - 60_000
    const keyArb = fc.record({
      status: fc.constantFrom<'Active' | 'Inactive'>('Active', 'Active', 'Inactive'),
      ageDays: fc.integer({ min: 0, max: 400 }),
      // Created right after the intent: what a dead run's key, or a person's, looks like.
      inIntentWindow: fc.boolean(),
      used: fc.boolean(),
      mark: fc.option(
        fc.constantFrom<Mark['state'] | 'orphan'>(
          'pending',
          'active',
          'retired',
          'reactivated',
          'orphan'
        ),
        { nil: undefined, freq: 2 }
      ),
      markDays: fc.integer({ min: 0, max: 30 })
    })
    const intentArb = fc.option(fc.constantFrom<'finished' | 'running'>('finished', 'running'), {
      nil: undefined,
      freq: 2
    })
    let checked = 0
    let acted = 0
    let decided = 0
    fc.assert(
      fc.property(
        fc.array(keyArb, { minLength: 1, maxLength: 2 }),
        fc.boolean(),
        intentArb,
        fc.record({
          force: fc.boolean(),
          reactivatePrevious: fc.constantFrom(false, false, false, true),
          deactivateAfterDays: fc.integer({ min: 0, max: 3 }),
          maxAgeDays: fc.integer({ min: 0, max: 120 })
        }),
        // Open secret scanning alerts naming some keys, and what the run does about them.
        fc.record({
          keys: fc.subarray([0, 1]),
          response: fc.constantFrom<LeakResponse>(
            'rotate-and-deactivate',
            'rotate',
            'report',
            'off'
          )
        }),
        // AWS's quarantine, and whether a run recorded the keys it exposed (only the first).
        fc.constantFrom<'none' | 'quarantined' | 'recorded'>(
          'none',
          'none',
          'none',
          'none',
          'quarantined',
          'recorded'
        ),
        (specs, selfMode, intentRun, s, leakSpec, quarantineSpec) => {
          const keys = specs.map((spec, i) => {
            const base = key(
              `AKIAKEY${i}`,
              spec.status,
              spec.ageDays,
              spec.mark
                ? {
                    state: spec.mark === 'orphan' ? 'retired' : spec.mark,
                    atDaysAgo: Math.min(spec.markDays, spec.ageDays),
                    previousKeyId: 'AKIAKEY0',
                    ...(spec.mark === 'orphan' ? { orphan: true as const } : {})
                  }
                : undefined
            )
            return {
              ...base,
              ...(spec.inIntentWindow ? { createdAt: INTENT_AT + 1_000 * (i + 1) } : {}),
              ...(spec.used
                ? { lastUsed: { at: NOW - 1_000, service: 's3', region: 'us-east-1' } }
                : {})
            }
          })
          const intentValue = intentRun
            ? writeMark({
                state: 'creating',
                at: INTENT_AT,
                runId: '9',
                runAttempt: '1',
                previousKeyId: 'AKIAKEY0'
              })
            : undefined
          const leaks = leakSpec.keys.flatMap(i =>
            keys[i]
              ? [
                  {
                    keyId: keys[i].id,
                    alerts: [
                      {
                        repository: 'acme/app',
                        number: i + 1,
                        htmlUrl: `https://github.example/a/${i + 1}`
                      }
                    ]
                  }
                ]
              : []
          )
          const unleaked = snapshot(keys, {
            ...(selfMode ? {} : admin),
            intents: intentValue
              ? [
                  {
                    tagKey: 'rotate-aws-access-keys:intent:9.1.x',
                    value: intentValue,
                    mark: {
                      state: 'creating',
                      at: INTENT_AT,
                      runId: '9',
                      runAttempt: '1',
                      previousKeyId: 'AKIAKEY0'
                    }
                  }
                ]
              : [],
            runs: intentRun ? { '9.1': intentRun } : {},
            ...(quarantineSpec === 'none'
              ? {}
              : {
                  quarantine: {
                    kind: 'quarantined',
                    policyName: 'AWSCompromisedKeyQuarantineV3'
                  } as const
                }),
            ...(quarantineSpec === 'recorded'
              ? { quarantineRecord: { seenAt: NOW - DAY, keyIds: ['AKIAKEY0'] } }
              : {})
          })
          const snap = { ...unleaked, leaks }
          const exposed = new Set(
            quarantineSpec === 'none' || selfMode
              ? []
              : quarantineSpec === 'recorded'
                ? ['AKIAKEY0']
                : keys.map(k => k.id)
          )
          const settingsHere: PlanSettings = {
            ...settings,
            force: s.force,
            reactivatePrevious: s.reactivatePrevious,
            maxAgeMs: s.maxAgeDays * DAY,
            deactivateAfterMs: s.deactivateAfterDays * DAY,
            leakResponse: leakSpec.response
          }
          const p = plan(snap, settingsHere, NOW)
          // Leaks: report and off change no step (off changes nothing at all)
          const withoutLeaks = plan(unleaked, settingsHere, NOW)
          if (leakSpec.response === 'off') expect(p).toEqual(withoutLeaks)
          // (Except that no response reactivates a leaked key.)
          const refusedLeakedReactivation = /a leaked key is never made active again/.test(
            p.refusal ?? ''
          )
          // (A quarantine's exposed keys are acted on whatever leak-response says.)
          if (leakSpec.response === 'report' && !refusedLeakedReactivation && exposed.size === 0) {
            expect(p.steps).toEqual(withoutLeaks.steps)
          }
          // Alerts are resolved only for a leaked key that is inactive, or once this plan
          // deactivated it.
          p.steps.forEach((step, index) => {
            if (step.kind !== 'resolve-alerts') return
            expect(leaks.map(leak => leak.keyId)).toContain(step.keyId)
            if (!exposed.has(step.keyId)) {
              expect(['rotate-and-deactivate', 'rotate']).toContain(leakSpec.response)
            }
            const deactivatedBefore = p.steps
              .slice(0, index)
              .some(
                earlier =>
                  (earlier.kind === 'deactivate-key' || earlier.kind === 'retire-orphan') &&
                  earlier.keyId === step.keyId
              )
            expect(
              keys.find(k => k.id === step.keyId)?.status === 'Inactive' || deactivatedBefore
            ).toBe(true)
          })
          // A quarantined self-rotation plans nothing; admin mode never keeps an exposed key
          // active once every target holds its replacement.
          if (quarantineSpec !== 'none' && selfMode) {
            expect(p.steps).toEqual([])
            expect(p.refusal).toMatch(/^AWS has quarantined IAM user/)
          }
          p.steps.forEach((step, index) => {
            if (step.kind !== 'rotate' || !step.previousKeyId) return
            if (!exposed.has(step.previousKeyId)) return
            const later = p.steps.slice(index + 1)
            expect(
              later.some(
                other => other.kind === 'deactivate-key' && other.keyId === step.previousKeyId
              )
            ).toBe(true)
          })
          checked += 1
          if (p.steps.length > 0) acted += 1
          if (!p.refusal && !p.waiting) decided += 1
          // Refused and waiting plans change nothing; every check below holds for them too.
          if (p.refusal || p.waiting) expect(p.steps).toEqual([])
          expect(p.steps.filter(step => step.kind === 'rotate').length).toBeLessThanOrEqual(1)
          // reactivate-previous only ever reactivates an inactive key, and rotates nothing.
          for (const step of p.steps) {
            if (step.kind === 'reactivate-key') {
              expect(keys.find(k => k.id === step.keyId)?.status).toBe('Inactive')
            }
          }
          if (s.reactivatePrevious) {
            expect(
              p.steps.some(step => step.kind === 'rotate' || step.kind === 'deactivate-key')
            ).toBe(false)
          }
          const deactivated = p.steps.flatMap(step =>
            step.kind === 'deactivate-key' || step.kind === 'retire-orphan' ? [step.keyId] : []
          )
          const deleted = p.steps.flatMap(step => (step.kind === 'delete-key' ? [step.keyId] : []))
          if (snap.signingKeyId && !p.steps.some(step => step.kind === 'rotate')) {
            expect(deactivated).not.toContain(snap.signingKeyId)
            expect(deleted).not.toContain(snap.signingKeyId)
          }
          // Keys the action can prove it made: its marks, a key one of its marks replaced, the
          // key a rotation replaces, or the one key a dead run's intent pins.
          const marked = (k: KeyState) => (k.mark.kind === 'ours' ? k.mark.mark : undefined)
          const named = new Set(
            keys.flatMap(k => {
              const m = marked(k)
              return m && !m.orphan && m.previousKeyId ? [m.previousKeyId] : []
            })
          )
          const rotated = new Set(
            p.steps.flatMap(step =>
              step.kind === 'rotate' && step.previousKeyId ? [step.previousKeyId] : []
            )
          )
          for (const id of deleted) {
            const k = keys.find(x => x.id === id)
            const m = k && marked(k)
            const restored = p.steps.some(
              step => step.kind === 'restore' && step.abandonedKeyId === id
            )
            // Only inactive keys, the abandoned half-distributed key, or a key this plan
            // deactivates first (to replace a leaked key) are deleted...
            expect(k?.status === 'Inactive' || restored || deactivated.includes(id)).toBe(true)
            // ...and only the action's own; an orphan only after delete-after.
            expect(m !== undefined || named.has(id)).toBe(true)
            if (m?.orphan) expect(NOW - m.at).toBeGreaterThanOrEqual(settingsHere.deleteAfterMs)
          }
          for (const step of p.steps) {
            if (step.kind === 'deactivate-key') {
              const k = keys.find(x => x.id === step.keyId)
              const m = k && marked(k)
              expect(m !== undefined || named.has(step.keyId) || rotated.has(step.keyId)).toBe(true)
            }
            if (step.kind === 'retire-orphan') {
              const k = keys.find(x => x.id === step.keyId)
              expect(k?.mark.kind).toBe('none')
              expect(k?.status).toBe('Active')
              expect(k?.lastUsed).toBeUndefined()
              expect(intentRun).toBe('finished')
              expect(k?.id).not.toBe(snap.signingKeyId)
              expect(k?.id).not.toBe('AKIAKEY0')
            }
          }
          // A rotation needs a free slot: keys left after deletes plus the new one fit in two.
          if (p.steps.some(step => step.kind === 'rotate')) {
            expect(keys.length - deleted.length + 1).toBeLessThanOrEqual(2)
          }
          // Some key stays active: every deactivation is of a key that a newer active key replaces.
          const activeAfter = keys.filter(
            k => k.status === 'Active' && !deactivated.includes(k.id) && !deleted.includes(k.id)
          )
          if (keys.some(k => k.status === 'Active') || p.steps.length > 0) {
            expect(
              activeAfter.length + (p.steps.some(step => step.kind === 'rotate') ? 1 : 0)
            ).toBeGreaterThanOrEqual(1)
          }
        }
      ),
      { numRuns: Number(process.env.PLAN_PROPERTY_RUNS ?? 3000), seed: 20261201 }
    )
    // The generator must reach plans that act, or the checks above prove little.
    // Measured with this seed: 24% act, 27% are not refused (33% before a third of the cases
    // were quarantined: a quarantined self-rotation refuses).
    expect(acted / checked).toBeGreaterThan(0.2)
    expect(decided / checked).toBeGreaterThan(0.25)
  })
})
