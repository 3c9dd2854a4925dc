import { ROOT_REFUSAL } from './errors.js'
import { age, isoTime, keyLabel, someOf } from './format.js'
import type { AlertRef, LeakResponse } from './leaks/scan.js'
import type { Mark } from './marks.js'
import type { Intent, KeyState, LastUse, SecretWrite, Snapshot } from './snapshot.js'
import { MAX_SMOKE_TIMEOUT_MS, type Settings } from './settings.js'

/**
 * The lifecycle, as a pure function of what AWS shows, the settings and the time. Every rule of
 * when to create, deactivate or delete a key lives here and nowhere else.
 */
export type Step =
  /** Delete an inactive key (retired long enough, or blocking the slot a rotation needs). */
  | { readonly kind: 'delete-key'; readonly keyId: string; readonly reason: string }
  /**
   * Create, mark, verify and distribute a new key that replaces `previousKeyId`; with none, the
   * user's first key (admin mode, bootstrap).
   */
  | {
      readonly kind: 'rotate'
      readonly previousKeyId: string | undefined
      /** A smoke-test step follows: the key is marked distributed with its gate still due. */
      readonly gated: boolean
    }
  /** Write a key this run signs with, left half-distributed by an earlier run, to every target. */
  | {
      readonly kind: 'finish-distribution'
      readonly keyId: string
      readonly previousKeyId: string | undefined
      readonly gated: boolean
    }
  /**
   * Dispatch the smoke workflow and wait for it; on anything but success the steps after it
   * (deactivating the previous key) are not done. `keyId` undefined: the key this run creates.
   */
  | {
      readonly kind: 'smoke-test'
      readonly keyId: string | undefined
      readonly previousKeyId: string
      /** When the key reached every target (its mark's time); undefined: during this run. */
      readonly distributedAt: number | undefined
    }
  /** Write the key this run signs with back to every target, undoing a half-distribution. */
  | {
      readonly kind: 'restore'
      readonly keyId: string
      readonly abandonedKeyId: string
      /**
       * Set when the abandoned key no longer works: once every target holds `keyId` again, an
       * inactive one is marked retired and a deleted one's mark is removed.
       */
      readonly abandonedStatus?: AbandonedStatus
    }
  /** Make a retired key active again and mark it reactivated (reactivate-previous). */
  | { readonly kind: 'reactivate-key'; readonly keyId: string }
  /** Record when a retired key was found active again (reactivated by hand in the console). */
  | { readonly kind: 'mark-reactivated'; readonly keyId: string }
  /**
   * Set aside a key that a dead run made and never marked: deactivate it and mark it a retired
   * orphan. Reversible: the evidence is strong but not certain (a person may have made it).
   */
  | {
      readonly kind: 'retire-orphan'
      readonly keyId: string
      readonly reason: string
      /** The dead run's intent that pins the key: read again before anything is deactivated. */
      readonly intent: { readonly tagKey: string; readonly value: string }
    }
  /**
   * Remove a dead run's intent mark: its own tag at once; the shared tag of earlier releases
   * only if it still holds exactly `value`.
   */
  | { readonly kind: 'clear-intent'; readonly tagKey: string; readonly value: string }
  /** Remove marks left behind by keys that were deleted (IAM keeps a key's tag). */
  | { readonly kind: 'remove-marks'; readonly tagKeys: readonly string[] }
  /** Record the keys AWS's quarantine exposed, before any replacement exists (admin mode). */
  | { readonly kind: 'record-quarantine'; readonly keyIds: readonly string[] }
  /** The quarantine was detached: its record goes, so a later quarantine starts afresh. */
  | { readonly kind: 'clear-quarantine-record' }
  /** Deactivate the previous key and mark it retired. */
  | {
      readonly kind: 'deactivate-key'
      readonly keyId: string
      readonly reason: string
      /** Set when the key was used after the new key was distributed: something may still need it. */
      readonly warning?: string
    }
  /** Resolve as revoked the open secret scanning alerts of a key that can no longer sign. */
  | {
      readonly kind: 'resolve-alerts'
      readonly keyId: string
      readonly alerts: readonly AlertRef[]
    }

/** How a key the targets may hold stopped working: switched off, or deleted. */
export type AbandonedStatus = 'Inactive' | 'deleted'

export interface Plan {
  readonly steps: readonly Step[]
  /**
   * Set when another run, still going, holds a key it is rotating: this run changes nothing and
   * says so (a notice, not a failure: the other run does the work).
   */
  readonly waiting?: string
  /** When the run this one waits for took the key (its mark's time). */
  readonly waitingSince?: number
  /** Set when the action refuses: nothing is changed and this says why and what to do. */
  readonly refusal: string | undefined
  /** Lines for the log and summary: the state and what later runs will do. */
  readonly notes: readonly string[]
  /** Shown as warnings on every run while they hold (a reactivated key that is still used). */
  readonly warnings?: readonly string[]
  /** The key the targets hold now (before the steps), when known. */
  readonly currentKeyId: string | undefined
}

export type PlanSettings = Pick<
  Settings,
  | 'maxAgeMs'
  | 'force'
  | 'deactivateAfterMs'
  | 'deleteAfterMs'
  | 'expectedAccountId'
  | 'run'
  | 'verifyTimeoutMs'
  | 'reactivatePrevious'
  | 'smokeWorkflow'
  | 'requestTimeoutMs'
> &
  Partial<Pick<Settings, 'leakResponse'>>

/**
 * A reactivated key is deactivated again only after this long without use, however short
 * deactivate-after is: AWS's last-use record is not real-time, and the key was reactivated
 * because something needed it.
 */
const REACTIVATION_GRACE_MS = 86_400_000

/**
 * How long a run of an earlier release (its marks carry no `until`) may hold a pending key: its
 * verification plus a large fan-out. Marks of this release say until when their run holds a key.
 */
export function leaseMs(settings: Pick<Settings, 'verifyTimeoutMs'>): number {
  return settings.verifyTimeoutMs + FAN_OUT_ALLOWANCE_MS
}
const FAN_OUT_ALLOWANCE_MS = 30 * 60_000

/** A refusal: nothing is done, and the text says why and what a person should do. */
function refuse(refusal: string): Plan {
  return { steps: [], refusal, notes: [], currentKeyId: undefined }
}

/** A decision to act (or to wait quietly): the steps, what to tell, and the key targets hold. */
function decide(
  steps: Step[],
  notes: string[],
  currentKeyId: string | undefined,
  warnings: readonly string[] = []
): Plan {
  return {
    steps,
    refusal: undefined,
    notes,
    currentKeyId,
    ...(warnings.length > 0 ? { warnings } : {})
  }
}

/**
 * What the rules read and add to once the intent is settled: the keys as they will be then,
 * and the steps, notes and warnings so far.
 */
interface Draft {
  readonly snapshot: Snapshot
  readonly settings: PlanSettings
  readonly now: number
  readonly steps: Step[]
  readonly notes: string[]
  readonly warnings: string[]
  /** Every key of the user, oldest first. */
  readonly byAge: readonly KeyState[]
  readonly active: readonly KeyState[]
  readonly inactive: readonly KeyState[]
  /**
   * Keys our distributed keys replaced, with when: retired then, even if the run that
   * deactivated one died before marking it.
   */
  readonly replacedAt: ReadonlyMap<string, number>
  /** Keys that one of the action's keys replaced: the targets' keys before the action's. */
  readonly namedByOurs: ReadonlySet<string>
  /**
   * The user's keys named in open secret scanning alerts, and the alerts; in admin mode also the
   * keys AWS's quarantine exposed (with no alerts unless some name them).
   */
  readonly leaked: ReadonlyMap<string, readonly AlertRef[]>
  /** AWS's quarantine, seen in admin mode: its policy, and the keys it exposed. */
  readonly quarantine: Quarantine | undefined
  /** A key, inactive or deleted, that replaced the only active key: targets may hold it. */
  readonly lost: LostKey | undefined
}

interface LostKey {
  readonly id: string
  readonly mark: Mark
  readonly status: AbandonedStatus
}

/** An inactive key the action may not delete early: a person's, or an orphan it set aside. */
interface SlotBlocker {
  readonly key: KeyState
  readonly orphanDeleteAt: number | undefined
}

/** The rules of DESIGN's lifecycle, in the order in which they apply. */
export function plan(snapshot: Snapshot, settings: PlanSettings, now: number): Plan {
  const untrusted = refuseUntrusted(snapshot, settings)
  if (untrusted) return untrusted
  const quarantined = refuseQuarantinedSelf(snapshot)
  if (quarantined) return quarantined
  // Overlap and orphans: a live run's intent waits; a dead run's intent and orphan are settled.
  const intent = settleIntents(snapshot, settings, now)
  if ('waiting' in intent) return intent.waiting
  const draft = startDraft(snapshot, settings, now, intent)
  return warnOtherWriter(draft, tellLeaks(draft, decideKeys(draft)))
}

