/**
 * The planner's rules one by one, with the exact plan each yields: which steps in which order,
 * which key, refusal or wait, and the key the targets hold. Complements plan.test.ts.
 */
import { ROOT_REFUSAL } from '../src/errors.js'
import type { Mark } from '../src/marks.js'
import { describeStep, leaseMs, pinnedKey, plan, quietPeriod, type Step } from '../src/plan.js'
import type { KeyState, LastUse, Snapshot } from '../src/snapshot.js'
import {
  adminCaller,
  DAY,
  gatedSettings,
  planSettings,
  userSnapshot
} from './fakes/plan-fixtures.js'

const MIN = 60_000
const NOW = Date.parse('2026-11-22T12:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

const settings = planSettings
const gated = gatedSettings

/** A key created `ageMs` before NOW, optionally with our mark. */
function key(
  id: string,
  status: 'Active' | 'Inactive',
  ageMs: number,
  mark?: Mark,
  lastUsed?: LastUse
): KeyState {
  return {
    id,
    status,
    createdAt: NOW - ageMs,
    lastUsed,
    mark: mark ? { kind: 'ours', mark } : { kind: 'none' }
  }
}
const used = (atMs: number): LastUse => ({ at: atMs, service: 's3', region: 'eu-west-1' })

const snapshot = userSnapshot
const admin = adminCaller

/** A refusal: nothing changes and the text says why. */
const refusal = (text: string) => ({ steps: [], refusal: text, notes: [], currentKeyId: undefined })

const WAIT_TAIL =
  'this run leaves it alone and changes nothing for this user. ' +
  'A run that died is recognised as soon as GitHub shows it completed, or once that time has passed; a later run then finishes or undoes its work.'
/** How a waiting run says until when the holder may hold the key. */
const held = (until: string) =>
  `it may hold the key until ${until} by its own settings, and no run undoes it before then`
/** The same for a holder GitHub shows in progress: its word beats any clock. */
const heldRunning = (until: string) =>
  `it may hold the key until ${until} by its own settings; no run undoes it while GitHub shows it going`

const PENDING_TAIL =
  'This run does not sign with either key, so it cannot write a known key to every target. ' +
  'Changing nothing. Let the self-rotation run that holds the key finish, or re-run it; ' +
  'or have a person check which key the targets hold and delete the other.'

const active = (at: number, previousKeyId = 'AKIAOLD1', extra: Partial<Mark> = {}): Mark => ({
  state: 'active',
  at,
  previousKeyId,
  ...extra
})
const retiredAt = (at: number, extra: Partial<Mark> = {}): Mark => ({
  state: 'retired',
  at,
  ...extra
})
const run7 = { runId: '7', runAttempt: '1', repository: 'acme/app' }

describe('untrusted credentials and marks', () => {
  it('refuses the root user with the fixed advice and no steps', () => {
    const root = snapshot([key('AKIAOLD1', 'Active', 100 * DAY)], {
      caller: { arn: 'arn:aws:iam::1:root', accountId: '1', kind: 'root', userName: undefined }
    })
    expect(plan(root, settings, NOW)).toStrictEqual(refusal(ROOT_REFUSAL))
  })

  it('refuses another account by name, and goes on when expected-account-id matches', () => {
    const snap = snapshot([key('AKIAOLD1', 'Active', 10 * DAY)])
    expect(plan(snap, { ...settings, expectedAccountId: '999999999999' }, NOW)).toStrictEqual(
      refusal(
        'The credentials belong to AWS account 123456789012, not 999999999999 (expected-account-id). ' +
          'Check which credentials the workflow configures.'
      )
    )
    expect(
      plan(snap, { ...settings, expectedAccountId: '123456789012' }, NOW).refusal
    ).toBeUndefined()
  })

  it('refuses marks of another version, naming every unreadable key and its reason', () => {
    const unreadable = (id: string, reason: string): KeyState => ({
      ...key(id, 'Active', 10 * DAY),
      mark: { kind: 'unreadable', reason }
    })
    const p = plan(
      snapshot([unreadable('AKIAONE1', 'v2'), key('AKIAOK01', 'Active', DAY)]),
      settings,
      NOW
    )
    expect(p).toStrictEqual(
      refusal(
        'The marks on AKIAONE1 (v2) cannot be read by this version. ' +
          'Use the version of the action that wrote them, or have a person check the keys.'
      )
    )
    expect(
      plan(snapshot([unreadable('AKIAONE1', 'v2'), unreadable('AKIATWO1', 'bad')]), settings, NOW)
        .refusal
    ).toMatch(/^The marks on AKIAONE1 \(v2\), AKIATWO1 \(bad\) cannot be read/)
  })
})

describe('the intent mark of another run (overlap and orphans)', () => {
  const INTENT_AT = NOW - MIN
  const TAG = 'rotate-aws-access-keys:intent:7.1.abcd1234'
  const intent = (extra: Partial<Mark> = {}, run: Partial<Mark> = run7): Partial<Snapshot> => ({
    intents: [
      {
        tagKey: TAG,
        value: 'intent-value',
        mark: { state: 'creating', at: INTENT_AT, previousKeyId: 'AKIAOLD1', ...run, ...extra }
      }
    ],
    runs: { '7.1': 'finished' }
  })
  const made = (id: string, msAfterIntent: number): KeyState => ({
    ...key(id, 'Active', 0),
    createdAt: INTENT_AT + msAfterIntent
  })
  const old = key('AKIAOLD1', 'Active', 10 * DAY)
  const clear: Step = { kind: 'clear-intent', tagKey: TAG, value: 'intent-value' }

  it('without an intent, an unmarked key beside the signing key is a person’s', () => {
    const orphanish = made('AKIAORPH', 1_000)
    const p = plan(snapshot([old, orphanish], { signingKeyId: 'AKIAOLD1' }), settings, NOW)
    expect(p.refusal).toMatch(/did not create/)
  })

  it('settles every dead run’s intent, oldest first; one live run’s intent is enough to wait', () => {
    const [dead] = intent().intents ?? []
    const second = {
      tagKey: 'rotate-aws-access-keys:intent:8.1.ffff0000',
      value: 'second',
      mark: { state: 'creating' as const, at: INTENT_AT + 1_000, runId: '8', runAttempt: '1' }
    }
    const both = [dead, second].flatMap(i => (i ? [i] : []))
    const p = plan(
      snapshot([old], { intents: both, runs: { '7.1': 'finished', '8.1': 'finished' } }),
      settings,
      NOW
    )
    expect(p.steps).toStrictEqual([
      clear,
      { kind: 'clear-intent', tagKey: second.tagKey, value: 'second' }
    ])
    const live = plan(
      snapshot([old], { intents: both, runs: { '7.1': 'finished', '8.1': 'running' } }),
      settings,
      NOW
    )
    expect(live.steps).toStrictEqual([])
    expect(live.waiting).toMatch(
      /^The intent mark on the user says run 8 attempt 1, which GitHub shows in progress /
    )
  })

  it("keeps a dead run's intent that pins no key while the key it made may not show in IAM's reads yet", () => {
    // The window ends 40 s after the intent (lead, connect, request-timeout); reads may lag 15 s more.
    const end = INTENT_AT + 40_000 + 15_000
    expect(plan(snapshot([old], intent()), settings, end - 1).steps).toStrictEqual([])
    expect(plan(snapshot([old], intent()), settings, end).steps).toStrictEqual([clear])
  })

  it("clears a dead run's intent that pins no key, with no warning", () => {
    const p = plan(snapshot([old], intent()), settings, NOW)
    expect(p.steps).toStrictEqual([clear])
    expect(p).not.toHaveProperty('warnings')
    expect(p.currentKeyId).toBe('AKIAOLD1')
  })

  it("sets a dead run's orphan aside; the orphan then holds the slot a due rotation needs", () => {
    const orphanWarning =
      'AKIAORPH was created right after run 7 attempt 1 of acme/app announced a new key, and that run stopped before marking it: this run deactivates it and marks it retired (an orphan). ' +
      `It is deleted by the first run after ${iso(NOW + 7 * DAY)} (delete-after), and until then it holds the user's second key slot, so no rotation starts. ` +
      'If a person made AKIAORPH, make it active again in the IAM console (Access keys, Actions, Activate): the action then treats it as theirs and never touches it.'
    const retire: Step = {
      kind: 'retire-orphan',
      keyId: 'AKIAORPH',
      intent: { tagKey: TAG, value: 'intent-value' },
      reason: `created at ${iso(INTENT_AT + 2_000)} by run 7 attempt 1 of acme/app, which stopped before marking it; never used, so no target holds it`
    }
    const due = plan(
      snapshot([key('AKIAOLD1', 'Active', 100 * DAY), made('AKIAORPH', 2_000)], intent()),
      settings,
      NOW
    )
    expect(due).toStrictEqual({
      steps: [retire, clear],
      refusal: undefined,
      notes: [],
      currentKeyId: 'AKIAOLD1',
      warnings: [
        orphanWarning,
        `A rotation is due, but AKIAORPH holds the second key slot: it was set aside as a dead run's orphan and is deleted by the first run after ${iso(NOW + 7 * DAY)}. ` +
          'No rotation starts until then. If nobody needs AKIAORPH, delete it in the IAM console and the next run rotates.'
      ]
    })
    const notDue = plan(snapshot([old, made('AKIAORPH', 2_000)], intent()), settings, NOW)
    expect(notDue.steps).toStrictEqual([retire, clear])
    expect(notDue.warnings).toStrictEqual([orphanWarning])
    expect(notDue.notes).toStrictEqual([
      `Inactive key AKIAORPH will be deleted by the first run after ${iso(NOW + 7 * DAY)}.`,
      `Key AKIAOLD1 is 10d old, younger than max-age; the next rotation is due at ${iso(NOW + 80 * DAY)}.`
    ])
  })

  it('names an intent of an unknown run as an earlier run', () => {
    const p = plan(
      snapshot([old, made('AKIAORPH', 2_000)], {
        ...intent({}, {}),
        runs: {}
      }),
      settings,
      NOW + 40 * MIN
    )
    expect(p.steps[0]).toMatchObject({
      reason: expect.stringMatching(/ by an earlier run, which stopped/)
    })
  })

  it('pins no key that carries our mark', () => {
    const marked: KeyState = {
      ...made('AKIANEW1', 2_000),
      mark: {
        kind: 'ours',
        mark: { state: 'pending', at: INTENT_AT, previousKeyId: 'AKIAOLD1', ...run7 }
      }
    }
    const p = plan(
      snapshot([old, marked], { ...intent(), signingKeyId: 'AKIAOLD1' }),
      settings,
      NOW
    )
    // The run's pending key is healed as a split, not set aside as an orphan.
    expect(p.steps.slice(0, 2)).toStrictEqual([
      clear,
      { kind: 'restore', keyId: 'AKIAOLD1', abandonedKeyId: 'AKIANEW1' }
    ])
  })

  it('pins a key created up to the skew outside the window, not a millisecond more', () => {
    const first = (ms: number, s = settings) =>
      plan(snapshot([old, made('AKIANEW2', ms)], intent()), s, NOW).steps[0]?.kind
    // 30 s request-timeout: lead 5 s + connect 5 s + request 30 s, then 5 s of clock skew.
    expect(first(45_000)).toBe('retire-orphan')
    expect(first(45_001)).not.toBe('retire-orphan')
    expect(first(-5_000)).toBe('retire-orphan')
    expect(first(-5_001)).not.toBe('retire-orphan')
    // A 3 s request-timeout connects within it: 5 + 3 + 3 + 5 s.
    const short = { ...settings, requestTimeoutMs: 3_000 }
    expect(first(16_000, short)).toBe('retire-orphan')
    expect(first(16_001, short)).not.toBe('retire-orphan')
  })

  it('pinnedKey: only the one key in the window, active and never used', () => {
    const w = { from: 100_000, to: 200_000 }
    const k = (createdAt: number, extra: Partial<KeyState> = {}) => ({
      createdAt,
      status: 'Active' as const,
      lastUsed: undefined,
      ...extra
    })
    const only = k(150_000)
    expect(pinnedKey([only, k(300_000)], w)).toBe(only)
    expect(pinnedKey([k(95_000), k(205_000)].slice(0, 1), w)).toStrictEqual(k(95_000))
    expect(pinnedKey([k(94_999)], w)).toBeUndefined()
    expect(pinnedKey([k(205_001)], w)).toBeUndefined()
    expect(pinnedKey([only, k(160_000)], w)).toBeUndefined()
    expect(pinnedKey([], w)).toBeUndefined()
    expect(pinnedKey([k(150_000, { status: 'Inactive' })], w)).toBeUndefined()
    expect(pinnedKey([k(150_000, { lastUsed: used(1) })], w)).toBeUndefined()
  })

  it('waits for a live intent, naming the run and why it may be alive', () => {
    const live = plan(snapshot([old], { ...intent(), runs: { '7.1': 'running' } }), settings, NOW)
    expect(live).toStrictEqual({
      steps: [],
      refusal: undefined,
      notes: [],
      currentKeyId: undefined,
      // Since the intent's time: a wait that lasts a day is a stuck run that needs a person.
      waitingSince: INTENT_AT,
      waiting:
        `The intent mark on the user says run 7 attempt 1 of acme/app, which GitHub shows in progress (${heldRunning('2026-11-22T12:31:00Z')}) is creating a new key; ` +
        WAIT_TAIL
    })
    const unknown = plan(snapshot([old], { ...intent(), runs: {} }), settings, NOW)
    expect(unknown.waiting).toBe(
      `The intent mark on the user says run 7 attempt 1 of acme/app (GitHub does not say whether it is still going; ${held('2026-11-22T12:31:00Z')}) is creating a new key; ` +
        WAIT_TAIL
    )
  })
})

describe('stale marks and key order', () => {
  it('removes marks of deleted keys after settling the intent, before anything else', () => {
    const p = plan(
      snapshot([key('AKIAOLD1', 'Active', 100 * DAY)], {
        staleMarks: [
          { keyId: 'AKIAGON1', mark: { state: 'retired', at: NOW - DAY } },
          { keyId: 'AKIAGON2', mark: { state: 'active', at: NOW - DAY } }
        ],
        intents: [{ tagKey: 'i', value: 'v', mark: { state: 'creating', at: NOW - MIN, ...run7 } }],
        runs: { '7.1': 'finished' }
      }),
      settings,
      NOW
    )
    expect(p.steps.slice(0, 3)).toStrictEqual([
      { kind: 'clear-intent', tagKey: 'i', value: 'v' },
      { kind: 'remove-marks', tagKeys: ['AKIAGON1', 'AKIAGON2'] },
      { kind: 'rotate', previousKeyId: 'AKIAOLD1', gated: false }
    ])
  })

  it('orders keys of one second by their ids when the marks do not tell', () => {
    // Same CreateDate, neither names the other, neither retired: the lower id counts as older.
    const pending = (id: string): KeyState =>
      key(id, 'Active', DAY, { state: 'pending', at: NOW - DAY, ...run7 })
    const plain = (id: string): KeyState => key(id, 'Active', DAY)
    const newerUnmarked = (keys: KeyState[]) =>
      plan(snapshot(keys, { signingKeyId: 'AKIAZZZ1', runs: { '7.1': 'finished' } }), settings, NOW)
    for (const keys of [
      [pending('AKIAAAA1'), plain('AKIAZZZ1')],
      [plain('AKIAZZZ1'), pending('AKIAAAA1')]
    ]) {
      expect(newerUnmarked(keys).refusal).toMatch(/the newer, AKIAZZZ1, was not created/)
    }
    for (const keys of [
      [pending('AKIAZZZ1'), plain('AKIAAAA1')],
      [plain('AKIAAAA1'), pending('AKIAZZZ1')]
    ]) {
      const p = plan(
        snapshot(keys, { signingKeyId: 'AKIAAAA1', runs: { '7.1': 'finished' } }),
        settings,
        NOW
      )
      expect(p.steps.slice(0, 2)).toStrictEqual([
        { kind: 'restore', keyId: 'AKIAAAA1', abandonedKeyId: 'AKIAZZZ1' },
        expect.objectContaining({ kind: 'delete-key', keyId: 'AKIAZZZ1' })
      ])
    }
  })

  it('in one second, a key naming the other as previous is the newer, in either listing order', () => {
    const older = key('AKIAZZZ1', 'Active', DAY)
    const newer = key('AKIAAAA1', 'Active', DAY, active(NOW - DAY, 'AKIAZZZ1'))
    for (const keys of [
      [older, newer],
      [newer, older]
    ]) {
      const p = plan(snapshot(keys, { signingKeyId: 'AKIAAAA1' }), settings, NOW)
      expect(p.steps).toStrictEqual([
        {
          kind: 'deactivate-key',
          keyId: 'AKIAZZZ1',
          reason: 'replaced by the new key in every target'
        }
      ])
      expect(p.currentKeyId).toBe('AKIAAAA1')
    }
  })

  it('in one second, a retired key is older than a live one whatever the ids', () => {
    const back = key('AKIAZZZ1', 'Active', DAY, { state: 'reactivated', at: NOW - DAY / 2 })
    const live = key('AKIAAAA1', 'Active', DAY, { state: 'active', at: NOW - DAY })
    for (const keys of [
      [back, live],
      [live, back]
    ]) {
      const p = plan(snapshot(keys, { signingKeyId: 'AKIAAAA1' }), settings, NOW)
      expect(p.currentKeyId).toBe('AKIAAAA1')
      expect(p.steps).toStrictEqual([])
    }
  })

  it('when two keys of one second name each other, the retired one is older', () => {
    const a = key('AKIAAAA1', 'Active', DAY, active(NOW - DAY, 'AKIAZZZ1'))
    const z = key('AKIAZZZ1', 'Active', DAY, {
      state: 'reactivated',
      at: NOW - DAY / 2,
      previousKeyId: 'AKIAAAA1'
    })
    for (const keys of [
      [a, z],
      [z, a]
    ]) {
      expect(plan(snapshot(keys, { signingKeyId: 'AKIAAAA1' }), settings, NOW).currentKeyId).toBe(
        'AKIAAAA1'
      )
    }
  })
})

describe('active keys a person may rely on', () => {
  const unknownRefusal = (ids: string, reclaimed = '') =>
    refusal(
      `IAM user deploy has active access keys that this action did not create and that are not the key in use: ${ids}. ` +
        reclaimed +
        'Changing nothing: a person may rely on them. Find what uses them (IAM console, "last used"), ' +
        'then deactivate and delete them, or add a description starting "rotate-aws-access-keys" only if you wrote it.'
    )
  /** Admin mode with two active keys: the run cannot tell which the targets hold. */
  const unsureRefusal = (ids: string, reclaimed = '') =>
    refusal(
      `IAM user deploy has active access keys that this action did not create: ${ids}. ` +
        reclaimed +
        'Changing nothing: this run cannot tell which key the targets hold, and a person may rely on the others. Find what uses each key (IAM console, "last used"), ' +
        'then deactivate and delete only the keys nothing uses, never the one the targets hold; or add a description starting "rotate-aws-access-keys" only if you wrote it.'
    )

  it('refuses unmarked active keys beside the key in use, naming each', () => {
    expect(
      plan(
        snapshot([key('AKIAOLD1', 'Active', 10 * DAY), key('AKIAPER1', 'Active', DAY)], {
          signingKeyId: 'AKIAOLD1'
        }),
        settings,
        NOW
      )
    ).toStrictEqual(unknownRefusal('AKIAPER1'))
    expect(
      plan(
        snapshot([key('AKIAOLD1', 'Active', 10 * DAY), key('AKIAPER1', 'Active', DAY)], admin),
        settings,
        NOW
      )
    ).toStrictEqual(unsureRefusal('AKIAOLD1, AKIAPER1'))
  })

  it('says when a refused key is an orphan someone made active again', () => {
    const reclaimed = key('AKIAORPH', 'Active', DAY, retiredAt(NOW - DAY, { orphan: true }))
    expect(
      plan(
        snapshot([key('AKIAOLD1', 'Active', 10 * DAY), reclaimed], { signingKeyId: 'AKIAOLD1' }),
        settings,
        NOW
      )
    ).toStrictEqual(
      unknownRefusal(
        'AKIAORPH',
        "(AKIAORPH was set aside by this action as a dead run's orphan and someone made it active again, so it counts as theirs.) "
      )
    )
    const two = plan(snapshot([reclaimed, { ...reclaimed, id: 'AKIAORP2' }], admin), settings, NOW)
    expect(two.refusal).toContain('(AKIAORP2, AKIAORPH was set aside by this action as a dead run')
  })

  it('in admin mode accepts the key one of its keys replaced, but not one a retired key names', () => {
    const older = key('AKIAOLD1', 'Active', 100 * DAY)
    const ok = plan(
      snapshot([older, key('AKIANEW1', 'Active', DAY, active(NOW - DAY))], admin),
      settings,
      NOW
    )
    expect(ok.refusal).toBeUndefined()
    for (const state of ['retired', 'reactivated'] as const) {
      // A key active again names the key it replaced long ago: that one is no longer accounted for.
      const p = plan(
        snapshot(
          [
            older,
            key('AKIANEW1', 'Active', DAY, { state, at: NOW - DAY, previousKeyId: 'AKIAOLD1' })
          ],
          admin
        ),
        settings,
        NOW
      )
      expect(p).toStrictEqual(unsureRefusal('AKIAOLD1'))
    }
  })
})

describe('the planner as a pure function', () => {
  it('orders keys by creation, whatever order IAM lists them in', () => {
    const older = key('AKIAOLD1', 'Active', 100 * DAY)
    const newer = key('AKIANEW1', 'Active', 2 * DAY, active(NOW - 2 * DAY))
    expect(
      plan(snapshot([newer, older], { signingKeyId: 'AKIANEW1' }), settings, NOW).steps
    ).toStrictEqual([
      {
        kind: 'deactivate-key',
        keyId: 'AKIAOLD1',
        reason: 'replaced by the new key in every target'
      }
    ])
  })

  it('leaves the snapshot as it was', () => {
    const keys = [
      key('AKIANEW1', 'Active', 2 * DAY, active(NOW - 2 * DAY)),
      key('AKIAOLD1', 'Active', 100 * DAY)
    ]
    const snap = snapshot(keys, { signingKeyId: 'AKIANEW1' })
    plan(snap, settings, NOW)
    expect(snap.keys.map(k => k.id)).toStrictEqual(['AKIANEW1', 'AKIAOLD1'])
  })
})

describe('the first key (no active key)', () => {
  const retired = (id: string, createdDaysAgo: number, retiredDaysAgo: number, extra = {}) =>
    key(id, 'Inactive', createdDaysAgo * DAY, retiredAt(NOW - retiredDaysAgo * DAY, extra))
  const firstNote =
    'IAM user deploy has no active access key: this run creates its first key, verifies it and writes it to every target. Nothing is deactivated.'

  it('refuses in self mode, and with reactivate-previous, with what to do', () => {
    expect(plan(snapshot([retired('AKIAOLD1', 10, 2)]), settings, NOW)).toStrictEqual(
      refusal(
        'IAM user deploy has no active access key, so a run cannot sign in as it; self-rotation cannot start from zero. ' +
          'Create the first key (or let an admin-mode run create it), store it in the targets, then let the action take over.'
      )
    )
    expect(
      plan(
        snapshot([retired('AKIAOLD1', 10, 2)], admin),
        { ...settings, reactivatePrevious: true },
        NOW
      )
    ).toStrictEqual(
      refusal(
        'reactivate-previous: IAM user deploy has no active key, so there is no current key for the targets to keep. ' +
          'Nothing was changed. Run without reactivate-previous to give the user a new first key, or re-activate a key in the IAM console.'
      )
    )
  })

  it('refuses beside inactive keys someone else switched off, naming each', () => {
    expect(
      plan(
        snapshot(
          [
            key('AKIAPER1', 'Inactive', 50 * DAY),
            retired('AKIAOLD1', 10, 2),
            key('AKIAPER2', 'Inactive', DAY)
          ],
          admin
        ),
        settings,
        NOW
      )
    ).toStrictEqual(
      refusal(
        'IAM user deploy has no active access key, and AKIAPER1, AKIAPER2 was deactivated by someone other than this action. ' +
          'Changing nothing: it may have been switched off on purpose. Delete it (or re-activate it) in the IAM console, then run again.'
      )
    )
  })

  it('creates the first key, ungated, and says a smoke workflow is not run for it', () => {
    expect(plan(snapshot([], admin), settings, NOW)).toStrictEqual({
      steps: [{ kind: 'rotate', previousKeyId: undefined, gated: false }],
      refusal: undefined,
      notes: [firstNote],
      currentKeyId: undefined
    })
    expect(plan(snapshot([], admin), gated, NOW)).toStrictEqual({
      steps: [{ kind: 'rotate', previousKeyId: undefined, gated: false }],
      refusal: undefined,
      notes: [
        firstNote,
        'The smoke workflow is not run: a first key replaces no key it would protect.'
      ],
      currentKeyId: undefined
    })
  })

  it('of two retired keys deletes the one retired first, not the one created first', () => {
    // AKIAOLD1 was created first but retired last (it was reactivated and retired again).
    const a = retired('AKIAOLD1', 300, 1)
    const b = retired('AKIAOLD2', 100, 3)
    for (const keys of [
      [a, b],
      [b, a]
    ]) {
      expect(plan(snapshot(keys, admin), settings, NOW)).toStrictEqual({
        steps: [
          {
            kind: 'delete-key',
            keyId: 'AKIAOLD2',
            reason:
              'retired by this action, so not in use, and its slot is needed for the new key (IAM allows two keys)'
          },
          { kind: 'rotate', previousKeyId: undefined, gated: false }
        ],
        refusal: undefined,
        notes: [
          `Inactive key AKIAOLD1 will be deleted by the first run after ${iso(NOW + 6 * DAY)}.`,
          firstNote
        ],
        currentKeyId: undefined
      })
    }
  })

  it('counts a reactivated key a person deactivated again as retired at its reactivation', () => {
    const back = key('AKIAOLD1', 'Inactive', 300 * DAY, { state: 'reactivated', at: NOW - DAY })
    const p = plan(snapshot([back, retired('AKIAOLD2', 100, 3)], admin), settings, NOW)
    expect(p.steps.map(s => s.kind === 'delete-key' && s.keyId)).toStrictEqual(['AKIAOLD2', false])
  })

  it('keeps an orphan created before the retired key, deleting the retired key for the slot', () => {
    const orphan = retired('AKIAORPH', 5, 5, { orphan: true })
    const p = plan(snapshot([orphan, retired('AKIARET1', 2, 1)], admin), settings, NOW)
    expect(p.steps).toStrictEqual([
      {
        kind: 'delete-key',
        keyId: 'AKIARET1',
        reason:
          'retired by this action, so not in use, and its slot is needed for the new key (IAM allows two keys)'
      },
      { kind: 'rotate', previousKeyId: undefined, gated: false }
    ])
    expect(p.notes[0]).toBe(
      `Inactive key AKIAORPH will be deleted by the first run after ${iso(NOW + 2 * DAY)}.`
    )
  })

  it('waits out two set-aside orphans: the older-retired one holds the slot until delete-after', () => {
    const p = plan(
      snapshot(
        [retired('AKIAORP2', 1, 1, { orphan: true }), retired('AKIAORP1', 2, 2, { orphan: true })],
        admin
      ),
      settings,
      NOW
    )
    expect(p).toStrictEqual({
      steps: [],
      refusal: undefined,
      notes: [
        `Inactive key AKIAORP2 will be deleted by the first run after ${iso(NOW + 6 * DAY)}.`
      ],
      currentKeyId: undefined,
      warnings: [
        `A rotation is due, but AKIAORP1 holds the second key slot: it was set aside as a dead run's orphan and is deleted by the first run after ${iso(NOW + 5 * DAY)}. ` +
          'No rotation starts until then. If nobody needs AKIAORP1, delete it in the IAM console and the next run rotates.'
      ]
    })
  })
})

describe('reactivate-previous', () => {
  const ask = { ...settings, reactivatePrevious: true }
  const current = key('AKIANEW1', 'Active', 5 * DAY, active(NOW - 5 * DAY))
  const refuseWith = (why: string) => refusal(`reactivate-previous: ${why} Nothing was changed.`)

  it('reactivates the most recently retired key, whatever the creation order, and says for how long it stays', () => {
    // AKIAOLD1 is the younger key, and was retired last.
    const a = key('AKIAOLD1', 'Inactive', 100 * DAY, retiredAt(NOW - DAY))
    const b = key('AKIAOLD2', 'Inactive', 300 * DAY, retiredAt(NOW - 3 * DAY))
    for (const keys of [
      [a, b, current],
      [b, a, current]
    ]) {
      expect(plan(snapshot(keys), ask, NOW)).toStrictEqual({
        steps: [{ kind: 'reactivate-key', keyId: 'AKIAOLD1' }],
        refusal: undefined,
        notes: [
          `reactivate-previous: AKIAOLD1 (retired ${iso(NOW - DAY)}) becomes active again for whatever still uses it; every target keeps AKIANEW1. ` +
            'Later runs keep it active while it is used and deactivate it again once it has gone unused for 1d. No rotation starts while it is active.'
        ],
        currentKeyId: 'AKIANEW1'
      })
    }
    expect(
      plan(snapshot([a, current]), { ...ask, deactivateAfterMs: 3 * DAY }, NOW).notes[0]
    ).toMatch(/once it has gone unused for 3d\./)
  })

  it('skips an orphan even when it was retired last', () => {
    const orphan = key('AKIAORPH', 'Inactive', DAY, retiredAt(NOW - DAY, { orphan: true }))
    const old = key('AKIAOLD1', 'Inactive', 100 * DAY, retiredAt(NOW - 3 * DAY))
    expect(plan(snapshot([orphan, old, current]), ask, NOW).steps).toStrictEqual([
      { kind: 'reactivate-key', keyId: 'AKIAOLD1' }
    ])
  })

  it('is a no-op when the retired key is already active again, by hand too', () => {
    const back = key('AKIAOLD1', 'Active', 100 * DAY, retiredAt(NOW - DAY))
    expect(plan(snapshot([back, current], { signingKeyId: 'AKIANEW1' }), ask, NOW)).toStrictEqual({
      steps: [],
      refusal: undefined,
      notes: [
        'reactivate-previous: AKIAOLD1 is already active again; every target keeps AKIANEW1.'
      ],
      currentKeyId: 'AKIANEW1'
    })
  })

  it('refuses while a key is being distributed or two keys are active, or with nothing retired', () => {
    const old = key('AKIAOLD1', 'Active', 100 * DAY)
    const creating = key('AKIANEW1', 'Active', DAY, { state: 'creating', at: NOW - DAY, ...run7 })
    expect(
      plan(snapshot([old, creating], { runs: { '7.1': 'finished' } }), ask, NOW)
    ).toStrictEqual(
      refuseWith(
        'AKIANEW1 is still being distributed by run 7 attempt 1 of acme/app, and AKIAOLD1 is still active. Run once without reactivate-previous to finish that rotation, then ask again.'
      )
    )
    expect(plan(snapshot([old, current], { signingKeyId: 'AKIANEW1' }), ask, NOW)).toStrictEqual(
      refuseWith(
        'IAM user deploy already has two active keys (AKIAOLD1, AKIANEW1): the previous key has not been deactivated yet, so there is nothing to reactivate.'
      )
    )
    for (const state of ['pending', 'creating'] as const) {
      const only = key('AKIANEW1', 'Active', DAY, { state, at: NOW - DAY, ...run7 })
      expect(
        plan(
          snapshot([key('AKIAOLD1', 'Inactive', 100 * DAY, retiredAt(NOW - DAY)), only]),
          ask,
          NOW
        )
      ).toStrictEqual(
        refuseWith(
          'AKIANEW1 is still being distributed by run 7 attempt 1 of acme/app. Run once without reactivate-previous to finish that rotation, then ask again.'
        )
      )
    }
    expect(plan(snapshot([key('AKIAOLD1', 'Active', DAY)]), ask, NOW)).toStrictEqual(
      refuseWith(
        "IAM user deploy has no key that this action retired and that still exists (a retired key is deleted once delete-after has passed, and keys deactivated by a person are not the action's to reactivate)."
      )
    )
  })
})

describe('one active key', () => {
  const rotateSteps = (id: string) => [
    { kind: 'rotate', previousKeyId: id, gated: false },
    { kind: 'deactivate-key', keyId: id, reason: 'replaced by the new key in every target' }
  ]

  it('keeps a key younger than max-age and says when it is due; rotates from max-age on', () => {
    expect(plan(snapshot([key('AKIAOLD1', 'Active', 90 * DAY - 1)]), settings, NOW)).toStrictEqual({
      steps: [],
      refusal: undefined,
      notes: [
        `Key AKIAOLD1 is 89d23h old, younger than max-age; the next rotation is due at ${iso(NOW + 1)}.`
      ],
      currentKeyId: 'AKIAOLD1'
    })
    expect(plan(snapshot([key('AKIAOLD1', 'Active', 90 * DAY)]), settings, NOW)).toStrictEqual({
      steps: rotateSteps('AKIAOLD1'),
      refusal: undefined,
      notes: ['Key AKIAOLD1 is 90d old; rotating (max-age 90d).'],
      currentKeyId: 'AKIAOLD1'
    })
  })

  it('max-age 0 rotates on every run, even a key whose CreateDate is ahead of the runner clock', () => {
    const ahead: KeyState = { ...key('AKIAOLD1', 'Active', 0), createdAt: NOW + 2_000 }
    expect(plan(snapshot([ahead]), { ...settings, maxAgeMs: 0 }, NOW).steps).toStrictEqual(
      rotateSteps('AKIAOLD1')
    )
  })

  it('says a young key rotates because of force; a due one by max-age even with force', () => {
    expect(
      plan(snapshot([key('AKIAOLD1', 'Active', 2 * DAY)]), { ...settings, force: true }, NOW).notes
    ).toStrictEqual(['Key AKIAOLD1 is 2d old; rotating because force is set.'])
    expect(
      plan(snapshot([key('AKIAOLD1', 'Active', 90 * DAY)]), { ...settings, force: true }, NOW).notes
    ).toStrictEqual(['Key AKIAOLD1 is 90d old; rotating (max-age 90d).'])
  })

  it('keeps the previous key for deactivate-after, and says so', () => {
    expect(
      plan(
        snapshot([key('AKIAOLD1', 'Active', 100 * DAY)]),
        { ...settings, deactivateAfterMs: DAY },
        NOW
      )
    ).toStrictEqual({
      steps: [{ kind: 'rotate', previousKeyId: 'AKIAOLD1', gated: false }],
      refusal: undefined,
      notes: [
        'Key AKIAOLD1 is 100d old; rotating (max-age 90d).',
        'The previous key stays active for deactivate-after (1d), for runs queued before the change; the first run after that deactivates it.'
      ],
      currentKeyId: 'AKIAOLD1'
    })
  })

  it('gates a rotation: smoke test of the new key, then deactivation once it passed', () => {
    expect(plan(snapshot([key('AKIAOLD1', 'Active', 100 * DAY)]), gated, NOW)).toStrictEqual({
      steps: [
        { kind: 'rotate', previousKeyId: 'AKIAOLD1', gated: true },
        {
          kind: 'smoke-test',
          keyId: undefined,
          previousKeyId: 'AKIAOLD1',
          distributedAt: undefined
        },
        {
          kind: 'deactivate-key',
          keyId: 'AKIAOLD1',
          reason: 'replaced by the new key in every target, and the smoke workflow passed'
        }
      ],
      refusal: undefined,
      notes: [
        'Key AKIAOLD1 is 100d old; rotating (max-age 90d).',
        'The smoke workflow runs once every target holds the new key; AKIAOLD1 is deactivated only if it passes.'
      ],
      currentKeyId: 'AKIAOLD1'
    })
  })

  it('deletes a retired key past delete-after (to the millisecond) and says how long ago it was retired', () => {
    const retiredKey = (at: number) => key('AKIARET1', 'Inactive', 200 * DAY, retiredAt(at))
    const p = plan(
      snapshot([retiredKey(NOW - 7 * DAY), key('AKIAOLD1', 'Active', 10 * DAY)]),
      settings,
      NOW
    )
    expect(p.steps).toStrictEqual([
      { kind: 'delete-key', keyId: 'AKIARET1', reason: 'retired 7d ago; delete-after has passed' }
    ])
    const kept = plan(
      snapshot([retiredKey(NOW - 7 * DAY + 1), key('AKIAOLD1', 'Active', 10 * DAY)]),
      settings,
      NOW
    )
    expect(kept.steps).toStrictEqual([])
    expect(kept.notes[0]).toBe(
      `Inactive key AKIARET1 will be deleted by the first run after ${iso(NOW + 1)}.`
    )
  })

  it('frees the slot of a key one of its keys replaced, even unmarked, for a due rotation', () => {
    // AKIAPRE1 was replaced by AKIAOLD1 (named as its previous key) and never marked.
    const current = key(
      'AKIAOLD1',
      'Active',
      100 * DAY,
      active(NOW - 100 * DAY, 'AKIAPRE1', { smoke: 'failed' })
    )
    const p = plan(snapshot([key('AKIAPRE1', 'Inactive', 200 * DAY), current]), settings, NOW)
    expect(p.steps).toStrictEqual([
      {
        kind: 'delete-key',
        keyId: 'AKIAPRE1',
        reason:
          'retired by this action, so not in use, and its slot is needed for the new key (IAM allows two keys)'
      },
      ...rotateSteps('AKIAOLD1')
    ])
  })

  it("refuses a due rotation when a person's inactive key holds the slot", () => {
    expect(
      plan(
        snapshot([key('AKIAPER1', 'Inactive', 200 * DAY), key('AKIAOLD1', 'Active', 100 * DAY)]),
        settings,
        NOW
      )
    ).toStrictEqual(
      refusal(
        'A rotation is due, and IAM user deploy has an inactive key this action did not retire, AKIAPER1, in the second key slot (IAM allows two keys). ' +
          'Changing nothing: a person may have switched it off on purpose and may want it back. If nothing needs it, delete it in the IAM console and run again.'
      )
    )
  })

  it("an orphan's slot is never freed early, but is deleted from delete-after on", () => {
    const orphan = (at: number) =>
      key('AKIAORPH', 'Inactive', 3 * DAY, retiredAt(at, { orphan: true, previousKeyId: 'AKIAX' }))
    const old = key('AKIAOLD1', 'Active', 100 * DAY)
    expect(plan(snapshot([orphan(NOW - 3 * DAY), old]), settings, NOW)).toStrictEqual({
      steps: [],
      refusal: undefined,
      notes: [],
      currentKeyId: 'AKIAOLD1',
      warnings: [
        `A rotation is due, but AKIAORPH holds the second key slot: it was set aside as a dead run's orphan and is deleted by the first run after ${iso(NOW + 4 * DAY)}. ` +
          'No rotation starts until then. If nobody needs AKIAORPH, delete it in the IAM console and the next run rotates.'
      ]
    })
    expect(plan(snapshot([orphan(NOW - 7 * DAY), old]), settings, NOW).steps[0]).toStrictEqual({
      kind: 'delete-key',
      keyId: 'AKIAORPH',
      reason: 'retired 7d ago; delete-after has passed'
    })
  })

  it('says which inactive keys it keeps and why, while no rotation is due', () => {
    const p = plan(
      snapshot([
        key('AKIAPER1', 'Inactive', 200 * DAY),
        key('AKIAPRE1', 'Inactive', 150 * DAY),
        key('AKIAOLD1', 'Active', 10 * DAY, active(NOW - 10 * DAY, 'AKIAPRE1', { smoke: 'failed' }))
      ]),
      { ...gated, deactivateAfterMs: DAY },
      NOW
    )
    expect(p.notes.slice(0, 2)).toStrictEqual([
      'Inactive key AKIAPER1 was not created or retired by this action; it is kept (only a person deletes it).',
      'Inactive key AKIAPRE1 was not retired by this action; it is kept until a rotation needs its slot.'
    ])
  })
  it("an orphan's mark vouches for no other key", () => {
    // An orphan was never any target's key, so a key it names is not one the action replaced.
    const orphan = key(
      'AKIAORPH',
      'Inactive',
      DAY,
      retiredAt(NOW - DAY, { orphan: true, previousKeyId: 'AKIAPER1' })
    )
    const p = plan(
      snapshot([
        key('AKIAPER1', 'Inactive', 200 * DAY),
        orphan,
        key('AKIAOLD1', 'Active', 10 * DAY)
      ]),
      settings,
      NOW
    )
    expect(p.notes[0]).toBe(
      'Inactive key AKIAPER1 was not created or retired by this action; it is kept (only a person deletes it).'
    )
  })
})

describe('one active key left half-distributed (its previous key gone)', () => {
  const pending = (at: number, extra: Partial<Mark> = {}) =>
    key('AKIANEW1', 'Active', NOW - at, {
      state: 'pending',
      at,
      previousKeyId: 'AKIAOLD1',
      ...run7,
      ...extra
    })

  it('self mode: finishes writing it, ungated, without rotating again', () => {
    for (const s of [settings, { ...gated, force: true }]) {
      expect(
        plan(snapshot([pending(NOW - DAY)], { runs: { '7.1': 'finished' } }), s, NOW)
      ).toStrictEqual({
        steps: [
          { kind: 'finish-distribution', keyId: 'AKIANEW1', previousKeyId: undefined, gated: false }
        ],
        refusal: undefined,
        notes: [
          'Key AKIANEW1 was left half-distributed by run 7 attempt 1 of acme/app; this run finishes writing it.'
        ],
        currentKeyId: 'AKIANEW1'
      })
    }
  })

  it('self mode: the previous key, deactivated but unmarked, is not counted as retired', () => {
    const p = plan(
      snapshot([key('AKIAOLD1', 'Inactive', 100 * DAY), pending(NOW - 10 * DAY)], {
        runs: { '7.1': 'finished' }
      }),
      settings,
      NOW
    )
    expect(p.steps.map(s => s.kind)).toStrictEqual(['finish-distribution'])
    expect(p.notes[0]).toBe(
      'Inactive key AKIAOLD1 was not retired by this action; it is kept until a rotation needs its slot.'
    )
  })

  it('admin mode: refuses, saying which run left it and when', () => {
    expect(
      plan(snapshot([pending(NOW - DAY)], { ...admin, runs: { '7.1': 'finished' } }), settings, NOW)
    ).toStrictEqual(
      refusal(
        `Key AKIANEW1 was created by run 7 attempt 1 of acme/app at ${iso(NOW - DAY)} and not yet written to every target. ` +
          PENDING_TAIL
      )
    )
  })

  it('waits while the run that holds it may be alive', () => {
    expect(
      plan(snapshot([pending(NOW - MIN)], { runs: { '7.1': 'running' } }), settings, NOW).waiting
    ).toBe(
      `Key AKIANEW1 is being rotated by run 7 attempt 1 of acme/app, which GitHub shows in progress (${heldRunning('2026-11-22T12:31:00Z')}); ` +
        WAIT_TAIL
    )
  })
})

describe('a pending key switched off or deleted before every target held it (lost)', () => {
  const lostMark: Mark = { state: 'pending', at: NOW - 2 * DAY, previousKeyId: 'AKIAOLD1', ...run7 }
  const old = key('AKIAOLD1', 'Active', 10 * DAY)
  const inactiveLost = key('AKIANEW1', 'Inactive', 2 * DAY, lostMark)
  const deleted = { staleMarks: [{ keyId: 'AKIANEW1', mark: lostMark }] }
  const finished = { runs: { '7.1': 'finished' as const } }
  const what = (state: string) =>
    `Key AKIANEW1, created by run 7 attempt 1 of acme/app at ${iso(NOW - 2 * DAY)} to replace AKIAOLD1, ${state} before it reached every target: the targets that got it cannot sign in.`

  it('self mode, inactive: writes the signing key back and marks the lost key retired; no rotation yet', () => {
    expect(plan(snapshot([old, inactiveLost], finished), settings, NOW)).toStrictEqual({
      steps: [
        {
          kind: 'restore',
          keyId: 'AKIAOLD1',
          abandonedKeyId: 'AKIANEW1',
          abandonedStatus: 'Inactive'
        }
      ],
      refusal: undefined,
      notes: [
        `${what('is inactive')} This run signs with AKIAOLD1, so it writes that key back to every target and marks AKIANEW1 retired; a later run rotates afresh when a rotation is due.`
      ],
      currentKeyId: 'AKIAOLD1'
    })
  })

  it('self mode, deleted: writes the signing key back; the mark stays out of remove-marks', () => {
    const other = { keyId: 'AKIAGON2', mark: { state: 'retired' as const, at: NOW - DAY } }
    const p = plan(
      snapshot([old], { ...finished, staleMarks: [...deleted.staleMarks, other] }),
      settings,
      NOW
    )
    expect(p.steps).toStrictEqual([
      { kind: 'remove-marks', tagKeys: ['AKIAGON2'] },
      { kind: 'restore', keyId: 'AKIAOLD1', abandonedKeyId: 'AKIANEW1', abandonedStatus: 'deleted' }
    ])
    expect(p.notes[0]).toContain(
      `${what('was deleted')} This run signs with AKIAOLD1, so it writes that key back to every target; a later`
    )
  })

  it('waits while the run that created it may still be going', () => {
    const p = plan(
      snapshot([old], { ...deleted, runs: { '7.1': 'running' } }),
      settings,
      NOW - 2 * DAY + MIN
    )
    expect(p.steps).toStrictEqual([])
    expect(p.waiting).toContain(
      'Key AKIANEW1 is being rotated by run 7 attempt 1 of acme/app, which GitHub shows in progress'
    )
  })

  it('a distributed key switched off while the key it replaced is still active is lost too', () => {
    const distributed = key('AKIANEW1', 'Inactive', MIN, {
      ...lostMark,
      state: 'active',
      at: NOW - MIN
    })
    // Distributed a minute ago by a run GitHub cannot place: no gate is due, so nobody holds it.
    const p = plan(snapshot([old, distributed]), settings, NOW)
    expect(p.steps).toStrictEqual([
      {
        kind: 'restore',
        keyId: 'AKIAOLD1',
        abandonedKeyId: 'AKIANEW1',
        abandonedStatus: 'Inactive'
      }
    ])
    expect(p.notes[0]).toContain(
      'to replace AKIAOLD1, is inactive though every target holds it: the targets that got it cannot sign in.'
    )
    const gateDue = key('AKIANEW1', 'Inactive', MIN, {
      ...lostMark,
      state: 'active',
      at: NOW - MIN,
      smoke: 'due',
      until: NOW + MIN
    })
    expect(plan(snapshot([old, gateDue]), settings, NOW).waiting).toMatch(
      /^Key AKIANEW1 is being rotated/
    )
  })

  it('is not lost when it replaced another key than the active one, or is not pending', () => {
    const elsewhere = { ...lostMark, previousKeyId: 'AKIAOTHR' }
    for (const keys of [
      [old, key('AKIANEW1', 'Inactive', 2 * DAY, elsewhere)],
      [old, key('AKIANEW1', 'Inactive', 2 * DAY, { ...lostMark, state: 'retired' })]
    ]) {
      expect(plan(snapshot(keys, finished), settings, NOW).steps.map(s => s.kind)).not.toContain(
        'restore'
      )
    }
    const stale = plan(
      snapshot([old], { ...finished, staleMarks: [{ keyId: 'AKIANEW1', mark: elsewhere }] }),
      settings,
      NOW
    )
    expect(stale.steps).toStrictEqual([{ kind: 'remove-marks', tagKeys: ['AKIANEW1'] }])
  })

  it('admin mode, deleted: writes a new key everywhere, then removes the mark, then retires the old key', () => {
    const p = plan(snapshot([old], { ...admin, ...deleted, ...finished }), settings, NOW)
    expect(p.steps).toStrictEqual([
      { kind: 'rotate', previousKeyId: 'AKIAOLD1', gated: false },
      { kind: 'remove-marks', tagKeys: ['AKIANEW1'] },
      {
        kind: 'deactivate-key',
        keyId: 'AKIAOLD1',
        reason: 'replaced by the new key in every target'
      }
    ])
    expect(p.notes[0]).toBe(
      `${what('was deleted')} This run does not know the secret of AKIAOLD1, so it writes a new key to every target instead.`
    )
  })

  it('self mode, deleted: keeps another inactive key until its delete-after, writing back all the same', () => {
    const retired = key('AKIARET1', 'Inactive', 20 * DAY, { state: 'retired', at: NOW - DAY })
    const p = plan(snapshot([old, retired], { ...deleted, ...finished }), settings, NOW)
    expect(p.steps.map(s => s.kind)).toStrictEqual(['restore'])
  })

  it('admin mode, deleted: a person’s inactive key in the second slot blocks the new key; a gate is kept', () => {
    const persons = key('AKIAPERS', 'Inactive', 20 * DAY)
    const blocked = plan(
      snapshot([old, persons], { ...admin, ...deleted, ...finished }),
      settings,
      NOW
    )
    expect(blocked.refusal).toMatch(
      /^A rotation is due, and IAM user deploy has an inactive key this action did not retire, AKIAPERS/
    )
    const gatedPlan = plan(snapshot([old], { ...admin, ...deleted, ...finished }), gated, NOW)
    expect(gatedPlan.steps.slice(0, 3)).toStrictEqual([
      { kind: 'rotate', previousKeyId: 'AKIAOLD1', gated: true },
      { kind: 'remove-marks', tagKeys: ['AKIANEW1'] },
      { kind: 'smoke-test', keyId: undefined, previousKeyId: 'AKIAOLD1', distributedAt: undefined }
    ])
  })

  it('two active keys beside a deleted pending key’s mark: nothing is lost, the mark goes', () => {
    const newer = key('AKIANEW2', 'Active', DAY, {
      state: 'active',
      at: NOW - DAY,
      previousKeyId: 'AKIAOLD1'
    })
    const p = plan(snapshot([old, newer], { ...deleted, ...finished }), settings, NOW)
    expect(p.steps[0]).toStrictEqual({ kind: 'remove-marks', tagKeys: ['AKIANEW1'] })
    expect(p.steps.map(s => s.kind)).not.toContain('restore')
  })

  it('admin mode, inactive: refuses without force (a person switched it off); with force deletes it and rotates', () => {
    const snap = snapshot([old, inactiveLost], { ...admin, ...finished })
    expect(plan(snap, settings, NOW)).toStrictEqual(
      refusal(
        `${what('is inactive')} Changing nothing: someone switched AKIANEW1 off, perhaps on purpose, and an admin-mode run cannot write the previous key back (it does not know its secret). ` +
          'To repair: run this workflow with force: true, which deletes AKIANEW1 and writes a new key to every target; or delete AKIANEW1 in the IAM console and run again.'
      )
    )
    const reactivating = { ...settings, force: true, reactivatePrevious: true }
    expect(plan(snap, reactivating, NOW).refusal).toBe(
      `reactivate-previous: ${what('is inactive')} An admin-mode run cannot write the previous key back (it does not know its secret). Changing nothing; run without reactivate-previous to write a new key to every target.`
    )
    expect(plan(snap, { ...settings, force: true }, NOW).steps[0]).toStrictEqual({
      kind: 'delete-key',
      keyId: 'AKIANEW1',
      reason: 'never worked in every target; force is set'
    })
    expect(plan(snap, { ...settings, force: true }, NOW).steps.map(s => s.kind)).toStrictEqual([
      'delete-key',
      'rotate',
      'deactivate-key'
    ])
  })
})

describe('the lease of a run holding a key', () => {
  const pendingOf = (minutesAgo: number, extra: Partial<Mark>) =>
    snapshot([
      key('AKIAOLD1', 'Active', 100 * DAY),
      key('AKIANEW1', 'Active', minutesAgo * MIN, {
        state: 'pending',
        at: NOW - minutesAgo * MIN,
        previousKeyId: 'AKIAOLD1',
        ...extra
      })
    ])
  const waiting = (snap: Snapshot, s = settings, now = NOW) => plan(snap, s, now).waiting

  it('is verify-timeout plus 30 minutes, to the millisecond', () => {
    expect(leaseMs({ verifyTimeoutMs: 120_000 })).toBe(32 * MIN)
    const snap = { ...pendingOf(0, run7), runs: {} }
    expect(waiting(snap, settings, NOW + 32 * MIN - 1)).toBeDefined()
    expect(waiting(snap, settings, NOW + 32 * MIN)).toBeUndefined()
    // GitHub showing the run in progress beats any clock: this runner's may be hours ahead.
    const running = { ...snap, runs: { '7.1': 'running' as const } }
    expect(waiting(running, settings, NOW + 7 * 3_600_000)).toBeDefined()
  })

  it('ends at once when GitHub shows the run finished', () => {
    expect(waiting({ ...pendingOf(1, run7), runs: { '7.1': 'finished' } })).toBeUndefined()
  })

  it('counts a mark without an attempt as attempt 1, and one without a run as unknown', () => {
    expect(
      waiting({ ...pendingOf(1, { runId: '7' }), runs: { '7.1': 'finished' } })
    ).toBeUndefined()
    expect(waiting({ ...pendingOf(1, { runId: '7' }), runs: { '7.2': 'finished' } })).toBeDefined()
    expect(waiting({ ...pendingOf(1, {}), runs: { '.1': 'running' } })).toBe(
      `Key AKIANEW1 is being rotated by an earlier run, which GitHub shows in progress (${heldRunning('2026-11-22T12:31:00Z')}); ` +
        WAIT_TAIL
    )
    expect(waiting({ ...pendingOf(1, { runId: '7' }), runs: {} })).toMatch(
      /^Key AKIANEW1 is being rotated by run 7 attempt 1 \(GitHub does not say/
    )
    expect(waiting({ ...pendingOf(1, { runId: '7', runAttempt: '3' }), runs: {} })).toBe(
      `Key AKIANEW1 is being rotated by run 7 attempt 3 (GitHub does not say whether it is still going; ${held('2026-11-22T12:31:00Z')}); ` +
        WAIT_TAIL
    )
  })

  it('of this run: an earlier attempt is over (compared as numbers), the same attempt is a parallel job', () => {
    const own = (markAttempt: string | undefined, attempt: string, minutesAgo = 1) =>
      waiting(
        pendingOf(minutesAgo, {
          runId: '500',
          ...(markAttempt ? { runAttempt: markAttempt } : {})
        }),
        { ...settings, run: { ...settings.run, attempt } }
      )
    expect(own('2', '10')).toBeUndefined()
    expect(own(undefined, '2')).toBeUndefined()
    expect(own('1', '1')).toBe(
      `Key AKIANEW1 is being rotated by run 500 attempt 1 (a parallel job of this run; ${held('2026-11-22T12:31:00Z')}); ` +
        WAIT_TAIL
    )
    expect(own(undefined, '1')).toBeDefined()
    expect(own('1', '1', 32)).toBeUndefined()
    expect(
      waiting(pendingOf(0, { runId: '500', runAttempt: '1' }), settings, NOW + 32 * MIN - 1)
    ).toBeDefined()
  })
})

describe('a holder that wrote the end of its hold into its mark (until)', () => {
  const UNTIL = NOW + 3 * 3_600_000
  const marked = (runs: Snapshot['runs'], minutesAgo = 40) =>
    snapshot(
      [
        key('AKIAOLD1', 'Active', 100 * DAY),
        key('AKIANEW1', 'Active', minutesAgo * MIN, {
          state: 'pending',
          at: NOW - minutesAgo * MIN,
          previousKeyId: 'AKIAOLD1',
          until: UNTIL,
          ...run7
        })
      ],
      { runs }
    )
  const waiting = (snap: Snapshot, now = NOW) => plan(snap, settings, now).waiting

  it('is waited for past the lease of earlier releases while GitHub shows it going or cannot say', () => {
    expect(waiting(marked({ '7.1': 'running' }))).toBe(
      `Key AKIANEW1 is being rotated by run 7 attempt 1 of acme/app, which GitHub shows in progress (${heldRunning('2026-11-22T15:00:00Z')}); ` +
        WAIT_TAIL
    )
    expect(waiting(marked({}))).toMatch(/GitHub does not say whether it is still going/)
  })

  it('is waited for until its deadline plus five seconds of clock skew, not a moment longer, when GitHub cannot say', () => {
    const unknown = marked({})
    expect(waiting(unknown, UNTIL + 4_999)).toBeDefined()
    expect(waiting(unknown, UNTIL + 5_000)).toBeUndefined()
    expect(waiting(marked({ '7.1': 'running' }), UNTIL + 7 * 3_600_000)).toBeDefined()
    expect(plan(unknown, settings, UNTIL + 5_000).steps[0]).toEqual({
      kind: 'restore',
      keyId: 'AKIAOLD1',
      abandonedKeyId: 'AKIANEW1'
    })
  })

  it('is healed at once when GitHub shows its run completed', () => {
    expect(waiting(marked({ '7.1': 'finished' }))).toBeUndefined()
  })
})

describe('two active keys, the newer half-distributed (a split)', () => {
  const older = key('AKIAOLD1', 'Active', 100 * DAY)
  const pending = (extra: Partial<Mark> = {}) =>
    key('AKIANEW1', 'Active', DAY, {
      state: 'pending',
      at: NOW - DAY,
      previousKeyId: 'AKIAOLD1',
      ...run7,
      ...extra
    })
  const split = (signingKeyId: string | undefined, extra: Partial<Mark> = {}, o = {}) =>
    snapshot([older, pending(extra)], { signingKeyId, runs: { '7.1': 'finished' }, ...o })

  it('signing with the newer key: finishes writing it, then retires the older', () => {
    expect(plan(split('AKIANEW1'), settings, NOW)).toStrictEqual({
      steps: [
        { kind: 'finish-distribution', keyId: 'AKIANEW1', previousKeyId: 'AKIAOLD1', gated: false },
        {
          kind: 'deactivate-key',
          keyId: 'AKIAOLD1',
          reason: 'replaced by the new key in every target'
        }
      ],
      refusal: undefined,
      notes: [
        'Key AKIANEW1 was left half-distributed by run 7 attempt 1 of acme/app; this run signs with it, so it finishes writing it.'
      ],
      currentKeyId: 'AKIANEW1'
    })
    expect(plan(split('AKIANEW1', { smoke: 'due' }), gated, NOW).steps.slice(0, 2)).toStrictEqual([
      { kind: 'finish-distribution', keyId: 'AKIANEW1', previousKeyId: 'AKIAOLD1', gated: true },
      { kind: 'smoke-test', keyId: 'AKIANEW1', previousKeyId: 'AKIAOLD1', distributedAt: undefined }
    ])
  })

  it('signing with the older key: writes it back, deletes the newer, rotates afresh', () => {
    expect(plan(split('AKIAOLD1'), settings, NOW)).toStrictEqual({
      steps: [
        { kind: 'restore', keyId: 'AKIAOLD1', abandonedKeyId: 'AKIANEW1' },
        {
          kind: 'delete-key',
          keyId: 'AKIANEW1',
          reason:
            'left half-distributed by run 7 attempt 1 of acme/app; every target holds AKIAOLD1 again'
        },
        { kind: 'rotate', previousKeyId: 'AKIAOLD1', gated: false },
        {
          kind: 'deactivate-key',
          keyId: 'AKIAOLD1',
          reason: 'replaced by the new key in every target'
        }
      ],
      refusal: undefined,
      notes: [
        'Key AKIANEW1 was left half-distributed by run 7 attempt 1 of acme/app; this run signs with AKIAOLD1, so it writes that key back everywhere and deletes the other.'
      ],
      currentKeyId: 'AKIAOLD1'
    })
  })

  it('admin mode refuses; a live holder is waited for', () => {
    expect(plan(split(undefined, {}, admin), settings, NOW)).toStrictEqual(
      refusal(
        `Key AKIANEW1 was created by run 7 attempt 1 of acme/app at ${iso(NOW - DAY)} and not yet written to every target. ` +
          PENDING_TAIL
      )
    )
    const live = plan(
      split('AKIAOLD1', { at: NOW - MIN }, { runs: { '7.1': 'running' } }),
      settings,
      NOW
    )
    expect(live.waiting).toMatch(
      /^Key AKIANEW1 is being rotated by run 7 attempt 1 of acme\/app, which/
    )
    expect(live.steps).toStrictEqual([])
  })

  it('refuses to finish a gated split without smoke-workflow, keeping the older key', () => {
    expect(plan(split('AKIANEW1', { smoke: 'failed' }), settings, NOW)).toStrictEqual(
      refusal(
        'The smoke workflow has not passed for AKIANEW1 (its mark says smoke=failed), and this run has no smoke-workflow. Changing nothing: AKIAOLD1 stays active and no rotation starts. ' +
          'Run the workflow that sets smoke-workflow to retry the gate. If the gate is gone for good, deactivate AKIAOLD1 in the IAM console once nothing uses it; the action then keeps it until a rotation needs its slot.'
      )
    )
  })
})

describe('two active keys, the newer distributed', () => {
  const older = (lastUsed?: LastUse) => key('AKIAOLD1', 'Active', 100 * DAY, undefined, lastUsed)
  const newer = (at: number, extra: Partial<Mark> = {}) =>
    key('AKIANEW1', 'Active', NOW - at, active(at, 'AKIAOLD1', extra))
  const both = (
    at: number,
    extra: Partial<Mark> = {},
    lastUsed?: LastUse,
    o: Partial<Snapshot> = {}
  ) => snapshot([older(lastUsed), newer(at, extra)], { signingKeyId: 'AKIANEW1', ...o })
  const later = { ...settings, deactivateAfterMs: DAY }

  it('refuses when the newer active key is not the action’s', () => {
    // AKIANEW1 names AKIAOLD1's successor as AKIAZZZ1: the older is ours, the newer is not.
    const o = key('AKIAOLD1', 'Active', 100 * DAY, active(NOW - 100 * DAY, 'AKIANEW1'))
    expect(
      plan(
        snapshot([o, key('AKIANEW1', 'Active', DAY)], { signingKeyId: 'AKIAOLD1' }),
        settings,
        NOW
      )
    ).toStrictEqual(
      refusal(
        'IAM user deploy has two active keys and the newer, AKIANEW1, was not created by this action. ' +
          'Changing nothing: it is unclear which key the targets hold. Have a person deactivate the key that is no longer used.'
      )
    )
  })

  it('deactivates the previous key from deactivate-after on, to the millisecond', () => {
    expect(plan(both(NOW - DAY), later, NOW)).toStrictEqual({
      steps: [{ kind: 'deactivate-key', keyId: 'AKIAOLD1', reason: 'deactivate-after has passed' }],
      refusal: undefined,
      notes: [],
      currentKeyId: 'AKIANEW1'
    })
    expect(plan(both(NOW - DAY + 1), later, NOW)).toStrictEqual({
      steps: [],
      refusal: undefined,
      notes: [`Previous key AKIAOLD1 stays active until ${iso(NOW + 1)} (deactivate-after).`],
      currentKeyId: 'AKIANEW1'
    })
  })

  it('says force is ignored while a rotation has not finished', () => {
    expect(plan(both(NOW - DAY), { ...later, force: true }, NOW).notes).toStrictEqual([
      'force is ignored: the previous rotation has not finished (two keys are active).'
    ])
  })

  it('never deactivates the key this run signs with, and says why', () => {
    expect(
      plan(both(NOW - 2 * DAY, {}, undefined, { signingKeyId: 'AKIAOLD1' }), later, NOW)
    ).toStrictEqual({
      steps: [],
      refusal: undefined,
      notes: [
        'This run signs with the previous key AKIAOLD1 (it was queued before the targets got AKIANEW1); it stays active for now and a later run deactivates it.'
      ],
      currentKeyId: 'AKIANEW1'
    })
  })

  it('in admin mode deactivates the previous key', () => {
    expect(plan(both(NOW - 2 * DAY, {}, undefined, admin), later, NOW).steps).toStrictEqual([
      { kind: 'deactivate-key', keyId: 'AKIAOLD1', reason: 'deactivate-after has passed' }
    ])
  })

  it('warns when the previous key was used after the distribution, not at it', () => {
    const at = NOW - 2 * DAY
    expect(plan(both(at, {}, used(at + 1_000)), later, NOW).steps).toStrictEqual([
      {
        kind: 'deactivate-key',
        keyId: 'AKIAOLD1',
        warning:
          `AKIAOLD1 was used at ${iso(at + 1_000)} (s3, eu-west-1), after the targets got AKIANEW1 at ${iso(at)}: ` +
          'something outside the targets may still use it. It is only deactivated: if something breaks, run with reactivate-previous (or re-activate it in the IAM console) until delete-after passes.',
        reason: 'deactivate-after has passed'
      }
    ])
    expect(plan(both(at, {}, used(at)), later, NOW).steps[0]).not.toHaveProperty('warning')
  })

  it('runs a due or failed gate again before deactivating, naming why', () => {
    const at = NOW - 2 * DAY
    const smoke = {
      kind: 'smoke-test',
      keyId: 'AKIANEW1',
      previousKeyId: 'AKIAOLD1',
      distributedAt: at
    }
    expect(
      plan(both(at, { smoke: 'failed' }), { ...gated, deactivateAfterMs: DAY }, NOW)
    ).toStrictEqual({
      steps: [
        smoke,
        {
          kind: 'deactivate-key',
          keyId: 'AKIAOLD1',
          reason: 'deactivate-after has passed, and the smoke workflow passed'
        }
      ],
      refusal: undefined,
      notes: [
        'The smoke workflow did not pass for AKIANEW1 on an earlier run, so AKIAOLD1 is still active: this run runs it again before anything is deactivated.'
      ],
      currentKeyId: 'AKIANEW1'
    })
    expect(plan(both(at, { smoke: 'due' }), gated, NOW)).toStrictEqual({
      steps: [
        smoke,
        {
          kind: 'deactivate-key',
          keyId: 'AKIAOLD1',
          reason: 'replaced by the new key in every target, and the smoke workflow passed'
        }
      ],
      refusal: undefined,
      notes: [
        'The smoke workflow has not run yet for AKIANEW1: this run runs it before AKIAOLD1 is deactivated.'
      ],
      currentKeyId: 'AKIANEW1'
    })
  })

  it('waits only for the holder of a due gate, for its lease plus the longest smoke-timeout', () => {
    const withRun = (at: number, smoke: 'due' | 'failed', runs: Snapshot['runs'] = {}) =>
      both(at, { smoke, ...run7 }, undefined, { runs })
    expect(plan(withRun(NOW - MIN, 'failed'), gated, NOW).waiting).toBeUndefined()
    const lease = 32 * MIN + 6 * 3_600_000
    expect(plan(withRun(NOW - lease + 1, 'due'), gated, NOW).waiting).toBe(
      `Key AKIANEW1 is being rotated by run 7 attempt 1 of acme/app (GitHub does not say whether it is still going; ${held('2026-11-22T12:00:00Z')}); ` +
        WAIT_TAIL
    )
    expect(plan(withRun(NOW - lease, 'due'), gated, NOW).waiting).toBeUndefined()
    expect(plan(withRun(NOW - lease, 'due', { '7.1': 'running' }), gated, NOW).waiting).toMatch(
      /which GitHub shows in progress/
    )
  })
})

describe('two active keys, the older reactivated', () => {
  const newer = (createdDaysAgo = 5) =>
    key('AKIANEW1', 'Active', createdDaysAgo * DAY, active(NOW - createdDaysAgo * DAY))
  const back = (state: 'retired' | 'reactivated', at: number, lastUsed?: LastUse) =>
    key('AKIAOLD1', 'Active', 200 * DAY, { state, at }, lastUsed)
  const pair = (older: KeyState, o: Partial<Snapshot> = {}, createdDaysAgo = 5) =>
    snapshot([older, newer(createdDaysAgo)], { signingKeyId: 'AKIANEW1', ...o })
  const blocked =
    'No rotation can start while AKIAOLD1 is active again: IAM allows two keys per user. Rotation resumes once AKIAOLD1 is deactivated.'
  const stillUsed = (at: number) =>
    `AKIAOLD1, retired by this action and active again, was used at ${iso(at)} by s3 in eu-west-1: something still uses it. ` +
    'Move that consumer to the key the targets hold (AKIANEW1).'

  it('records a key reactivated by hand, and warns when it was used since (to the millisecond)', () => {
    const mark = NOW - 3 * DAY
    const noted =
      'AKIAOLD1 was retired by this action and is active again (reactivated by hand). It is kept active while it is used and deactivated once unused for 1d.'
    expect(plan(pair(back('retired', mark, used(mark))), settings, NOW)).toStrictEqual({
      steps: [{ kind: 'mark-reactivated', keyId: 'AKIAOLD1' }],
      refusal: undefined,
      notes: [noted],
      currentKeyId: 'AKIANEW1',
      warnings: [stillUsed(mark)]
    })
    expect(plan(pair(back('retired', mark, used(mark - 1))), settings, NOW)).toStrictEqual({
      steps: [{ kind: 'mark-reactivated', keyId: 'AKIAOLD1' }],
      refusal: undefined,
      notes: [noted],
      currentKeyId: 'AKIANEW1'
    })
  })

  it('says no rotation starts while it is active, when one is due or forced', () => {
    const mark = NOW - DAY / 2
    expect(plan(pair(back('reactivated', mark), {}, 100), settings, NOW).notes[0]).toBe(blocked)
    expect(plan(pair(back('reactivated', mark)), { ...settings, force: true }, NOW).notes[0]).toBe(
      blocked
    )
    expect(plan(pair(back('reactivated', mark)), settings, NOW).notes).toStrictEqual([
      `AKIAOLD1 is active again since ${iso(mark)}; a run after ${iso(mark + DAY)} deactivates it unless it is used before then.`
    ])
  })

  it('deactivates it once unused for the quiet period, to the millisecond, saying since when', () => {
    expect(quietPeriod({ deactivateAfterMs: 0 })).toBe(DAY)
    expect(quietPeriod({ deactivateAfterMs: 3 * DAY })).toBe(3 * DAY)
    expect(plan(pair(back('reactivated', NOW - DAY)), settings, NOW).steps).toStrictEqual([
      {
        kind: 'deactivate-key',
        keyId: 'AKIAOLD1',
        reason: `reactivated ${iso(NOW - DAY)} and not used since`
      }
    ])
    expect(plan(pair(back('reactivated', NOW - DAY + 1)), settings, NOW).steps).toStrictEqual([])
    const lastUse = NOW - DAY - 2 * 3_600_000
    expect(
      plan(pair(back('reactivated', NOW - 3 * DAY, used(lastUse))), settings, NOW).steps
    ).toStrictEqual([
      {
        kind: 'deactivate-key',
        keyId: 'AKIAOLD1',
        reason: `reactivated ${iso(NOW - 3 * DAY)}, last used ${iso(lastUse)}: unused for 1d2h`
      }
    ])
  })

  it('keeps it while used, warning until when', () => {
    const lastUse = NOW - 2 * 3_600_000
    expect(
      plan(pair(back('reactivated', NOW - 3 * DAY, used(lastUse))), settings, NOW)
    ).toStrictEqual({
      steps: [],
      refusal: undefined,
      notes: [],
      currentKeyId: 'AKIANEW1',
      warnings: [
        `${stillUsed(lastUse)} A run after ${iso(lastUse + DAY)} deactivates AKIAOLD1 if it stays unused until then.`
      ]
    })
  })

  it('never deactivates a reactivated key this run signs with', () => {
    expect(
      plan(pair(back('reactivated', NOW - 5 * DAY), { signingKeyId: 'AKIAOLD1' }), settings, NOW)
    ).toStrictEqual({
      steps: [],
      refusal: undefined,
      notes: [
        'This run signs with the reactivated key AKIAOLD1, so it does not deactivate it; give the workflow the key the targets hold.'
      ],
      currentKeyId: 'AKIANEW1'
    })
    expect(
      plan(pair(back('reactivated', NOW - 5 * DAY), admin), settings, NOW).steps.map(s => s.kind)
    ).toStrictEqual(['deactivate-key'])
  })
})

describe('describeStep', () => {
  it('words every step for the log', () => {
    const cases: [Step, string][] = [
      [
        { kind: 'rotate', previousKeyId: 'AKIAOLD1', gated: false },
        'Create a new key, verify it with STS, write it to every target (replaces AKIAOLD1)'
      ],
      [
        { kind: 'rotate', previousKeyId: undefined, gated: false },
        "Create the user's first key, verify it with STS, write it to every target"
      ],
      [{ kind: 'deactivate-key', keyId: 'AKIAOLD1', reason: 'why' }, 'Deactivate AKIAOLD1: why'],
      [{ kind: 'delete-key', keyId: 'AKIAOLD1', reason: 'why' }, 'Delete AKIAOLD1: why'],
      [
        { kind: 'finish-distribution', keyId: 'AKIANEW1', previousKeyId: undefined, gated: false },
        'Finish writing AKIANEW1 to every target'
      ],
      [
        { kind: 'reactivate-key', keyId: 'AKIAOLD1' },
        'Reactivate AKIAOLD1 (reactivate-previous); the targets keep the current key'
      ],
      [
        { kind: 'mark-reactivated', keyId: 'AKIAOLD1' },
        'Record that AKIAOLD1 was reactivated by hand'
      ],
      [{ kind: 'remove-marks', tagKeys: ['a', 'b'] }, 'Remove the marks of 2 deleted key(s)'],
      [
        {
          kind: 'retire-orphan',
          keyId: 'AKIAORPH',
          reason: 'why',
          intent: { tagKey: 'k', value: 'v' }
        },
        'Deactivate AKIAORPH and mark it a retired orphan: why'
      ],
      [
        { kind: 'clear-intent', tagKey: 'k', value: 'v' },
        'Remove the intent mark of a run that has ended'
      ],
      [
        { kind: 'restore', keyId: 'AKIAOLD1', abandonedKeyId: 'AKIANEW1' },
        'Write AKIAOLD1 back to every target (abandon AKIANEW1)'
      ],
      [
        { kind: 'smoke-test', keyId: 'AKIANEW1', previousKeyId: 'AKIAOLD1', distributedAt: 1 },
        'Run the smoke workflow with AKIANEW1 in every target; AKIAOLD1 stays active unless it passes'
      ],
      [
        {
          kind: 'smoke-test',
          keyId: undefined,
          previousKeyId: 'AKIAOLD1',
          distributedAt: undefined
        },
        'Run the smoke workflow with the new key in every target; AKIAOLD1 stays active unless it passes'
      ]
    ]
    for (const [step, text] of cases) expect(describeStep(step)).toBe(text)
  })
})
