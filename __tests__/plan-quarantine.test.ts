/**
 * AWS's quarantine in the planner: a quarantined self-rotation plans nothing and refuses; admin
 * mode records the exposed keys once, replaces them at once and deactivates them as soon as every
 * target holds the replacement, and never counts the replacement as exposed.
 */
import type { Mark } from '../src/marks.js'
import { plan, type Step } from '../src/plan.js'
import type { KeyState, Snapshot } from '../src/snapshot.js'
import {
  adminCaller,
  DAY,
  gatedSettings,
  planSettings,
  userSnapshot
} from './fakes/plan-fixtures.js'

const NOW = Date.parse('2026-11-22T12:00:00Z')
const QUARANTINED = { kind: 'quarantined', policyName: 'AWSCompromisedKeyQuarantineV3' } as const
const OLD = 'AKIAOLDKEY0000000001'
const NEW = 'AKIANEWKEY0000000002'
const ALERT = {
  repository: 'acme/app',
  number: 3,
  htmlUrl: 'https://github.example/acme/app/security/secret-scanning/3'
}

function key(
  id: string,
  ageDays: number,
  status: KeyState['status'] = 'Active',
  mark?: Mark
): KeyState {
  return {
    id,
    status,
    createdAt: NOW - ageDays * DAY,
    lastUsed: undefined,
    mark: mark ? { kind: 'ours', mark } : { kind: 'none' }
  }
}

const kinds = (steps: readonly Step[]) => steps.map(step => step.kind)
const adminSnapshot = (keys: KeyState[], overrides: Partial<Snapshot> = {}) =>
  userSnapshot(keys, { ...adminCaller, quarantine: QUARANTINED, ...overrides })

describe('a quarantined self-rotation', () => {
  it.each([
    ['not due', 10, {}],
    ['due', 100, {}],
    ['forced', 10, { force: true }],
    ['with an open alert on the key', 10, {}]
  ] as const)(
    '%s: plans no step and refuses, naming the policy and the way out',
    (name, ageDays, extra) => {
      const decided = plan(
        userSnapshot([key(OLD, ageDays)], {
          quarantine: QUARANTINED,
          ...(name.startsWith('with') ? { leaks: [{ keyId: OLD, alerts: [ALERT] }] } : {})
        }),
        { ...planSettings, ...extra },
        NOW
      )
      expect(decided.steps).toEqual([])
      expect(decided.refusal).toBe(
        "AWS has quarantined IAM user deploy: its managed policy AWSCompromisedKeyQuarantineV3 is attached to the user, which AWS does when it finds one of the user's access keys in public. " +
          'It denies the user iam:CreateAccessKey and iam:UpdateAccessKey, so deploy cannot replace or switch off its own keys, and every key it holds counts as exposed. Nothing was changed. ' +
          'Rotate now from an IAM role (admin mode): it writes a new key to every target and deactivates the exposed ones. ' +
          "Then follow AWS's support case and review the exposed keys' use in CloudTrail before anyone detaches AWSCompromisedKeyQuarantineV3; until then the policy restricts the new key too."
      )
      expect(decided.notes).toEqual([expect.stringContaining('`iam-user-name: deploy`')])
    }
  )

  it('a quarantine that could not be read, or none: the usual plan', () => {
    for (const quarantine of [
      { kind: 'none' },
      { kind: 'unknown', reason: 'AccessDenied' }
    ] as const) {
      const decided = plan(userSnapshot([key(OLD, 100)], { quarantine }), planSettings, NOW)
      expect(kinds(decided.steps)[0]).toBe('rotate')
    }
  })
})