/** The rules on the keys themselves, once the intent is settled. */
function decideKeys(draft: Draft): Plan {
  const unknown = refuseUnknownActive(draft)
  if (unknown) return unknown
  resolveInactiveLeaks(draft)
  const [current, newer] = draft.active
  if (!current) return firstKeyPlan(draft)
  if (draft.lost) return lostKeyPlan(draft, current, draft.lost)
  if (draft.settings.reactivatePrevious) return reactivatePlan(draft)
  if (!newer) return oneActiveKey(draft, current)
  return twoActiveKeys(draft, current, newer)
}

// AWS's quarantine: a policy AWS attached after finding one of the user's keys in public.

/**
 * A quarantined user may not create or switch off its own keys, and AWS asks that the policy stay
 * until its support case is followed: only a role can rotate now. Nothing is changed, due or not.
 */
function refuseQuarantinedSelf(snapshot: Snapshot): Plan | undefined {
  const { quarantine, mode, userName } = snapshot
  if (mode !== 'self' || quarantine?.kind !== 'quarantined') return undefined
  const policy = quarantine.policyName
  return {
    ...refuse(
      `AWS has quarantined IAM user ${userName}: its managed policy ${policy} is attached to the user, which AWS does when it finds one of the user's access keys in public. ` +
        `It denies the user iam:CreateAccessKey and iam:UpdateAccessKey, so ${userName} cannot replace or switch off its own keys, and every key it holds counts as exposed. Nothing was changed. ` +
        `Rotate now from an IAM role (admin mode): it writes a new key to every target and deactivates the exposed ones. ` +
        `Then follow AWS's support case and review the exposed keys' use in CloudTrail before anyone detaches ${policy}; until then the policy restricts the new key too.`
    ),
    notes: [
      `Admin mode, added to this workflow: a job with \`permissions: id-token: write\` that runs aws-actions/configure-aws-credentials with \`role-to-assume\` (a role holding policies/admin-rotation.json), then this action with \`iam-user-name: ${userName}\` and the same targets (README: "AWS's quarantine").`
    ]
  }
}

interface Quarantine {
  readonly policyName: string
  readonly exposed: ReadonlySet<string>
}

/**
 * Admin mode: every key the user held when a run first saw the quarantine is exposed; the
 * replacements made since are not (the record says which were held), though the policy binds
 * them too until a person detaches it. The action never detaches it.
 */
function quarantineOf(snapshot: Snapshot): Quarantine | undefined {
  const { quarantine, quarantineRecord, mode, keys } = snapshot
  if (mode !== 'admin' || quarantine?.kind !== 'quarantined') return undefined
  const held =
    typeof quarantineRecord === 'object' ? quarantineRecord.keyIds : keys.map(key => key.id)
  return { policyName: quarantine.policyName, exposed: new Set(held) }
}

/** The record is written on first sight, before any replacement; it goes with the quarantine. */
function quarantineSteps(snapshot: Snapshot, quarantine: Quarantine | undefined): Step[] {
  if (quarantine && typeof snapshot.quarantineRecord !== 'object') {
    return [{ kind: 'record-quarantine', keyIds: [...quarantine.exposed] }]
  }
  const detached = snapshot.quarantine?.kind === 'none'
  if (detached && snapshot.quarantineRecord !== undefined) {
    return [{ kind: 'clear-quarantine-record' }]
  }
  return []
}

function quarantineNote(snapshot: Snapshot, quarantine: Quarantine): string {
  const exposed = [...quarantine.exposed].map(keyLabel).join(', ') || 'none left'
  return (
    `AWS has quarantined IAM user ${snapshot.userName} (${quarantine.policyName}): the keys it held then count as exposed (${exposed}), ` +
    'each replaced now and deactivated as soon as every target holds its replacement. This action never detaches the policy, ' +
    "and it restricts the new key too until a person does: before that, follow AWS's support case, review what the exposed keys did in CloudTrail, and make sure none of them is still active."
  )
}

/** The keys named in open alerts (unless leak-response is off) and the quarantine's exposed ones. */
function leakedKeys(
  snapshot: Snapshot,
  settings: PlanSettings,
  quarantine: Quarantine | undefined
): Map<string, readonly AlertRef[]> {
  const alerted = leakResponse(settings) === 'off' ? [] : (snapshot.leaks ?? [])
  const leaked = new Map(alerted.map(leak => [leak.keyId, leak.alerts] as const))
  for (const keyId of quarantine?.exposed ?? []) {
    const held = snapshot.keys.some(key => key.id === keyId)
    if (held && !leaked.has(keyId)) leaked.set(keyId, [])
  }
  return leaked
}

/** Credentials and marks the action must not act on: root, another account, a newer format. */
function refuseUntrusted(snapshot: Snapshot, settings: PlanSettings): Plan | undefined {
  const { caller } = snapshot
  if (caller.kind === 'root') {
    return refuse(ROOT_REFUSAL)
  }
  if (settings.expectedAccountId !== undefined && caller.accountId !== settings.expectedAccountId) {
    return refuse(
      `The credentials belong to AWS account ${caller.accountId}, not ${settings.expectedAccountId} ` +
        '(expected-account-id). Check which credentials the workflow configures.'
    )
  }
  const unreadable = snapshot.keys.flatMap(key =>
    key.mark.kind === 'unreadable' ? [`${keyLabel(key.id)} (${key.mark.reason})`] : []
  )
  if (unreadable.length > 0) {
    return refuse(
      `The marks on ${unreadable.join(', ')} cannot be read by this version. ` +
        'Use the version of the action that wrote them, or have a person check the keys.'
    )
  }
  return undefined
}

/** The steps and warnings of settling a dead run's intent, and the keys as they will be after. */
interface SettledIntent {
  readonly steps: readonly Step[]
  readonly warnings: readonly string[]
  readonly keys: readonly KeyState[]
}

/** Every run's intent, oldest first: one live run's is enough to wait. */
function settleIntents(
  snapshot: Snapshot,
  settings: PlanSettings,
  now: number
): { waiting: Plan } | SettledIntent {
  let settled: SettledIntent = { steps: [], warnings: [], keys: snapshot.keys }
  for (const intent of snapshot.intents) {
    const next = settleIntent(intent, { ...snapshot, keys: settled.keys }, settings, now)
    if ('waiting' in next) return next
    settled = {
      steps: [...settled.steps, ...next.steps],
      warnings: [...settled.warnings, ...next.warnings],
      keys: next.keys
    }
  }
  return settled
}

/**
 * A run's intent mark ends with the run: a live run's means it is creating a key now (wait); a
 * dead run's is removed, and the key it pins, if any, is set aside (deactivated, marked an
 * orphan, deleted only after delete-after). Returns the keys as they will be after that.
 */
function settleIntent(
  { tagKey, value, mark: intent }: Intent,
  snapshot: Snapshot,
  settings: PlanSettings,
  now: number
): { waiting: Plan } | SettledIntent {
  const orphan = findOrphan(intent, snapshot, settings)
  const holder = holderAlive(intent, snapshot, settings, now)
  if (holder) return { waiting: waitFor(holder, orphan?.id) }
  const clear: Step = { kind: 'clear-intent', tagKey, value }
  // The key it made may not show in IAM's reads yet: the evidence stays for a later run.
  const young = now < intentWindow(intent, settings).to + INTENT_VISIBLE_MS
  if (!orphan && young) return { steps: [], warnings: [], keys: snapshot.keys }
  if (!orphan) return { steps: [clear], warnings: [], keys: snapshot.keys }
  const label = keyLabel(orphan.id)
  const setAside: KeyState = {
    ...orphan,
    status: 'Inactive',
    mark: { kind: 'ours', mark: { state: 'retired', at: now, orphan: true } }
  }
  return {
    steps: [
      {
        kind: 'retire-orphan',
        keyId: orphan.id,
        intent: { tagKey, value },
        reason: `created at ${isoTime(orphan.createdAt)} by ${runOf(intent)}, which stopped before marking it; never used, so no target holds it`
      },
      clear
    ],
    warnings: [
      `${label} was created right after ${runOf(intent)} announced a new key, and that run stopped before marking it: this run deactivates it and marks it retired (an orphan). ` +
        `It is deleted by the first run after ${isoTime(now + settings.deleteAfterMs)} (delete-after), and until then it holds the user's second key slot, so no rotation starts. ` +
        `If a person made ${label}, make it active again in the IAM console (Access keys, Actions, Activate): the action then treats it as theirs and never touches it.`
    ],
    keys: snapshot.keys.map(key => (key.id === orphan.id ? setAside : key))
  }
}

