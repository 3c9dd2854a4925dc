/** The audit's judgment of one user: each finding at its edge, the roles, the rotation state. */
import { assessUser, lastRunOf, unreadUser, type AssessInput } from '../src/audit/findings.js'
import type { Mark } from '../src/marks.js'
import type { Plan } from '../src/plan.js'
import type { KeyState } from '../src/snapshot.js'
import { adminCaller, DAY, userSnapshot } from './fakes/plan-fixtures.js'

const NOW = Date.parse('2026-12-05T12:00:00Z')
const MAX_AGE = 90 * DAY
const UNUSED = 45 * DAY
const idle: Plan = { steps: [], refusal: undefined, notes: [], currentKeyId: undefined }
const ID = (n: number) => `AKIAAUDIT0000000${String(n).padStart(4, '0')}`

function mark(state: Mark['state'], extra: Partial<Mark> = {}): KeyState['mark'] {
  return { kind: 'ours', mark: { state, at: NOW - DAY, ...extra } }
}

function key(n: number, ageDays: number, extra: Partial<KeyState> = {}): KeyState {
  return {
    id: ID(n),
    status: 'Active',
    createdAt: NOW - ageDays * DAY,
    lastUsed: { at: NOW - DAY, service: 's3', region: 'us-east-1' },
    mark: mark('active'),
    ...extra
  }
}

function assess(keys: KeyState[], extra: Partial<AssessInput> = {}, plan: Plan = idle) {
  return assessUser({
    snapshot: userSnapshot(keys, adminCaller),
    plan,
    now: NOW,
    maxAgeMs: MAX_AGE,
    unusedAfterMs: UNUSED,
    workflow: null,
    ...extra
  })
}