describe('admin mode on a quarantined user', () => {
  it('records the keys it held first, rotates at once though not due, and deactivates the exposed key as soon as every target holds the new one', () => {
    const decided = plan(
      adminSnapshot([key(OLD, 10)]),
      { ...planSettings, leakResponse: 'off' },
      NOW
    )
    expect(decided.refusal).toBeUndefined()
    expect(decided.steps).toEqual([
      { kind: 'record-quarantine', keyIds: [OLD] },
      { kind: 'rotate', previousKeyId: OLD, gated: false },
      {
        kind: 'deactivate-key',
        keyId: OLD,
        reason: 'exposed (AWS quarantined the user), and every target holds the new key'
      }
    ])
    expect(decided.notes[0]).toMatch(
      /^AWS has quarantined IAM user deploy \(AWSCompromisedKeyQuarantineV3\): the keys it held then count as exposed \(AKIA…0001\)/
    )
    expect(decided.notes[0]).toContain('This action never detaches the policy')
    expect(decided.notes).toContain(
      "AKIA…0001 is exposed: the user held it when AWS quarantined the user (AWSCompromisedKeyQuarantineV3): rotating now, whatever its age (AWS's quarantine)."
    )
  })

  it('names every exposed key in its note, and says when none is left', () => {
    const retiredMark: Mark = { state: 'retired', at: NOW - DAY, runId: '7', runAttempt: '1' }
    const two = plan(
      adminSnapshot([key(OLD, 10), key(NEW, 5, 'Inactive', retiredMark)], {
        quarantineRecord: { seenAt: NOW - DAY, keyIds: [OLD, NEW] }
      }),
      planSettings,
      NOW
    )
    expect(two.notes[0]).toContain('count as exposed (AKIA…0001, AKIA…0002)')
    const none = plan(
      adminSnapshot([key(NEW, 5)], { quarantineRecord: { seenAt: NOW - DAY, keyIds: [] } }),
      planSettings,
      NOW
    )
    expect(none.notes[0]).toContain('count as exposed (none left)')
  })

  it('with a smoke gate: the exposed key is not kept active for the gate', () => {
    const decided = plan(adminSnapshot([key(OLD, 10)]), gatedSettings, NOW)
    const deactivation = kinds(decided.steps).indexOf('deactivate-key')
    expect(deactivation).toBeGreaterThan(kinds(decided.steps).indexOf('rotate'))
    expect(deactivation).toBeLessThan(kinds(decided.steps).indexOf('smoke-test'))
  })

  it('resolves the alerts that name an exposed key once it is deactivated', () => {
    const decided = plan(
      adminSnapshot([key(OLD, 10)], { leaks: [{ keyId: OLD, alerts: [ALERT] }] }),
      planSettings,
      NOW
    )
    expect(kinds(decided.steps)).toEqual([
      'record-quarantine',
      'rotate',
      'deactivate-key',
      'resolve-alerts'
    ])
    // An exposed key that alerts name is told by its alerts.
    expect(decided.notes).toContainEqual(expect.stringContaining(ALERT.htmlUrl))
  })

  it('the replacement made since the record is not exposed: nothing more is due', () => {
    const distributed: Mark = {
      state: 'active',
      at: NOW - DAY,
      previousKeyId: OLD,
      runId: '7',
      runAttempt: '1'
    }
    const retired: Mark = { state: 'retired', at: NOW - DAY, runId: '7', runAttempt: '1' }
    const decided = plan(
      adminSnapshot([key(OLD, 10, 'Inactive', retired), key(NEW, 1, 'Active', distributed)], {
        quarantineRecord: { seenAt: NOW - DAY, keyIds: [OLD] }
      }),
      planSettings,
      NOW
    )
    expect(decided.steps).toEqual([])
    expect(decided.notes[0]).toContain('count as exposed (AKIA…0001)')
  })

  it('an unreadable record is written afresh; a record without a quarantine is removed', () => {
    const afresh = plan(
      adminSnapshot([key(OLD, 10)], { quarantineRecord: 'unreadable' }),
      planSettings,
      NOW
    )
    expect(afresh.steps[0]).toEqual({ kind: 'record-quarantine', keyIds: [OLD] })
    const detached = plan(
      adminSnapshot([key(OLD, 10)], {
        quarantine: { kind: 'none' },
        quarantineRecord: { seenAt: NOW - DAY, keyIds: [OLD] }
      }),
      planSettings,
      NOW
    )
    expect(detached.steps).toEqual([{ kind: 'clear-quarantine-record' }])
    const unknown = plan(
      adminSnapshot([key(OLD, 10)], {
        quarantine: { kind: 'unknown', reason: 'AccessDenied' },
        quarantineRecord: { seenAt: NOW - DAY, keyIds: [OLD] }
      }),
      planSettings,
      NOW
    )
    expect(unknown.steps).toEqual([])
  })

  it('leak-response report does not hold back the quarantine', () => {
    const decided = plan(
      adminSnapshot([key(OLD, 10)]),
      { ...planSettings, leakResponse: 'report' },
      NOW
    )
    expect(kinds(decided.steps)).toEqual(['record-quarantine', 'rotate', 'deactivate-key'])
    expect(decided.warnings ?? []).toEqual([])
  })
})