/**
 * The one key that a run's CreateAccessKey made before the run died unmarked, if the evidence
 * pins it: among unmarked keys (not the signing key, not the key the intent replaces), the only
 * one created in the window of that request, still active and never used.
 */
function findOrphan(
  intent: Mark,
  snapshot: Snapshot,
  settings: PlanSettings
): KeyState | undefined {
  const unmarked = snapshot.keys.filter(
    key =>
      key.mark.kind === 'none' &&
      key.id !== snapshot.signingKeyId &&
      key.id !== intent.previousKeyId
  )
  return pinnedKey(unmarked, intentWindow(intent, settings))
}

/**
 * The window in which one CreateAccessKey request, sent right after `intent` was written, can
 * have made a key: the lead, connecting, and one request-timeout.
 */
function intentWindow(intent: Mark, settings: PlanSettings): { from: number; to: number } {
  const connect = Math.min(5_000, settings.requestTimeoutMs)
  return { from: intent.at, to: intent.at + INTENT_LEAD_MS + connect + settings.requestTimeoutMs }
}

/**
 * How far AWS's CreateDate may be from the runner's clock (both in whole seconds); a run's clock
 * further off than this makes its orphan unrecognisable, which is the safe side: a refusal.
 */
const CLOCK_SKEW_MS = 5_000
/**
 * How long after an intent's window a key it made may still be missing from IAM's reads
 * (eventual consistency): a dead run's intent that pins no key is kept until then.
 */
const INTENT_VISIBLE_MS = 15_000
/** A run sends CreateAccessKey within this long of its intent's time (apply rewrites it if not). */
export const INTENT_LEAD_MS = 5_000

/**
 * The only key created in `window` (ms, the runner's clock), if it is active and never used.
 * Anything less could be a person's key: two candidates, a used key (someone holds its secret),
 * an inactive one (someone switched it off).
 */
export function pinnedKey<K extends Pick<KeyState, 'createdAt' | 'status' | 'lastUsed'>>(
  keys: readonly K[],
  window: { readonly from: number; readonly to: number }
): K | undefined {
  const candidates = keys.filter(
    key =>
      key.createdAt >= window.from - CLOCK_SKEW_MS && key.createdAt <= window.to + CLOCK_SKEW_MS
  )
  const [only] = candidates
  if (candidates.length !== 1 || !only) return undefined
  return only.status === 'Active' && only.lastUsed === undefined ? only : undefined
}

/** After the intent: marks of deleted keys go, and the keys are sorted for the rules. */
function startDraft(
  snapshot: Snapshot,
  settings: PlanSettings,
  now: number,
  intent: SettledIntent
): Draft {
  const steps: Step[] = [...intent.steps]
  const byAge = intent.keys.slice().sort(olderFirst)
  const lost = lostKeyOf(snapshot, byAge)
  // A lost key's mark stays until the targets hold a working key again.
  const stale = snapshot.staleMarks.filter(({ keyId }) => keyId !== lost?.id)
  if (stale.length > 0) {
    steps.push({ kind: 'remove-marks', tagKeys: stale.map(({ keyId }) => keyId) })
  }
  const quarantine = quarantineOf(snapshot)
  steps.push(...quarantineSteps(snapshot, quarantine))
  return {
    lost,
    quarantine,
    snapshot,
    settings,
    now,
    steps,
    notes: quarantine ? [quarantineNote(snapshot, quarantine)] : [],
    warnings: [...intent.warnings],
    byAge,
    active: byAge.filter(key => key.status === 'Active'),
    inactive: byAge.filter(key => key.status === 'Inactive'),
    replacedAt: new Map(
      byAge.flatMap(key => {
        const mark = ourMark(key)
        // Not while its smoke gate has not passed: the previous key was not retired then.
        return mark?.state === 'active' && mark.previousKeyId && mark.smoke === undefined
          ? [[mark.previousKeyId, mark.at] as const]
          : []
      })
    ),
    namedByOurs: new Set(
      byAge.flatMap(key => {
        const mark = ourMark(key)
        return mark && !mark.orphan && mark.previousKeyId ? [mark.previousKeyId] : []
      })
    ),
    leaked: leakedKeys(snapshot, settings, quarantine)
  }
}

/**
 * A key that replaced the only active key, pending or distributed, and is now inactive or
 * deleted: the targets that got it cannot sign in, while the key it replaced still works.
 */
function lostKeyOf(snapshot: Snapshot, byAge: readonly KeyState[]): LostKey | undefined {
  const active = byAge.filter(key => key.status === 'Active')
  const [only] = active
  if (active.length !== 1 || !only) return undefined
  // A key that reached every target is lost the same way: the previous key is still active.
  const replacesOnly = (mark: Mark | undefined): mark is Mark =>
    (mark?.state === 'pending' || mark?.state === 'active') && mark.previousKeyId === only.id
  const inactive = byAge.find(key => key.status === 'Inactive' && replacesOnly(ourMark(key)))
  const inactiveMark = inactive && ourMark(inactive)
  if (inactive && inactiveMark) return { id: inactive.id, mark: inactiveMark, status: 'Inactive' }
  const gone = snapshot.staleMarks.find(({ mark }) => replacesOnly(mark))
  return gone && { id: gone.keyId, mark: gone.mark, status: 'deleted' }
}

/** The plan as it stands, with `currentKeyId` the key the targets hold. */
function done(draft: Draft, currentKeyId: string | undefined): Plan {
  return decide(draft.steps, draft.notes, currentKeyId, draft.warnings)
}

/**
 * Active keys the action cannot account for (not marked by it, not the key in use, and not the
 * key that one of its own keys replaces) may be a person's: refuse.
 */
function refuseUnknownActive(draft: Draft): Plan | undefined {
  const { snapshot, active } = draft
  const inUse =
    snapshot.mode === 'self'
      ? snapshot.signingKeyId
      : active.length === 1
        ? active[0]?.id
        : undefined
  const replacedByOurs = new Set(
    active.flatMap(key => {
      const mark = ourMark(key)
      return mark && mark.state !== 'retired' && mark.state !== 'reactivated' && mark.previousKeyId
        ? [mark.previousKeyId]
        : []
    })
  )
  const unknown = active.filter(key => {
    // A retired key that is active again (reactivate-previous, or by hand) is still the action's.
    return ourMark(key) === undefined && key.id !== inUse && !replacedByOurs.has(key.id)
  })
  if (unknown.length === 0) return undefined
  const ids = unknown.map(key => keyLabel(key.id)).join(', ')
  const reclaimed = unknown.filter(key => key.mark.kind === 'ours' && key.mark.mark.orphan)
  const leakedUnknown = unknown.flatMap(key =>
    draft.leaked.has(key.id) ? [leakAdvice(draft, key)] : []
  )
  const reclaimedText =
    reclaimed.length > 0
      ? `(${reclaimed.map(key => keyLabel(key.id)).join(', ')} was set aside by this action as a dead run's orphan and someone made it active again, so it counts as theirs.) `
      : ''
  // Without a key in use the run cannot tell which key the targets hold: never advise deleting it.
  const advice =
    inUse === undefined
      ? `IAM user ${snapshot.userName} has active access keys that this action did not create: ${ids}. ${reclaimedText}` +
        'Changing nothing: this run cannot tell which key the targets hold, and a person may rely on the others. Find what uses each key (IAM console, "last used"), ' +
        'then deactivate and delete only the keys nothing uses, never the one the targets hold; or add a description starting "rotate-aws-access-keys" only if you wrote it.'
      : `IAM user ${snapshot.userName} has active access keys that this action did not create and that are not the key in use: ${ids}. ${reclaimedText}` +
        'Changing nothing: a person may rely on them. Find what uses them (IAM console, "last used"), ' +
        'then deactivate and delete them, or add a description starting "rotate-aws-access-keys" only if you wrote it.'
  return refuse(advice + leakedUnknown.map(text => ` ${text}`).join(''))
}

/**
 * CreateDate has whole seconds, so two keys can share one: then the marks tell which replaced
 * which (a key naming the other as prev is newer; a retired key is older than a live one).
 */
function olderFirst(a: KeyState, b: KeyState): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt
  const [markA, markB] = [ourMark(a), ourMark(b)]
  if (markA?.previousKeyId === b.id && markB?.previousKeyId !== a.id) return 1
  if (markB?.previousKeyId === a.id && markA?.previousKeyId !== b.id) return -1
  const retired = (mark: Mark | undefined) => (retiredTime(mark) !== undefined ? 0 : 1)
  // Stryker disable next-line EqualityOperator: a user's key ids are unique, so < and <= order alike
  return retired(markA) - retired(markB) || (a.id < b.id ? -1 : 1)
}

/**
 * No active key. In admin mode a new deploy user (made by Terraform or CloudFormation with no
 * key) gets its first key, as does one whose only keys this action retired. An inactive key the
 * action did not retire may have been switched off on purpose (an incident): a person decides.
 * Self-rotation signs with an active key of the user, so it never gets here from zero.
 */
