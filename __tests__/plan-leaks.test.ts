/** The planner's leak rules: what a run does when open secret scanning alerts name a key. */
import { writeMark, readMark, type Mark } from '../src/marks.js'
import { describeStep, plan, type PlanSettings } from '../src/plan.js'
import type { Leak } from '../src/leaks.js'
import type { KeyState, Snapshot } from '../src/snapshot.js'

const DAY = 86_400_000
const NOW = Date.parse('2026-12-01T12:00:00Z')
const settings: PlanSettings = {
  maxAgeMs: 90 * DAY,
  force: false,
  deactivateAfterMs: 7 * DAY,
  deleteAfterMs: 7 * DAY,
  expectedAccountId: undefined,
  verifyTimeoutMs: 120_000,
  reactivatePrevious: false,
  smokeWorkflow: undefined,
  requestTimeoutMs: 30_000,
  run: { repository: 'acme/app', runId: '500', attempt: '1' }
}
const GATED = {
  ...settings,
  smokeWorkflow: { repository: 'acme/app', file: 'smoke.yml', ref: undefined }
}

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
  return {
    caller: {
      arn: 'arn:aws:iam::123456789012:user/deploy',
      accountId: '123456789012',
      kind: 'user',
      userName: 'deploy'
    },
    userName: 'deploy',
    userArn: 'arn:aws:iam::123456789012:user/deploy',
    mode: 'self',
    signingKeyId: keys.find(k => k.status === 'Active')?.id,
    keys,
    intent: { kind: 'none' },
    intentValue: undefined,
    staleMarks: [],
    runs: {},
    leaks,
    ...overrides
  }
}
const kinds = (p: ReturnType<typeof plan>) =>
  p.steps.map(
    s =>
      `${s.kind}:${'keyId' in s ? (s.keyId ?? 'new') : 'previousKeyId' in s ? s.previousKeyId : ''}`
  )

const young = key('AKIACURRENT1', 'Active', 10)
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
    const previous = key('AKIAPREVIOUS', 'Active', 40)
    const current = key('AKIACURRENT1', 'Active', 1, {
      state: 'active',
      previousKeyId: previous.id,
      atDaysAgo: 1
    })
    const p = plan(
      snapshot([previous, current], [leakOf(previous.id, 6)], { signingKeyId: current.id }),
      settings,
      NOW
    )
    expect(kinds(p)).toEqual(['deactivate-key:AKIAPREVIOUS', 'resolve-alerts:AKIAPREVIOUS'])
    expect(p.currentKeyId).toBe(current.id)
  })

  it('two active keys, the newer one leaked: the previous key gives up its slot and the leaked key is replaced', () => {
    const previous = key('AKIAPREVIOUS', 'Active', 40)
    const current = key('AKIACURRENT1', 'Active', 1, {
      state: 'active',
      previousKeyId: previous.id,
      atDaysAgo: 1
    })
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
    const previous = key('AKIAPREVIOUS', 'Active', 40)
    const current = key('AKIACURRENT1', 'Active', 1, {
      state: 'active',
      previousKeyId: previous.id,
      atDaysAgo: 1
    })
    const p = plan(
      snapshot([previous, current], [leakOf(current.id, 7)], { signingKeyId: previous.id }),
      settings,
      NOW
    )
    expect(p.steps.some(s => s.kind === 'deactivate-key' && s.keyId === previous.id)).toBe(false)
    expect(p.warnings?.join(' ')).toMatch(/This run signs with AKIA…IOUS/)
  })

  it('describes the step', () => {
    expect(
      describeStep({ kind: 'resolve-alerts', keyId: 'AKIACURRENT1', alerts: [alert(1), alert(2)] })
    ).toBe('Resolve 2 secret scanning alert(s) naming AKIA…ENT1 as revoked')
  })
})