describe('audit findings', () => {
  it('overdue: past max-age, not at it; the plan names the current key, else the newest active', () => {
    expect(assess([key(1, 90)]).findings).toEqual([])
    expect(assess([key(1, 90.001)]).findings).toEqual(['overdue'])
    const two = [key(1, 200, { mark: mark('active') }), key(2, 10)]
    // The planner cannot tell which key the targets hold: every active key is judged.
    expect(assess(two).findings).toEqual(['overdue'])
    expect(assess(two, {}, { ...idle, currentKeyId: ID(2) }).findings).toEqual([])
    // A rotation in flight is not overdue: it is the answer.
    expect(assess(two, {}, { ...idle, waiting: 'W.', waitingSince: NOW }).findings).toEqual([])
    expect(assess(two, {}, { ...idle, currentKeyId: ID(1) }).findings).toEqual(['overdue'])
    expect(assess([key(1, 200, { status: 'Inactive' })]).findings).toEqual([])
  })

  it('unused: old enough and unused for the threshold; a young or inactive key never is', () => {
    const quiet = (ageDays: number, usedDaysAgo: number | undefined) =>
      key(1, ageDays, {
        lastUsed:
          usedDaysAgo === undefined
            ? undefined
            : { at: NOW - usedDaysAgo * DAY, service: 's3', region: 'us-east-1' }
      })
    expect(assess([quiet(60, 45)]).findings).toEqual(['unused'])
    expect(assess([quiet(60, 44.9)]).findings).toEqual([])
    expect(assess([quiet(44.9, undefined)]).findings).toEqual([])
    expect(assess([quiet(45, undefined)]).findings).toEqual(['unused'])
    expect(assess([{ ...quiet(60, undefined), status: 'Inactive' }]).findings).toEqual([])
  })

  it("unmanaged, a person's key, two active keys: told apart", () => {
    const unmarked = (n: number, ageDays = 10) => key(n, ageDays, { mark: { kind: 'none' } })
    expect(assess([unmarked(1)]).findings).toEqual(['unmanaged'])
    expect(assess([]).findings).toEqual([])
    expect(assess([{ ...unmarked(1), status: 'Inactive' }]).findings).toEqual([])
    expect(assess([unmarked(1), unmarked(2)]).findings).toEqual(['two-active', 'unmanaged'])
    expect(assess([key(1, 10), unmarked(2)]).findings).toEqual(['two-active', 'person-key'])
    // A rotation's window: the new key and the previous one, both the action's.
    expect(assess([key(1, 10), key(2, 1)], {}, { ...idle, currentKeyId: ID(2) }).findings).toEqual(
      []
    )
    // A managed user with a person's inactive key beside: nothing to say.
    expect(assess([key(1, 10), { ...unmarked(2), status: 'Inactive' }]).findings).toEqual([])
  })

  it('quarantined, leaked, and a workflow GitHub disabled', () => {
    const quarantined = userSnapshot([key(1, 10)], {
      ...adminCaller,
      quarantine: { kind: 'quarantined', policyName: 'AWSCompromisedKeyQuarantineV3' }
    })
    expect(assess([], { snapshot: quarantined }).findings).toEqual(['quarantined'])
    const alert = { repository: 'acme/app', number: 3, htmlUrl: 'https://github.example/a/3' }
    const leaked = userSnapshot([key(1, 10)], { leaks: [{ keyId: ID(1), alerts: [alert] }] })
    const user = assess([], { snapshot: leaked })
    expect([user.findings, user.alerts]).toEqual([['leaked'], [alert.htmlUrl]])
    const workflow = (state: string) => ({ workflow: { repository: 'acme/app', path: 'p', state } })
    expect(assess([key(1, 10)], workflow('disabled_inactivity')).findings).toEqual(['unscheduled'])
    expect(assess([key(1, 10)], workflow('active')).findings).toEqual([])
    expect(assess([key(1, 10)], workflow('unknown')).findings).toEqual([])
  })

  it('in flight while the holder is live and younger than a day; stuck after, or on leftovers', () => {
    const waiting = { ...idle, waiting: 'Key X is being rotated by run 7.' }
    expect(assess([key(1, 10)], {}, { ...waiting, waitingSince: NOW - DAY + 1 }).rotation).toBe(
      'in flight'
    )
    const stuck = assess([key(1, 10)], {}, { ...waiting, waitingSince: NOW - DAY })
    expect([stuck.rotation, stuck.findings]).toEqual(['stuck', ['stuck']])
    expect(assess([key(1, 10)], {}, waiting).rotation).toBe('in flight')
    expect(assess([key(1, 10), key(2, 0, { mark: mark('pending') })]).rotation).toBe('stuck')
    const intent = { tagKey: 'i', value: 'v', mark: { state: 'creating' as const, at: NOW } }
    const withIntent = userSnapshot([key(1, 10)], { ...adminCaller, intents: [intent] })
    expect(assess([], { snapshot: withIntent }).rotation).toBe('stuck')
    const restore = { kind: 'clear-intent' as const, tagKey: 'i', value: 'v' }
    expect(assess([key(1, 10)], {}, { ...idle, steps: [restore] }).rotation).toBe('stuck')
    expect(assess([key(1, 10)]).rotation).toBe('idle')
  })

  it("each key's role, from its mark and the plan's current key", () => {
    const keys = [
      key(1, 10),
      key(2, 100),
      key(3, 1, { mark: mark('pending') }),
      key(4, 1, { mark: mark('reactivated') }),
      key(5, 1, { mark: mark('retired'), status: 'Inactive' }),
      key(6, 1, { mark: mark('retired', { orphan: true }), status: 'Inactive' }),
      key(7, 1, { mark: { kind: 'none' } }),
      key(8, 1, { mark: { kind: 'unreadable', reason: 'v2' } })
    ]
    const roles = assess(keys, {}, { ...idle, currentKeyId: ID(1) }).keys.map(k => k.role)
    expect(roles).toEqual([
      'current',
      'previous',
      'pending',
      'reactivated',
      'retired',
      'set aside',
      'unmanaged',
      'unmanaged'
    ])
  })

  it('keys are shortened, aged in whole days, last use told or null', () => {
    const [seen] = assess([key(1, 10.9), key(2, 1, { lastUsed: undefined })]).keys
    expect(seen).toEqual({
      id: 'AKIA…0001',
      status: 'Active',
      createdAt: '2026-11-24T14:24:00Z',
      ageDays: 10,
      lastUsed: { at: '2026-12-04T12:00:00Z', service: 's3', region: 'us-east-1' },
      role: 'previous'
    })
    expect(assess([key(2, 1, { lastUsed: undefined })]).keys[0]?.lastUsed).toBeNull()
  })

  it("the next action is the planner's own words", () => {
    expect(assess([], {}, { ...idle, refusal: 'No.' }).next).toBe('Refused: No.')
    expect(assess([], {}, { ...idle, waiting: 'Wait.' }).next).toBe('Wait.')
    const steps: Plan['steps'] = [
      { kind: 'delete-key', keyId: ID(1), reason: 'old' },
      { kind: 'remove-marks', tagKeys: ['x'] }
    ]
    expect(assess([], {}, { ...idle, steps }).next).toMatch(/^Delete AKIA…0001.*; /)
    expect(assess([], {}, { ...idle, notes: ['First.', 'Second.'] }).next).toBe('First.')
    expect(assess([]).next).toBe('Nothing due.')
  })

  it('urgency: the first finding ranks; in flight before idle; an unread user first of all', () => {
    expect(assess([key(1, 10, { mark: { kind: 'none' } })]).urgency).toBe(8)
    expect(assess([key(1, 100)]).urgency).toBe(4)
    const waiting = { ...idle, waiting: 'W.', waitingSince: NOW }
    expect(assess([key(1, 10)], {}, waiting).urgency).toBe(10)
    expect(assess([key(1, 10)]).urgency).toBe(11)
    const unread = unreadUser('x', `AccessDenied on ${ID(9)}`)
    expect([unread.urgency, unread.error]).toEqual([-1, 'AccessDenied on AKIA…0009'])
  })

  it('the last run is the newest mark that names its repository and run', () => {
    const at = (days: number, extra: Partial<Mark>) => ({
      state: 'active' as const,
      at: NOW - days * DAY,
      ...extra
    })
    const snapshot = userSnapshot(
      [
        key(1, 10, { mark: { kind: 'ours', mark: at(10, { runId: '1', repository: 'acme/a' }) } }),
        key(2, 1, { mark: { kind: 'ours', mark: at(1, { runId: '2' }) } })
      ],
      { staleMarks: [{ keyId: ID(3), mark: at(5, { runId: '3', repository: 'acme/c' }) }] }
    )
    expect(lastRunOf(snapshot)?.runId).toBe('3')
    expect(lastRunOf(userSnapshot([]))).toBeUndefined()
  })

  it('the quarantine as read: none, quarantined, or unknown when it could not be read', () => {
    expect(assess([key(1, 10)]).quarantine).toBe('unknown')
    const none = userSnapshot([key(1, 10)], { ...adminCaller, quarantine: { kind: 'none' } })
    expect(assess([], { snapshot: none }).quarantine).toBe('none')
  })

  it('an unread user says only why', () => {
    expect(unreadUser('gone', 'AccessDenied')).toEqual({
      userName: 'gone',
      keys: [],
      findings: [],
      rotation: 'idle',
      quarantine: 'unknown',
      alerts: [],
      workflow: null,
      next: 'Could not read this user: AccessDenied',
      urgency: -1,
      error: 'AccessDenied'
    })
  })

  it('a key marked as being created is pending', () => {
    expect(assess([key(1, 0, { mark: mark('creating') })]).keys[0]?.role).toBe('pending')
  })

  it("the last run ignores keys without the action's mark and marks that name no run", () => {
    const at = (days: number, extra: Partial<Mark>) => ({
      state: 'active' as const,
      at: NOW - days * DAY,
      ...extra
    })
    const snapshot = userSnapshot([
      key(1, 10, { mark: { kind: 'ours', mark: at(10, { runId: '1', repository: 'acme/a' }) } }),
      key(2, 1, { mark: { kind: 'ours', mark: at(1, { repository: 'acme/b' }) } }),
      key(3, 1, { mark: { kind: 'none' } })
    ])
    expect(lastRunOf(snapshot)?.runId).toBe('1')
  })

  it('a rotation the planner refuses is a finding: a person must act before any run can', () => {
    expect(assess([key(1, 10)], {}, { ...idle, refusal: 'No.' }).findings).toEqual(['refused'])
  })

  it("a retired key active again: reactivated; a set-aside one active again is a person's", () => {
    const roles = assess([
      key(1, 10, { mark: mark('retired') }),
      key(2, 10, { mark: mark('retired', { orphan: true }) })
    ]).keys.map(k => k.role)
    expect(roles).toEqual(['reactivated', 'unmanaged'])
  })
})