function firstKeyPlan(draft: Draft): Plan {
  const { snapshot, settings, inactive, steps, notes } = draft
  const user = snapshot.userName
  if (snapshot.mode === 'self') {
    return refuse(
      `IAM user ${user} has no active access key, so a run cannot sign in as it; self-rotation cannot start from zero. ` +
        'Create the first key (or let an admin-mode run create it), store it in the targets, then let the action take over.'
    )
  }
  if (settings.reactivatePrevious) {
    return refuse(
      `reactivate-previous: IAM user ${user} has no active key, so there is no current key for the targets to keep. ` +
        'Nothing was changed. Run without reactivate-previous to give the user a new first key, or re-activate a key in the IAM console.'
    )
  }
  const notOurs = inactive.filter(key => retiredTime(ourMark(key)) === undefined)
  if (notOurs.length > 0) {
    return refuse(
      `IAM user ${user} has no active access key, and ${notOurs.map(key => keyLabel(key.id)).join(', ')} was deactivated by someone other than this action. ` +
        'Changing nothing: it may have been switched off on purpose. Delete it (or re-activate it) in the IAM console, then run again.'
    )
  }
  // IAM allows two keys: of two retired keys the older gives up its slot; the newer stays for a
  // reactivation until delete-after. An orphan is never the one kept for a reactivation.
  const orphanLast = (key: KeyState) => (ourMark(key)?.orphan ? 1 : 0)
  const byRetirement = [...inactive].sort(
    (a, b) =>
      orphanLast(a) - orphanLast(b) ||
      (retiredTime(ourMark(a)) ?? 0) - (retiredTime(ourMark(b)) ?? 0)
  )
  // Stryker disable next-line ConditionalExpression: with fewer than two keys slice(0, -1) is empty, so `true` frees nothing either
  const blocker = cleanUp(draft, byRetirement.slice(0, -1), byRetirement.length >= 2)
  cleanUp(draft, byRetirement.slice(-1), false)
  if (blocker) return slotBlocked(draft, blocker, undefined)
  steps.push({ kind: 'rotate', previousKeyId: undefined, gated: false })
  notes.push(
    `IAM user ${user} has no active access key: this run creates its first key, verifies it and writes it to every target. Nothing is deactivated.`
  )
  if (settings.smokeWorkflow) {
    notes.push('The smoke workflow is not run: a first key replaces no key it would protect.')
  }
  return done(draft, undefined)
}

/** reactivate-previous: make the key this action retired most recently active again. */
function reactivatePlan(draft: Draft): Plan {
  const { active, settings, steps, notes } = draft
  const user = draft.snapshot.userName
  const refuseToReactivate = (why: string): Plan =>
    refuse(`reactivate-previous: ${why} Nothing was changed.`)
  const [current, newer] = active as [KeyState, KeyState | undefined]
  if (newer) {
    const olderMark = ourMark(current)
    if (olderMark?.state === 'retired' || olderMark?.state === 'reactivated') {
      // Asked twice (a re-run): the key is already active again, which is what was asked.
      notes.push(
        `reactivate-previous: ${keyLabel(current.id)} is already active again; every target keeps ${keyLabel(newer.id)}.`
      )
      return done(draft, newer.id)
    }
    const newerMark = ourMark(newer)
    if (newerMark?.state === 'pending' || newerMark?.state === 'creating') {
      return refuseToReactivate(
        `${keyLabel(newer.id)} is still being distributed by ${runOf(newerMark)}, and ${keyLabel(current.id)} is still active. Run once without reactivate-previous to finish that rotation, then ask again.`
      )
    }
    return refuseToReactivate(
      `IAM user ${user} already has two active keys (${keyLabel(current.id)}, ${keyLabel(newer.id)}): the previous key has not been deactivated yet, so there is nothing to reactivate.`
    )
  }
  const currentMark = ourMark(current)
  if (currentMark?.state === 'pending' || currentMark?.state === 'creating') {
    return refuseToReactivate(
      `${keyLabel(current.id)} is still being distributed by ${runOf(currentMark)}. Run once without reactivate-previous to finish that rotation, then ask again.`
    )
  }
  const newest = draft.inactive
    // An orphan was never any target's key: there is nothing to go back to.
    .filter(key => !ourMark(key)?.orphan)
    .map(key => ({ key, at: retiredTime(ourMark(key)) ?? draft.replacedAt.get(key.id) }))
    .filter((entry): entry is { key: KeyState; at: number } => entry.at !== undefined)
    .sort((a, b) => b.at - a.at)[0]
  if (!newest) {
    return refuseToReactivate(
      `IAM user ${user} has no key that this action retired and that still exists (a retired key is deleted once delete-after has passed, and keys deactivated by a person are not the action's to reactivate).`
    )
  }
  if (draft.leaked.has(newest.key.id)) {
    return refuseToReactivate(
      `${leakedText(draft, newest.key)}: a leaked key is never made active again. Whatever still needs it needs the key the targets hold, ${keyLabel(current.id)}.`
    )
  }
  steps.push({ kind: 'reactivate-key', keyId: newest.key.id })
  notes.push(
    `reactivate-previous: ${keyLabel(newest.key.id)} (retired ${isoTime(newest.at)}) becomes active again for whatever still uses it; every target keeps ${keyLabel(current.id)}. ` +
      `Later runs keep it active while it is used and deactivate it again once it has gone unused for ${age(quietPeriod(settings))}. No rotation starts while it is active.`
  )
  return done(draft, current.id)
}

/** How long a reactivated key must go unused before a run deactivates it again. */
export function quietPeriod(settings: Pick<Settings, 'deactivateAfterMs'>): number {
  return Math.max(settings.deactivateAfterMs, REACTIVATION_GRACE_MS)
}

/** One active key: finish it if a run left it half-distributed, else rotate it when due. */
function oneActiveKey(draft: Draft, current: KeyState): Plan {
  const mark = ourMark(current)
  if (mark?.state === 'pending') return finishPendingKey(draft, current, mark)
  const leaked = actsOnLeak(draft, current)
  if (!isDue(current, draft.settings, draft.now) && !leaked) return keepUntilDue(draft, current)
  return rotateWhenDue(draft, current)
}

/**
 * Healing: the only active key is pending, its previous key already gone. A run that signs
 * with it (self-rotation) writes it on; an admin run knows no secret and refuses.
 */
function finishPendingKey(draft: Draft, current: KeyState, mark: Mark): Plan {
  const { snapshot, settings, now, steps, notes } = draft
  const holder = holderAlive(mark, snapshot, settings, now)
  if (holder) return waitFor(holder, current.id)
  if (snapshot.mode !== 'self') {
    return refuse(pendingRefusal(current, mark))
  }
  cleanUp(draft, draft.inactive, false)
  steps.push({
    kind: 'finish-distribution',
    keyId: current.id,
    previousKeyId: undefined,
    gated: false
  })
  notes.push(
    `Key ${keyLabel(current.id)} was left half-distributed by ${runOf(mark)}; this run finishes writing it.`
  )
  return done(draft, current.id)
}

/**
 * Healing a lost key: targets may hold a pending key that no longer works. A run signing with
 * the previous key writes it back; an admin run writes a new key everywhere instead, deleting
 * an inactive lost key only with force (a person switched it off and may want it back).
 */
function lostKeyPlan(draft: Draft, current: KeyState, lost: LostKey): Plan {
  const { snapshot, settings, now, steps, notes } = draft
  // A distributed key is held only while its smoke gate is due.
  const held = lost.mark.state === 'pending' || lost.mark.smoke === 'due'
  const holder = held ? holderAlive(lost.mark, snapshot, settings, now) : undefined
  if (holder) return waitFor(holder, lost.id)
  // An inactive lost key fills the second slot itself (IAM allows two keys): no other is left.
  const others = lost.status === 'deleted' ? draft.inactive : []
  const what = lostKeyText(lost, current)
  if (snapshot.mode === 'self') {
    steps.push({
      kind: 'restore',
      keyId: current.id,
      abandonedKeyId: lost.id,
      abandonedStatus: lost.status
    })
    cleanUp(draft, others, false)
    notes.push(
      `${what} This run signs with ${keyLabel(current.id)}, so it writes that key back to every target` +
        `${lost.status === 'Inactive' ? ` and marks ${keyLabel(lost.id)} retired` : ''}; a later run rotates afresh when a rotation is due.`
    )
    return done(draft, current.id)
  }
  if (settings.reactivatePrevious) {
    return refuse(
      `reactivate-previous: ${what} An admin-mode run cannot write the previous key back (it does not know its secret). Changing nothing; run without reactivate-previous to write a new key to every target.`
    )
  }
  if (lost.status === 'Inactive' && !settings.force) return refuse(lostKeyRefusal(what, lost))
  if (lost.status === 'Inactive') {
    steps.push({
      kind: 'delete-key',
      keyId: lost.id,
      reason: 'never worked in every target; force is set'
    })
  }
  const blocker = cleanUp(draft, others, true)
  if (blocker) return slotBlocked(draft, blocker, current.id)
  notes.push(
    `${what} This run does not know the secret of ${keyLabel(current.id)}, so it writes a new key to every target instead.`
  )
  steps.push({
    kind: 'rotate',
    previousKeyId: current.id,
    gated: settings.smokeWorkflow !== undefined
  })
  // Once every target holds the new key, the lost key's mark has done its work.
  if (lost.status === 'deleted') steps.push({ kind: 'remove-marks', tagKeys: [lost.id] })
  pushAfterDistribution(draft, undefined, current.id)
  return done(draft, current.id)
}

