/** The planner's leak rules: what a run does when open secret scanning alerts name a key. */
import { writeMark, readMark, type Mark } from '../src/marks.js'
import { describeStep, plan, type PlanSettings } from '../src/plan.js'
import type { Leak } from '../src/leaks/scan.js'
import type { KeyState, Snapshot } from '../src/snapshot.js'
import {
  adminCaller,
  DAY,
  gatedSettings,
  planSettings,
  userSnapshot
} from './fakes/plan-fixtures.js'

const NOW = Date.parse('2026-12-01T12:00:00Z')
/** Deactivate-after of a week: a leak must not wait for it. */
const settings: PlanSettings = { ...planSettings, deactivateAfterMs: 7 * DAY }
const GATED: PlanSettings = { ...gatedSettings, deactivateAfterMs: 7 * DAY }

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

const alert = (n: number, repository = 'acme/app') => ({
  repository,
  number: n,
  htmlUrl: `https://github.example/${repository}/security/secret-scanning/${n}`
})

function snapshot(keys: KeyState[], leaks: Leak[], overrides: Partial<Snapshot> = {}): Snapshot {
  return userSnapshot(keys, { leaks, ...overrides })
}
const kinds = (p: ReturnType<typeof plan>) =>
  p.steps.map(
    s =>
      `${s.kind}:${'keyId' in s ? (s.keyId ?? 'new') : 'previousKeyId' in s ? s.previousKeyId : ''}`
  )

const young = key('AKIACURRENT1', 'Active', 10)
/** Two active keys: the action's `current` replaced `previous` a day ago (deactivate-after: 7d). */
const previous = key('AKIAPREVIOUS', 'Active', 40)
const current = key('AKIACURRENT1', 'Active', 1, {
  state: 'active',
  previousKeyId: previous.id,
  atDaysAgo: 1
})
const leakOf = (keyId: string, ...numbers: number[]): Leak => ({
  keyId,
  alerts: numbers.map(n => alert(n))
})