function lostKeyText(lost: LostKey, current: KeyState): string {
  return (
    `Key ${keyLabel(lost.id)}, created by ${runOf(lost.mark)} at ${isoTime(lost.mark.at)} to replace ${keyLabel(current.id)}, ` +
    `${lost.status === 'deleted' ? 'was deleted' : 'is inactive'} ${lost.mark.state === 'active' ? 'though every target holds it' : 'before it reached every target'}: the targets that got it cannot sign in.`
  )
}

function lostKeyRefusal(what: string, lost: LostKey): string {
  const label = keyLabel(lost.id)
  return (
    `${what} Changing nothing: someone switched ${label} off, perhaps on purpose, and an admin-mode run cannot write the previous key back (it does not know its secret). ` +
    `To repair: run this workflow with force: true, which deletes ${label} and writes a new key to every target; or delete ${label} in the IAM console and run again.`
  )
}

/** Not due yet: only clean-up, and when the next rotation is due. */
function keepUntilDue(draft: Draft, current: KeyState): Plan {
  const { settings, now } = draft
  cleanUp(draft, draft.inactive, false)
  draft.notes.push(
    `Key ${keyLabel(current.id)} is ${age(now - current.createdAt)} old, younger than max-age; the next rotation is due at ${isoTime(current.createdAt + settings.maxAgeMs)}.`
  )
  return done(draft, current.id)
}

/** Rotate when due (or forced): free the second slot first, if the action may. */
function rotateWhenDue(draft: Draft, current: KeyState): Plan {
  const { settings, now, notes } = draft
  const blocker = cleanUp(draft, draft.inactive, true)
  if (blocker) return slotBlocked(draft, blocker, current.id)
  notes.push(
    actsOnLeak(draft, current)
      ? `${leakedText(draft, current)}: rotating now, whatever its age (${draft.quarantine?.exposed.has(current.id) ? "AWS's quarantine" : `leak-response: ${leakResponse(settings)}`}).`
      : settings.force && now < current.createdAt + settings.maxAgeMs
        ? `Key ${keyLabel(current.id)} is ${age(now - current.createdAt)} old; rotating because force is set.`
        : `Key ${keyLabel(current.id)} is ${age(now - current.createdAt)} old; rotating (max-age ${age(settings.maxAgeMs)}).`
  )
  pushRotation(draft, current)
  return done(draft, current.id)
}

/** Two active keys: the newer one is the action's (refuseUnknownActive ensures that). */
function twoActiveKeys(draft: Draft, older: KeyState, newer: KeyState): Plan {
  const newerMark = ourMark(newer)
  if (newerMark?.state === 'pending') return healSplit(draft, older, newer, newerMark)
  if (newerMark?.state !== 'active') {
    return refuse(
      `IAM user ${draft.snapshot.userName} has two active keys and the newer, ${keyLabel(newer.id)}, was not created by this action. ` +
        `Changing nothing: it is unclear which key the targets hold. Have a person deactivate the key that is no longer used.`
    )
  }
  const leak = twoKeysLeakPlan(draft, older, newer, newerMark)
  if (leak) return leak
  const olderMark = ourMark(older)
  if (olderMark?.state === 'retired' || olderMark?.state === 'reactivated') {
    return reactivatedPlan(draft, older, olderMark, newer)
  }
  return retirePrevious(draft, older, newer, newerMark)
}

/**
 * Healing a split: a run stopped with the newer key in some targets. Writing a key that is
 * still active everywhere is safe, and a run knows only the one it signs with.
 */
function healSplit(draft: Draft, older: KeyState, newer: KeyState, newerMark: Mark): Plan {
  const { snapshot, settings, now } = draft
  const holder = holderAlive(newerMark, snapshot, settings, now)
  if (holder) return waitFor(holder, newer.id)
  if (snapshot.mode !== 'self') return refuse(pendingRefusal(newer, newerMark))
  if (newerMark.smoke !== undefined && settings.smokeWorkflow === undefined) {
    return refuse(gateRefusal(newer, newerMark, older))
  }
  if (snapshot.signingKeyId === newer.id) return finishSplit(draft, older, newer, newerMark)
  return abandonSplit(draft, older, newer, newerMark)
}

/** This run signs with the newer key: it writes it everywhere, then retires the older one. */
function finishSplit(draft: Draft, older: KeyState, newer: KeyState, newerMark: Mark): Plan {
  const { settings, steps, notes } = draft
  steps.push({
    kind: 'finish-distribution',
    keyId: newer.id,
    previousKeyId: older.id,
    gated: settings.smokeWorkflow !== undefined
  })
  notes.push(
    `Key ${keyLabel(newer.id)} was left half-distributed by ${runOf(newerMark)}; this run signs with it, so it finishes writing it.`
  )
  pushAfterDistribution(draft, newer.id, older.id)
  return done(draft, newer.id)
}

/** This run signs with the older key: it writes that back, deletes the newer, rotates afresh. */
function abandonSplit(draft: Draft, older: KeyState, newer: KeyState, newerMark: Mark): Plan {
  const { steps, notes } = draft
  steps.push({ kind: 'restore', keyId: older.id, abandonedKeyId: newer.id })
  steps.push({
    kind: 'delete-key',
    keyId: newer.id,
    reason: `left half-distributed by ${runOf(newerMark)}; every target holds ${keyLabel(older.id)} again`
  })
  notes.push(
    `Key ${keyLabel(newer.id)} was left half-distributed by ${runOf(newerMark)}; this run signs with ${keyLabel(older.id)}, so it writes that key back everywhere and deletes the other.`
  )
  // That run was rotating, so a rotation was wanted (due or forced): finish it afresh.
  pushRotation(draft, older)
  return done(draft, older.id)
}

/**
 * Retire: the newer key is distributed; the older one waits out its smoke gate and
 * deactivate-after, then is deactivated.
 */
function retirePrevious(draft: Draft, older: KeyState, newer: KeyState, newerMark: Mark): Plan {
  const gate = gateBeforeRetiring(draft, older, newer, newerMark)
  if ('stop' in gate) return gate.stop
  deactivatePrevious(draft, older, newer, newerMark.at, gate.gateDue)
  return done(draft, newer.id)
}

/** The smoke gate of a distributed key: wait for the run running it, refuse, or run it again. */
function gateBeforeRetiring(
  draft: Draft,
  older: KeyState,
  newer: KeyState,
  newerMark: Mark
): { stop: Plan } | { gateDue: boolean } {
  const { snapshot, settings, now, steps, notes } = draft
  if (newerMark.smoke === 'due') {
    // The run that distributed the key may still be waiting for its smoke run, for as long as
    // its own smoke-timeout, which this run cannot know: allow the longest.
    const holder = holderAlive(newerMark, snapshot, settings, now, MAX_SMOKE_TIMEOUT_MS)
    if (holder) return { stop: waitFor(holder, newer.id) }
  }
  if (newerMark.smoke !== undefined && settings.smokeWorkflow === undefined) {
    // Another workflow (or this one, before) gates this user: never skip its gate, and fail
    // loudly, since a person has to choose.
    return { stop: refuse(gateRefusal(newer, newerMark, older)) }
  }
  const gateDue = newerMark.smoke !== undefined
  if (gateDue) {
    steps.push({
      kind: 'smoke-test',
      keyId: newer.id,
      previousKeyId: older.id,
      distributedAt: newerMark.at
    })
    notes.push(
      newerMark.smoke === 'failed'
        ? `The smoke workflow did not pass for ${keyLabel(newer.id)} on an earlier run, so ${keyLabel(older.id)} is still active: this run runs it again before anything is deactivated.`
        : `The smoke workflow has not run yet for ${keyLabel(newer.id)}: this run runs it before ${keyLabel(older.id)} is deactivated.`
    )
  }
  return { gateDue }
}

/** Deactivates the previous key once deactivate-after has passed since the distribution. */
function deactivatePrevious(
  draft: Draft,
  older: KeyState,
  newer: KeyState,
  distributedAt: number,
  gateDue: boolean
): void {
  const { snapshot, settings, now, notes } = draft
  const deactivateAt = distributedAt + settings.deactivateAfterMs
  if (settings.force) {
    notes.push('force is ignored: the previous rotation has not finished (two keys are active).')
  }
  // Stryker disable next-line ConditionalExpression: an admin run has no signing key of the user (observe sets it undefined), so `true` for the mode check changes nothing
  if (snapshot.mode === 'self' && snapshot.signingKeyId === older.id) {
    notes.push(
      `This run signs with the previous key ${keyLabel(older.id)} (it was queued before the targets got ${keyLabel(newer.id)}); it stays active for now and a later run deactivates it.`
    )
  } else if (now >= deactivateAt) {
    const used = older.lastUsed
    pushDeactivation(draft, {
      kind: 'deactivate-key',
      keyId: older.id,
      ...(used && used.at > distributedAt
        ? {
            warning: usedAfterSwitch(
              older.id,
              used,
              `after the targets got ${keyLabel(newer.id)} at ${isoTime(distributedAt)}`
            )
          }
        : {}),
      reason:
        settings.deactivateAfterMs > 0
          ? `deactivate-after has passed${gateDue ? ', and the smoke workflow passed' : ''}`
          : replacedReason(gateDue)
    })
  } else {
    notes.push(
      `Previous key ${keyLabel(older.id)} stays active until ${isoTime(deactivateAt)} (deactivate-after).`
    )
  }
}

/** The previous key is active again after the action retired it: something still needs it. */
function reactivatedPlan(draft: Draft, older: KeyState, olderMark: Mark, newer: KeyState): Plan {
  const { snapshot, settings, now, steps, notes, warnings } = draft
  const label = keyLabel(older.id)
  if (settings.force || isDue(newer, settings, now)) {
    notes.push(
      `No rotation can start while ${label} is active again: IAM allows two keys per user. Rotation resumes once ${label} is deactivated.`
    )
  }
  // Last use is recorded to the second: a use in the second of the mark counts as after it.
  const used = older.lastUsed && older.lastUsed.at >= olderMark.at ? older.lastUsed : undefined
  const stillUsed = (use: NonNullable<KeyState['lastUsed']>): string =>
    `${label}, retired by this action and active again, was used at ${isoTime(use.at)} by ${use.service} in ${use.region}: something still uses it. ` +
    `Move that consumer to the key the targets hold (${keyLabel(newer.id)}).`
  if (olderMark.state === 'retired') {
    // Reactivated by hand in the console: its quiet period starts when a run first sees it.
    steps.push({ kind: 'mark-reactivated', keyId: older.id })
    notes.push(
      `${label} was retired by this action and is active again (reactivated by hand). It is kept active while it is used and deactivated once unused for ${age(quietPeriod(settings))}.`
    )
    if (used) warnings.push(stillUsed(used))
    return done(draft, newer.id)
  }
  const quietSince = Math.max(olderMark.at, used?.at ?? 0)
  const deactivateAt = quietSince + quietPeriod(settings)
  // Stryker disable next-line ConditionalExpression: an admin run has no signing key of the user (observe sets it undefined), so `true` for the mode check changes nothing
  if (snapshot.mode === 'self' && snapshot.signingKeyId === older.id) {
    notes.push(
      `This run signs with the reactivated key ${label}, so it does not deactivate it; give the workflow the key the targets hold.`
    )
    return done(draft, newer.id)
  }
  if (now >= deactivateAt) {
    pushDeactivation(draft, {
      kind: 'deactivate-key',
      keyId: older.id,
      reason: used
        ? `reactivated ${isoTime(olderMark.at)}, last used ${isoTime(used.at)}: unused for ${age(now - used.at)}`
        : `reactivated ${isoTime(olderMark.at)} and not used since`
    })
    return done(draft, newer.id)
  }
  if (used) {
    warnings.push(
      `${stillUsed(used)} A run after ${isoTime(deactivateAt)} deactivates ${label} if it stays unused until then.`
    )
  } else {
    notes.push(
      `${label} is active again since ${isoTime(olderMark.at)}; a run after ${isoTime(deactivateAt)} deactivates it unless it is used before then.`
    )
  }
  return done(draft, newer.id)
}

/**
 * Delete and clean up: inactive keys whose delete-after has passed go, and so do the action's
 * own when a rotation needs the slot. Says what keeps a needed slot from being freed, if anything.
 */
function cleanUp(
  draft: Draft,
  keys: readonly KeyState[],
  slotNeeded: boolean
): SlotBlocker | undefined {
  let blocker: SlotBlocker | undefined
  for (const key of keys) {
    blocker = cleanUpKey(draft, key, slotNeeded) ?? blocker
  }
  return blocker
}

function cleanUpKey(draft: Draft, key: KeyState, slotNeeded: boolean): SlotBlocker | undefined {
  const { settings, now, steps, notes } = draft
  const mark = ourMark(key)
  const retiredAt = retiredTime(mark) ?? draft.replacedAt.get(key.id)
  const deleteAt = retiredAt !== undefined ? retiredAt + settings.deleteAfterMs : undefined
  // Only keys the action can prove it made (or replaced) are deleted; an orphan only after
  // delete-after.
  const provablyOurs = (mark !== undefined || draft.namedByOurs.has(key.id)) && !mark?.orphan
  // Stryker disable next-line ConditionalExpression: `now >= undefined` is false, so dropping the undefined check changes nothing
  if (deleteAt !== undefined && now >= deleteAt) {
    steps.push({
      kind: 'delete-key',
      keyId: key.id,
      reason: `retired ${age(now - (retiredAt ?? now))} ago; delete-after has passed`
    })
  } else if (slotNeeded && provablyOurs) {
    steps.push({
      kind: 'delete-key',
      keyId: key.id,
      reason:
        'retired by this action, so not in use, and its slot is needed for the new key (IAM allows two keys)'
    })
  } else if (slotNeeded) {
    return { key, orphanDeleteAt: mark?.orphan ? deleteAt : undefined }
  } else if (deleteAt !== undefined) {
    notes.push(
      `Inactive key ${keyLabel(key.id)} will be deleted by the first run after ${isoTime(deleteAt)}.`
    )
  } else {
    notes.push(
      provablyOurs
        ? `Inactive key ${keyLabel(key.id)} was not retired by this action; it is kept until a rotation needs its slot.`
        : `Inactive key ${keyLabel(key.id)} was not created or retired by this action; it is kept (only a person deletes it).`
    )
  }
  return undefined
}

/** A rotation is due but an inactive key the action may not delete yet holds the slot. */
function slotBlocked(draft: Draft, blocker: SlotBlocker, currentKeyId: string | undefined): Plan {
  const user = draft.snapshot.userName
  const label = keyLabel(blocker.key.id)
  if (blocker.orphanDeleteAt === undefined) {
    return refuse(
      `A rotation is due, and IAM user ${user} has an inactive key this action did not retire, ${label}, in the second key slot (IAM allows two keys). ` +
        'Changing nothing: a person may have switched it off on purpose and may want it back. If nothing needs it, delete it in the IAM console and run again.'
    )
  }
  draft.warnings.push(
    `A rotation is due, but ${label} holds the second key slot: it was set aside as a dead run's orphan and is deleted by the first run after ${isoTime(blocker.orphanDeleteAt)}. ` +
      `No rotation starts until then. If nobody needs ${label}, delete it in the IAM console and the next run rotates.`
  )
  return done(draft, currentKeyId)
}

/** When a key was retired by the action, by its mark (a reactivated key counts from then). */
function retiredTime(mark: Mark | undefined): number | undefined {
  return mark?.state === 'retired' || mark?.state === 'reactivated' ? mark.at : undefined
}

function pushRotation(draft: Draft, current: KeyState): void {
  draft.steps.push({
    kind: 'rotate',
    previousKeyId: current.id,
    gated: draft.settings.smokeWorkflow !== undefined
  })
  pushAfterDistribution(draft, undefined, current.id)
}

/**
 * Once this run has written `keyId` (undefined: the key it creates) to every target: the smoke
 * gate when set, then the previous key goes, now or after deactivate-after.
 */