describe('planner: a leaked key', () => {
  it('rotates a leaked current key now, whatever its age, and deactivates it before deactivate-after', () => {
    const p = plan(snapshot([young], [leakOf(young.id, 3)]), settings, NOW)
    expect(p.refusal).toBeUndefined()
    expect(kinds(p)).toEqual([
      'rotate:AKIACURRENT1',
      'deactivate-key:AKIACURRENT1',
      'resolve-alerts:AKIACURRENT1'
    ])
    const deactivate = p.steps[1]
    expect(deactivate?.kind === 'deactivate-key' && deactivate.reason).toMatch(/leaked/)
    expect(p.notes.join(' ')).toMatch(
      /AKIA…ENT1 has leaked: .*secret-scanning\/3: rotating now, whatever its age/
    )
  })

  it('without a leak the same key is left alone (the leak is what makes it due)', () => {
    const p = plan(snapshot([young], []), settings, NOW)
    expect(p.steps).toEqual([])
  })

  it('rotate: rotates now but keeps deactivate-after; the alerts stay open until then', () => {
    const p = plan(
      snapshot([young], [leakOf(young.id, 3)]),
      { ...settings, leakResponse: 'rotate' },
      NOW
    )
    expect(kinds(p)).toEqual(['rotate:AKIACURRENT1'])
    expect(p.notes.join(' ')).toMatch(/leak-response is rotate: its alerts stay open/)
  })

  it('rotate with deactivate-after 0: the deactivation resolves the alerts', () => {
    const p = plan(
      snapshot([young], [leakOf(young.id, 3)]),
      { ...settings, leakResponse: 'rotate', deactivateAfterMs: 0 },
      NOW
    )
    expect(kinds(p)).toEqual([
      'rotate:AKIACURRENT1',
      'deactivate-key:AKIACURRENT1',
      'resolve-alerts:AKIACURRENT1'
    ])
  })

  it('report: changes nothing and warns with the links', () => {
    const p = plan(
      snapshot([young], [leakOf(young.id, 3)]),
      { ...settings, leakResponse: 'report' },
      NOW
    )
    expect(p.steps).toEqual([])
    expect(p.warnings?.join(' ')).toMatch(
      /AKIA…ENT1 has leaked: .*secret-scanning\/3\. leak-response is report/
    )
  })

  it('off: the alerts are not considered at all', () => {
    const p = plan(
      snapshot([young], [leakOf(young.id, 3)]),
      { ...settings, leakResponse: 'off' },
      NOW
    )
    expect(p.steps).toEqual([])
    expect(p.warnings).toBeUndefined()
  })

  it('with a smoke gate: the leaked key is deactivated first, then the gate runs and is reported', () => {
    const p = plan(snapshot([young], [leakOf(young.id, 3)]), GATED, NOW)
    expect(kinds(p)).toEqual([
      'rotate:AKIACURRENT1',
      'deactivate-key:AKIACURRENT1',
      'resolve-alerts:AKIACURRENT1',
      'smoke-test:new'
    ])
    expect(p.notes.join(' ')).toMatch(
      /still runs and is reported, but AKIA…ENT1 has leaked and is not kept active for it/
    )
  })

  it('an inactive key named in alerts: they are resolved as revoked, nothing else happens', () => {
    const retired = key('AKIARETIRED1', 'Inactive', 40, { state: 'retired', atDaysAgo: 2 })
    const p = plan(snapshot([young, retired], [leakOf(retired.id, 4, 5)]), settings, NOW)
    expect(kinds(p)).toEqual(['resolve-alerts:AKIARETIRED1'])
    const step = p.steps[0]
    expect(step?.kind === 'resolve-alerts' && step.alerts.map(a => a.number)).toEqual([4, 5])
    expect(p.notes.join(' ')).toMatch(/it is inactive, so it can no longer sign/)
  })

  it('an active key the action did not create: refuses, and says it leaked, where, and what to do', () => {
    const theirs = key('AKIATHEIRS01', 'Active', 5)
    const p = plan(
      snapshot([young, theirs], [leakOf(theirs.id, 9)], { signingKeyId: young.id }),
      settings,
      NOW
    )
    expect(p.steps).toEqual([])
    expect(p.refusal).toMatch(
      /AKIA…RS01 has leaked: it is named in open secret scanning alert \S+secret-scanning\/9\. .*deactivate it in the IAM console now/
    )
  })

  it('a refusal for another reason still tells of the leaked key', () => {
    // A person's inactive key holds the second slot: the rotation cannot start.
    const theirs = key('AKIATHEIRS02', 'Inactive', 20)
    const p = plan(snapshot([young, theirs], [leakOf(young.id, 3)]), settings, NOW)
    expect(p.steps).toEqual([])
    expect(p.refusal).toMatch(/did not retire, AKIA…RS02, in the second key slot/)
    expect(p.refusal).toMatch(
      /AKIA…ENT1 has leaked: it is named in open secret scanning alert \S+\/3\.$/
    )
  })

  it('a refusal that names the leak already does not repeat it', () => {
    const theirs = key('AKIATHEIRS01', 'Active', 5)
    const p = plan(
      snapshot([young, theirs], [leakOf(theirs.id, 9)], { signingKeyId: young.id }),
      settings,
      NOW
    )
    expect(p.refusal?.match(/has leaked/g)).toHaveLength(1)
  })

  it('never reactivates a leaked key', () => {
    const retired = key('AKIARETIRED1', 'Inactive', 40, { state: 'retired', atDaysAgo: 2 })
    const p = plan(
      snapshot([young, retired], [leakOf(retired.id, 4)]),
      { ...settings, reactivatePrevious: true },
      NOW
    )
    expect(p.steps).toEqual([])
    expect(p.refusal).toMatch(/a leaked key is never made active again/)
  })

  it('two active keys, the previous one leaked: deactivated now, without waiting for deactivate-after', () => {
    const p = plan(
      snapshot([previous, current], [leakOf(previous.id, 6)], { signingKeyId: current.id }),
      settings,
      NOW
    )
    expect(kinds(p)).toEqual(['deactivate-key:AKIAPREVIOUS', 'resolve-alerts:AKIAPREVIOUS'])
    expect(p.currentKeyId).toBe(current.id)
  })

  it('two active keys, the newer one leaked: the previous key gives up its slot and the leaked key is replaced', () => {
    const p = plan(
      snapshot([previous, current], [leakOf(current.id, 7)], { signingKeyId: current.id }),
      settings,
      NOW
    )
    expect(kinds(p)).toEqual([
      'deactivate-key:AKIAPREVIOUS',
      'delete-key:AKIAPREVIOUS',
      'rotate:AKIACURRENT1',
      'deactivate-key:AKIACURRENT1',
      'resolve-alerts:AKIACURRENT1'
    ])
  })

  it('a run that signs with the previous key cannot deactivate it: it warns and leaves the keys', () => {
    const p = plan(
      snapshot([previous, current], [leakOf(current.id, 7)], { signingKeyId: previous.id }),
      settings,
      NOW
    )
    expect(p.steps.some(s => s.kind === 'deactivate-key' && s.keyId === previous.id)).toBe(false)
    expect(p.warnings?.join(' ')).toMatch(/This run signs with AKIA…IOUS/)
  })

  it('off: a refusal says nothing of the alerts either', () => {
    const theirs = key('AKIATHEIRS01', 'Active', 5)
    const p = plan(
      snapshot([young, theirs], [leakOf(theirs.id, 9)], { signingKeyId: young.id }),
      { ...settings, leakResponse: 'off' },
      NOW
    )
    expect(p.refusal).toMatch(/^IAM user deploy has active access keys/)
    expect(p.refusal).not.toMatch(/leaked/)
  })

  it('names up to five alerts, counts the rest, and says "alerts" for more than one', () => {
    const p = plan(snapshot([young], [leakOf(young.id, 1, 2, 3, 4, 5, 6, 7)]), settings, NOW)
    const link = (n: number) => `https://github.example/acme/app/security/secret-scanning/${n}`
    expect(p.notes[0]).toBe(
      `AKIA…ENT1 has leaked: it is named in open secret scanning alerts ${[1, 2, 3, 4, 5].map(link).join(', ')} and 2 more: rotating now, whatever its age (leak-response: rotate-and-deactivate).`
    )
  })

  it("a person's leaked keys: the refusal gives each one's alerts and the same advice", () => {
    const first = key('AKIATHEIRS01', 'Active', 5)
    const second = key('AKIATHEIRS02', 'Active', 4)
    const p = plan(
      snapshot([young, first, second], [leakOf(first.id, 8), leakOf(second.id, 9)], {
        signingKeyId: young.id
      }),
      settings,
      NOW
    )
    const advice = (label: string, n: number) =>
      `${label} has leaked: it is named in open secret scanning alert https://github.example/acme/app/security/secret-scanning/${n}. ` +
      'Give whatever uses it another key, deactivate it in the IAM console now (Access keys, Actions, Deactivate), delete it, and resolve the alerts as revoked.'
    expect(p.refusal).toMatch(
      /a description starting "rotate-aws-access-keys" only if you wrote it\. /
    )
    expect(p.refusal?.endsWith(` ${advice('AKIA…RS01', 8)} ${advice('AKIA…RS02', 9)}`)).toBe(true)
  })

  it('report: a later deactivation of a leaked key does not resolve its alerts', () => {
    const current = key('AKIACURRENT1', 'Active', 8, {
      state: 'active',
      previousKeyId: previous.id,
      atDaysAgo: 8
    })
    const p = plan(
      snapshot([previous, current], [leakOf(previous.id, 6)], { signingKeyId: current.id }),
      { ...settings, leakResponse: 'report' },
      NOW
    )
    expect(kinds(p)).toEqual(['deactivate-key:AKIAPREVIOUS'])
  })

  it('report: an inactive leaked key keeps its alerts open', () => {
    const retired = key('AKIARETIRED1', 'Inactive', 40, { state: 'retired', atDaysAgo: 2 })
    const p = plan(
      snapshot([young, retired], [leakOf(retired.id, 4)]),
      { ...settings, leakResponse: 'report' },
      NOW
    )
    expect(p.steps).toEqual([])
    expect(p.warnings).toHaveLength(1)
  })

  it('report: the warnings are the leaks only, one per key; without a leak there are none', () => {
    const p = plan(
      snapshot([young], [leakOf(young.id, 3)]),
      { ...settings, leakResponse: 'report' },
      NOW
    )
    expect(p.warnings).toEqual([
      'AKIA…ENT1 has leaked: it is named in open secret scanning alert https://github.example/acme/app/security/secret-scanning/3. leak-response is report, so this run does nothing about it: rotate now (force), deactivate it, then resolve the alerts.'
    ])
    expect(
      plan(snapshot([young], []), { ...settings, leakResponse: 'report' }, NOW).warnings
    ).toBeUndefined()
  })

  it('rotate-and-deactivate adds no report warning', () => {
    const p = plan(snapshot([young], [leakOf(young.id, 3)]), settings, NOW)
    expect(p.warnings).toBeUndefined()
  })

  it('a refusal leaves an inactive leaked key out (it cannot sign) and does not end in a space', () => {
    const retired = key('AKIARETIRED1', 'Inactive', 40, { state: 'retired', atDaysAgo: 2 })
    const theirs = key('AKIATHEIRS01', 'Active', 5)
    const p = plan(
      snapshot([young, theirs, retired], [leakOf(retired.id, 4)], { signingKeyId: young.id }),
      settings,
      NOW
    )
    expect(p.refusal).not.toMatch(/leaked/)
    expect(p.refusal?.endsWith('only if you wrote it.')).toBe(true)
  })

  it('an admin run deactivates a leaked previous key too (it signs with neither)', () => {
    const p = plan(
      snapshot([previous, current], [leakOf(previous.id, 6)], adminCaller),
      settings,
      NOW
    )
    expect(kinds(p)).toEqual(['deactivate-key:AKIAPREVIOUS', 'resolve-alerts:AKIAPREVIOUS'])
    // Decided here: the deactivate-after note of the usual retirement is not added.
    expect(p.notes.join(' ')).not.toMatch(/stays active until/)
  })

  it("a leaked previous key whose replacement's gate is due: deactivated first, then the gate runs", () => {
    const current = key('AKIACURRENT1', 'Active', 1, {
      state: 'active',
      previousKeyId: previous.id,
      atDaysAgo: 1,
      smoke: 'failed'
    })
    const leaks = [leakOf(previous.id, 6)]
    const base = snapshot([previous, current], leaks, { signingKeyId: current.id })
    const gated = plan(base, GATED, NOW)
    expect(kinds(gated)).toEqual([
      'deactivate-key:AKIAPREVIOUS',
      'resolve-alerts:AKIAPREVIOUS',
      'smoke-test:AKIACURRENT1'
    ])
    const gate = gated.steps[2]
    expect(gate?.kind === 'smoke-test' && gate.distributedAt).toBe(NOW - DAY)
    // Without smoke-workflow the gate cannot run, and the leaked key is not kept for it.
    expect(kinds(plan(base, settings, NOW))).toEqual([
      'deactivate-key:AKIAPREVIOUS',
      'resolve-alerts:AKIAPREVIOUS'
    ])
    // No gate on the replacement: none runs.
    const ungated = snapshot(
      [
        previous,
        key('AKIACURRENT1', 'Active', 1, {
          state: 'active',
          previousKeyId: previous.id,
          atDaysAgo: 1
        })
      ],
      leaks,
      { signingKeyId: current.id }
    )
    expect(kinds(plan(ungated, GATED, NOW))).toEqual([
      'deactivate-key:AKIAPREVIOUS',
      'resolve-alerts:AKIAPREVIOUS'
    ])
  })

  it('replacing a leaked newer key: the reasons and the note say why the previous key goes', () => {
    const p = plan(
      snapshot([previous, current], [leakOf(current.id, 7)], { signingKeyId: current.id }),
      settings,
      NOW
    )
    const reasons = p.steps.flatMap(step => ('reason' in step ? [step.reason] : []))
    expect(reasons.slice(0, 2)).toEqual([
      'replaced by AKIA…ENT1 in every target, and its slot is needed now to replace the leaked AKIA…ENT1',
      'its slot is needed now to replace the leaked AKIA…ENT1 (IAM allows two keys)'
    ])
    expect(p.notes[0]).toBe(
      'AKIA…ENT1 has leaked: it is named in open secret scanning alert https://github.example/acme/app/security/secret-scanning/7: rotating now.'
    )
  })

  it('the warning of a run that signs with the previous key names the alert', () => {
    const p = plan(
      snapshot([previous, current], [leakOf(previous.id, 6)], { signingKeyId: previous.id }),
      settings,
      NOW
    )
    expect(p.warnings).toEqual([
      'AKIA…IOUS has leaked: it is named in open secret scanning alert https://github.example/acme/app/security/secret-scanning/6. This run signs with AKIA…IOUS, which it would have to deactivate first; give the workflow the key the targets hold (AKIA…ENT1) and run it again.'
    ])
  })

  it('describes the step', () => {
    expect(
      describeStep({ kind: 'resolve-alerts', keyId: 'AKIACURRENT1', alerts: [alert(1), alert(2)] })
    ).toBe('Resolve 2 secret scanning alert(s) naming AKIA…ENT1 as revoked')
  })
})