function pushAfterDistribution(
  draft: Draft,
  keyId: string | undefined,
  previousKeyId: string
): void {
  const { settings, steps, notes } = draft
  const gated = settings.smokeWorkflow !== undefined
  if (deactivatesLeak(draft, previousKeyId)) {
    deactivateLeaked(draft, previousKeyId)
    if (gated) pushLeakGate(draft, keyId, previousKeyId, undefined)
    return
  }
  if (gated) {
    steps.push({ kind: 'smoke-test', keyId, previousKeyId, distributedAt: undefined })
    notes.push(
      `The smoke workflow runs once every target holds the new key; ${keyLabel(previousKeyId)} is deactivated only if it passes.`
    )
  }
  if (settings.deactivateAfterMs === 0) {
    pushDeactivation(draft, {
      kind: 'deactivate-key',
      keyId: previousKeyId,
      reason: replacedReason(gated)
    })
  } else {
    notes.push(
      `The previous key stays active for deactivate-after (${age(settings.deactivateAfterMs)}), for runs queued before the change; the first run after that deactivates it.`
    )
    if (actsOnLeak(draft, previousKeyId)) {
      notes.push(
        `${keyLabel(previousKeyId)} has leaked, and leak-response is rotate: its alerts stay open until the run that deactivates it resolves them.`
      )
    }
  }
}

function replacedReason(gated: boolean): string {
  return gated
    ? 'replaced by the new key in every target, and the smoke workflow passed'
    : 'replaced by the new key in every target'
}

/** Whether the run that wrote `mark` may still be working on its key, and why. */
/** A run that may still hold a key: in words, and since when its mark says it took it. */
interface Holder {
  readonly text: string
  readonly since: number
}

function holderAlive(
  mark: Mark,
  snapshot: Snapshot,
  settings: PlanSettings,
  now: number,
  extraLeaseMs = 0
): Holder | undefined {
  const holder = (text: string): Holder => ({ text, since: mark.at })
  const who = runOf(mark)
  const state = holderState(mark, snapshot, settings)
  if (state === 'finished') return undefined
  // The holder's own deadline, from its settings; marks of earlier releases have none.
  const until = mark.until ?? mark.at + leaseMs(settings) + extraLeaseMs
  const holds = `it may hold the key until ${isoTime(until)} by its own settings`
  // GitHub's word beats any clock: this runner's may be hours ahead of the holder's.
  if (state === 'running') {
    return holder(
      `${who}, which GitHub shows in progress (${holds}; no run undoes it while GitHub shows it going)`
    )
  }
  // Another runner's clock may be a little behind: its deadline is met by its own clock.
  if (now >= until + (mark.until === undefined ? 0 : CLOCK_SKEW_MS)) return undefined
  const waits = `${holds}, and no run undoes it before then`
  if (state === 'parallel') return holder(`${who} (a parallel job of this run; ${waits})`)
  return holder(`${who} (GitHub does not say whether it is still going; ${waits})`)
}

/** What GitHub says of the run that wrote `mark`; an earlier attempt of this run has ended. */
function holderState(
  mark: Mark,
  snapshot: Snapshot,
  settings: PlanSettings
): 'finished' | 'running' | 'unknown' | 'parallel' {
  if (mark.runId === settings.run.runId) {
    if (Number(mark.runAttempt ?? '1') < Number(settings.run.attempt)) return 'finished'
    // The same attempt: another job of this very run (a matrix). Only time can tell.
    return 'parallel'
  }
  return snapshot.runs[`${mark.runId ?? ''}.${mark.runAttempt ?? '1'}`] ?? 'unknown'
}

function waitFor(holder: Holder, keyId: string | undefined): Plan {
  return {
    steps: [],
    refusal: undefined,
    notes: [],
    currentKeyId: undefined,
    waitingSince: holder.since,
    waiting:
      (keyId
        ? `Key ${keyLabel(keyId)} is being rotated by ${holder.text}; `
        : `The intent mark on the user says ${holder.text} is creating a new key; `) +
      'this run leaves it alone and changes nothing for this user. ' +
      'A run that died is recognised as soon as GitHub shows it completed, or once that time has passed; a later run then finishes or undoes its work.'
  }
}

function isDue(key: KeyState, settings: PlanSettings, now: number): boolean {
  return settings.force || settings.maxAgeMs === 0 || now >= key.createdAt + settings.maxAgeMs
}

function ourMark(key: KeyState): Mark | undefined {
  if (key.mark.kind !== 'ours') return undefined
  // A set-aside orphan that someone made active again is theirs: the action never touches it.
  if (key.mark.mark.orphan && key.status === 'Active') return undefined
  return key.mark.mark
}

function runOf(mark: Mark): string {
  return mark.runId !== undefined
    ? `run ${mark.runId} attempt ${mark.runAttempt ?? '1'}${mark.repository ? ` of ${mark.repository}` : ''}`
    : 'an earlier run'
}

/** The previous key was used after the targets moved on: something else may still need it. */
export function usedAfterSwitch(keyId: string, used: LastUse, when: string): string {
  return (
    `${keyLabel(keyId)} was used at ${isoTime(used.at)} (${used.service}, ${used.region}), ${when}: ` +
    'something outside the targets may still use it. It is only deactivated: if something breaks, run with reactivate-previous (or re-activate it in the IAM console) until delete-after passes.'
  )
}

function gateRefusal(newer: KeyState, mark: Mark, older: KeyState): string {
  return (
    `The smoke workflow has not passed for ${keyLabel(newer.id)} (its mark says smoke=${mark.smoke ?? ''}), and this run has no smoke-workflow. Changing nothing: ${keyLabel(older.id)} stays active and no rotation starts. ` +
    `Run the workflow that sets smoke-workflow to retry the gate. If the gate is gone for good, deactivate ${keyLabel(older.id)} in the IAM console once nothing uses it; the action then keeps it until a rotation needs its slot.`
  )
}

function pendingRefusal(key: KeyState, mark: Mark): string {
  return (
    `Key ${keyLabel(key.id)} was created by ${runOf(mark)} at ${isoTime(mark.at)} and not yet written to every target. ` +
    'This run does not sign with either key, so it cannot write a known key to every target. ' +
    'Changing nothing. Let the self-rotation run that holds the key finish, or re-run it; ' +
    'or have a person check which key the targets hold and delete the other.'
  )
}

/** A step in words, for the log, the summary and error messages. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'rotate':
      return step.previousKeyId
        ? `Create a new key, verify it with STS, write it to every target (replaces ${keyLabel(step.previousKeyId)})`
        : "Create the user's first key, verify it with STS, write it to every target"
    case 'record-quarantine':
      return `Record the keys AWS's quarantine exposed (${step.keyIds.map(keyLabel).join(', ') || 'none'})`
    case 'deactivate-key':
      return `Deactivate ${keyLabel(step.keyId)}: ${step.reason}`
    case 'delete-key':
      return `Delete ${keyLabel(step.keyId)}: ${step.reason}`
    case 'finish-distribution':
      return `Finish writing ${keyLabel(step.keyId)} to every target`
    case 'reactivate-key':
      return `Reactivate ${keyLabel(step.keyId)} (reactivate-previous); the targets keep the current key`
    case 'mark-reactivated':
      return `Record that ${keyLabel(step.keyId)} was reactivated by hand`
    case 'clear-quarantine-record':
      return "Remove the record of AWS's quarantine, now detached"
    case 'remove-marks':
      return `Remove the marks of ${step.tagKeys.length} deleted key(s)`
    case 'retire-orphan':
      return `Deactivate ${keyLabel(step.keyId)} and mark it a retired orphan: ${step.reason}`
    case 'clear-intent':
      return 'Remove the intent mark of a run that has ended'
    case 'restore':
      return `Write ${keyLabel(step.keyId)} back to every target (abandon ${keyLabel(step.abandonedKeyId)})`
    case 'resolve-alerts':
      return `Resolve ${step.alerts.length} secret scanning alert(s) naming ${keyLabel(step.keyId)} as revoked`
    case 'smoke-test':
      return `Run the smoke workflow with ${step.keyId ? keyLabel(step.keyId) : 'the new key'} in every target; ${keyLabel(step.previousKeyId)} stays active unless it passes`
  }
}

// Leaks: open secret scanning alerts naming the user's keys (GitHub, read by the leak check).

function leakResponse(settings: PlanSettings): LeakResponse {
  return settings.leakResponse ?? 'rotate-and-deactivate'
}

/** The key is named in an alert and the run rotates for it (rotate-and-deactivate or rotate). */
function actsOnLeak(draft: Draft, keyId: KeyState | string): boolean {
  const response = leakResponse(draft.settings)
  const id = typeof keyId === 'string' ? keyId : keyId.id
  if (draft.quarantine?.exposed.has(id)) return draft.leaked.has(id)
  return draft.leaked.has(id) && (response === 'rotate-and-deactivate' || response === 'rotate')
}

/** The key is named in an alert and is deactivated as soon as the targets no longer need it. */
function deactivatesLeak(draft: Draft, keyId: string): boolean {
  if (draft.quarantine?.exposed.has(keyId)) return draft.leaked.has(keyId)
  return draft.leaked.has(keyId) && leakResponse(draft.settings) === 'rotate-and-deactivate'
}

function leakedText(draft: Draft, key: KeyState | string): string {
  const id = typeof key === 'string' ? key : key.id
  const alerts = draft.leaked.get(id) ?? []
  if (alerts.length === 0 && draft.quarantine) {
    return `${keyLabel(id)} is exposed: the user held it when AWS quarantined the user (${draft.quarantine.policyName})`
  }
  const urls = someOf(
    alerts.map(alert => alert.htmlUrl),
    5
  )
  return `${keyLabel(id)} has leaked: it is named in open secret scanning alert${alerts.length > 1 ? 's' : ''} ${urls}`
}

/** What a person must do about a leaked key the action will not touch. */
function leakAdvice(draft: Draft, key: KeyState): string {
  return (
    `${leakedText(draft, key)}. Give whatever uses it another key, deactivate it in the IAM console now ` +
    '(Access keys, Actions, Deactivate), delete it, and resolve the alerts as revoked.'
  )
}

/** Deactivating a leaked key ends its leak: the alerts are resolved right after. */
function pushDeactivation(draft: Draft, step: Extract<Step, { kind: 'deactivate-key' }>): void {
  draft.steps.push(step)
  const alerts = draft.leaked.get(step.keyId)
  if (alerts?.length && actsOnLeak(draft, step.keyId)) {
    draft.steps.push({ kind: 'resolve-alerts', keyId: step.keyId, alerts })
  }
}

/** A leaked key goes as soon as every target holds its replacement: no deactivate-after, no gate. */
function deactivateLeaked(draft: Draft, keyId: string): void {
  pushDeactivation(draft, {
    kind: 'deactivate-key',
    keyId,
    reason: draft.quarantine?.exposed.has(keyId)
      ? 'exposed (AWS quarantined the user), and every target holds the new key'
      : 'leaked (named in open secret scanning alerts), and every target holds the new key'
  })
}

/** The gate still runs, after the leaked key is gone, so its verdict is reported. */
function pushLeakGate(
  draft: Draft,
  keyId: string | undefined,
  leakedKeyId: string,
  distributedAt: number | undefined
): void {
  draft.steps.push({ kind: 'smoke-test', keyId, previousKeyId: leakedKeyId, distributedAt })
  draft.notes.push(
    `The smoke workflow still runs and is reported, but ${keyLabel(leakedKeyId)} has leaked and is not kept active for it: it is deactivated as soon as every target holds the new key.`
  )
}

/** Inactive keys can no longer sign: their open alerts are resolved as revoked. */
function resolveInactiveLeaks(draft: Draft): void {
  for (const key of draft.inactive) {
    const alerts = draft.leaked.get(key.id)
    if (!alerts?.length || !actsOnLeak(draft, key)) continue
    draft.steps.push({ kind: 'resolve-alerts', keyId: key.id, alerts })
    draft.notes.push(
      `${leakedText(draft, key)}; it is inactive, so it can no longer sign, and the alerts are resolved as revoked.`
    )
  }
}

/**
 * Two active keys, the newer distributed, and one of them leaked (rotate-and-deactivate): the
 * older is deactivated now; a leaked newer key is replaced at once, which needs the older
 * key's slot. A run that signs with the older key cannot do either and says so.
 */
function twoKeysLeakPlan(
  draft: Draft,
  older: KeyState,
  newer: KeyState,
  newerMark: Mark
): Plan | undefined {
  const newerLeaked = deactivatesLeak(draft, newer.id)
  if (!newerLeaked && !deactivatesLeak(draft, older.id)) return undefined
  const { snapshot, settings } = draft
  if (snapshot.mode === 'self' && snapshot.signingKeyId === older.id) {
    draft.warnings.push(
      `${leakedText(draft, newerLeaked ? newer : older)}. This run signs with ${keyLabel(older.id)}, which it would have to deactivate first; give the workflow the key the targets hold (${keyLabel(newer.id)}) and run it again.`
    )
    return undefined
  }
  if (!newerLeaked) {
    deactivateLeaked(draft, older.id)
    if (newerMark.smoke !== undefined && settings.smokeWorkflow !== undefined) {
      pushLeakGate(draft, newer.id, older.id, newerMark.at)
    }
    return done(draft, newer.id)
  }
  pushDeactivation(draft, {
    kind: 'deactivate-key',
    keyId: older.id,
    reason: `replaced by ${keyLabel(newer.id)} in every target, and its slot is needed now to replace the leaked ${keyLabel(newer.id)}`
  })
  draft.steps.push({
    kind: 'delete-key',
    keyId: older.id,
    reason: `its slot is needed now to replace the leaked ${keyLabel(newer.id)} (IAM allows two keys)`
  })
  draft.notes.push(`${leakedText(draft, newer)}: rotating now.`)
  pushRotation(draft, newer)
  return done(draft, newer.id)
}

/** Leaks the plan does not act on still reach a person: in a refusal, or as warnings. */
function tellLeaks(draft: Draft, result: Plan): Plan {
  const { refusal } = result
  if (refusal !== undefined) {
    const untold = [...draft.leaked].filter(
      ([keyId, alerts]) =>
        draft.active.some(key => key.id === keyId) &&
        !alerts.some(alert => refusal.includes(alert.htmlUrl))
    )
    if (untold.length === 0) return result
    const advice = untold.map(([keyId]) => `${leakedText(draft, keyId)}.`)
    return { ...result, refusal: `${refusal} ${advice.join(' ')}` }
  }
  const reported = [...draft.leaked.keys()].filter(keyId => !draft.quarantine?.exposed.has(keyId))
  if (leakResponse(draft.settings) !== 'report' || reported.length === 0) return result
  const warnings = reported.map(
    keyId =>
      `${leakedText(draft, keyId)}. leak-response is report, so this run does nothing about it: rotate now (force), deactivate it, then resolve the alerts.`
  )
  return { ...result, warnings: [...(result.warnings ?? []), ...warnings] }
}

// Another writer: a target's secret written after this user's key reached every target.

/**
 * How much later than the `active` mark's `at` GitHub's updated_at of this user's own write may
 * read. The mark is written after the last PUT, by the runner's clock and floored to the second;
 * updated_at is GitHub's clock. Five minutes is the skew AWS allows a signed request (SigV4), far
 * beyond a synchronized runner's; another writer within it goes unseen.
 */
const OWN_WRITE_MARGIN_MS = 5 * 60_000

/**
 * A target's secret written, beyond the margin, after the key the targets hold reached every
 * target (its `active` mark), while no run of this user is writing: someone else wrote it. Only
 * a warning for a person: the steps stay as they are. A write within the margin of now is left
 * to the next run: another run of this user may have written it after this one listed the keys,
 * or IAM's reads may not show that run's marks yet.
 */
function warnOtherWriter(draft: Draft, decided: Plan): Plan {
  // A refusal or a wait names no key the targets hold: nothing to compare with.
  const current = draft.active.find(key => key.id === decided.currentKeyId)
  const mark = current && ourMark(current)
  if (!current || mark?.state !== 'active' || writingNow(draft)) return decided
  const later = (draft.snapshot.targetWrites ?? []).filter(
    write =>
      write.updatedAt > mark.at + OWN_WRITE_MARGIN_MS &&
      write.updatedAt < draft.now - OWN_WRITE_MARGIN_MS
  )
  if (later.length === 0) return decided
  const warning = otherWriterWarning(draft.snapshot.userName, current.id, mark.at, later)
  return { ...decided, warnings: [...(decided.warnings ?? []), warning] }
}

/** A run of this user may be writing the targets, or left them half-written: its own writes. */
function writingNow(draft: Draft): boolean {
  const pending = (mark: Mark | undefined) => mark?.state === 'pending'
  return (
    draft.lost !== undefined ||
    draft.byAge.some(key => pending(ourMark(key))) ||
    draft.snapshot.staleMarks.some(({ mark }) => pending(mark))
  )
}

function otherWriterWarning(
  user: string,
  keyId: string,
  distributedAt: number,
  later: readonly SecretWrite[]
): string {
  const places = someOf(
    later.map(write => `${write.secretName} in ${write.target} at ${isoTime(write.updatedAt)}`),
    5
  )
  return (
    `Another writer: GitHub says ${places} ${later.length > 1 ? 'were' : 'was'} updated after this action wrote ${keyLabel(keyId)} of IAM user ${user} to every target at ${isoTime(distributedAt)}, and no run of ${user} has written since. ` +
    `Another IAM user whose rotation lists the same target, a person or another tool wrote it: the target may hold a key that is not ${user}'s. ` +
    `Check which IAM user each of these targets should belong to and list it in that user's workflow only (README: "One target, one IAM user"). ` +
    `If it belongs to ${user} (a person who added a target by copying ${user}'s key in sees this too), the next rotation of ${user} writes its key there again and ends this warning. The rotation itself goes on as planned.`
  )
}
