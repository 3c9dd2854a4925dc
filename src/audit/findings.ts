import { isoTime, keyLabel } from '../format.js'
import type { Mark } from '../marks.js'
import { describeStep, type Plan, type Step } from '../plan.js'
import type { KeyState, Snapshot } from '../snapshot.js'
import { AUDIT_FINDINGS, type AuditFinding } from './inputs.js'

/** What the action's marks say a key is. */
export type KeyRole =
  'current' | 'previous' | 'pending' | 'reactivated' | 'retired' | 'set aside' | 'unmanaged'

export interface AuditedKey {
  /** Shortened (AKIA…WXYZ), as everywhere people read. */
  readonly id: string
  readonly status: 'Active' | 'Inactive'
  readonly createdAt: string
  readonly ageDays: number
  readonly lastUsed: {
    readonly at: string
    readonly service: string
    readonly region: string
  } | null
  readonly role: KeyRole
}

/** The workflow whose run last marked the user, as GitHub shows it now. */
export interface AuditedWorkflow {
  readonly repository: string
  readonly path: string | null
  /**
   * As GitHub says: active, disabled_inactivity, disabled_manually, ...; unknown: the run is no
   * longer kept; unreadable: GitHub refused or failed the read.
   */
  readonly state: string
}

/** Whether a rotation is going on, as the rotation itself would judge it. */
export type RotationState = 'idle' | 'in flight' | 'stuck'

export interface AuditedUser {
  readonly userName: string
  readonly keys: readonly AuditedKey[]
  readonly findings: readonly AuditFinding[]
  readonly rotation: RotationState
  readonly quarantine: 'none' | 'quarantined' | 'unknown'
  readonly alerts: readonly string[]
  readonly workflow: AuditedWorkflow | null
  /** What the next rotation run would do or say, in its own words. */
  readonly next: string
  /** 0 is most urgent: the rank of the first finding, then in-flight, then nothing found. */
  readonly urgency: number
  /** Set when the user could not be read; nothing else is known of it then. */
  readonly error?: string
}

export interface AssessInput {
  readonly snapshot: Snapshot
  readonly plan: Plan
  readonly now: number
  readonly maxAgeMs: number
  readonly unusedAfterMs: number
  readonly workflow: AuditedWorkflow | null
}

const DAY_MS = 86_400_000
/** A wait this long means the holder is stuck (the rotation's report says the same). */
const STUCK_AFTER_MS = DAY_MS

export function assessUser(input: AssessInput): AuditedUser {
  const { snapshot, plan } = input
  const keys = snapshot.keys.map(key => auditedKey(key, plan.currentKeyId, input.now))
  const rotation = rotationState(snapshot, plan, input.now)
  const findings = findingsOf(input, rotation)
  const urgency =
    findings[0] === undefined ? restingRank(rotation) : AUDIT_FINDINGS.indexOf(findings[0])
  return {
    userName: snapshot.userName,
    keys,
    findings,
    rotation,
    quarantine: snapshot.quarantine?.kind ?? 'unknown',
    alerts: (snapshot.leaks ?? []).flatMap(leak => leak.alerts.map(alert => alert.htmlUrl)),
    workflow: input.workflow,
    next: nextAction(plan),
    urgency
  }
}

/** A user that could not be read sorts first: nothing is known of it. */
export function unreadUser(userName: string, problem: string): AuditedUser {
  // AWS's messages may name a key in full: people read ids shortened.
  const error = problem.replace(/\b(?:AKIA|ASIA)[A-Z0-9]{12,124}\b/g, keyLabel)
  return {
    userName,
    keys: [],
    findings: [],
    rotation: 'idle',
    quarantine: 'unknown',
    alerts: [],
    workflow: null,
    next: `Could not read this user: ${error}`,
    urgency: -1,
    error
  }
}

function restingRank(rotation: RotationState): number {
  return AUDIT_FINDINGS.length + (rotation === 'in flight' ? 0 : 1)
}

function auditedKey(key: KeyState, currentKeyId: string | undefined, now: number): AuditedKey {
  return {
    id: keyLabel(key.id),
    status: key.status,
    createdAt: isoTime(key.createdAt),
    ageDays: Math.floor((now - key.createdAt) / DAY_MS),
    lastUsed: key.lastUsed
      ? { at: isoTime(key.lastUsed.at), service: key.lastUsed.service, region: key.lastUsed.region }
      : null,
    role: roleOf(key, currentKeyId)
  }
}

function roleOf(key: KeyState, currentKeyId: string | undefined): KeyRole {
  if (key.mark.kind !== 'ours') return 'unmanaged'
  const { mark } = key.mark
  switch (mark.state) {
    case 'pending':
    case 'creating':
      return 'pending'
    case 'active':
      return key.id === currentKeyId ? 'current' : 'previous'
    case 'reactivated':
      return 'reactivated'
    case 'retired':
      // Active again by hand: a set-aside key is a person's now, a retired one reactivated.
      if (key.status === 'Active') return mark.orphan ? 'unmanaged' : 'reactivated'
      return mark.orphan ? 'set aside' : 'retired'
  }
}

/**
 * Waiting on a live run is in flight; a wait of a day is stuck, and so is what a dead run left
 * (a pending key or an intent the planner takes over, a half-written distribution).
 */
function rotationState(snapshot: Snapshot, plan: Plan, now: number): RotationState {
  if (plan.waiting !== undefined) {
    const since = plan.waitingSince ?? now
    return now - since >= STUCK_AFTER_MS ? 'stuck' : 'in flight'
  }
  const pending = snapshot.keys.some(
    key => key.mark.kind === 'ours' && key.mark.mark.state === 'pending'
  )
  const leftovers = plan.steps.some(step => LEFTOVER_STEPS.has(step.kind))
  return pending || snapshot.intents.length > 0 || leftovers ? 'stuck' : 'idle'
}

/** Steps that finish or undo what a dead run left behind. */
const LEFTOVER_STEPS = new Set<Step['kind']>([
  'retire-orphan',
  'clear-intent',
  'finish-distribution',
  'restore'
])

function findingsOf(input: AssessInput, rotation: RotationState): AuditFinding[] {
  const { snapshot, plan, now } = input
  const active = snapshot.keys.filter(key => key.status === 'Active')
  const managed = snapshot.keys.some(key => key.mark.kind === 'ours')
  const unmanagedActive = active.filter(key => key.mark.kind !== 'ours')
  // The key the targets hold; when the planner cannot tell, every active key outside a rotation.
  const current = active.find(key => key.id === plan.currentKeyId)
  const judged = current ? [current] : rotation === 'in flight' ? [] : active
  const found: Record<AuditFinding, boolean> = {
    quarantined: snapshot.quarantine?.kind === 'quarantined',
    leaked: (snapshot.leaks ?? []).length > 0,
    stuck: rotation === 'stuck',
    refused: plan.refusal !== undefined,
    overdue: judged.some(key => now - key.createdAt > input.maxAgeMs),
    unscheduled:
      input.workflow !== null &&
      !['active', 'unknown', 'unreadable'].includes(input.workflow.state),
    'two-active': active.length === 2 && unmanagedActive.length > 0,
    'person-key': managed && unmanagedActive.length > 0,
    unmanaged: active.length > 0 && !managed,
    unused: active.some(key => isUnused(key, now, input.unusedAfterMs))
  }
  return AUDIT_FINDINGS.filter(finding => found[finding])
}

/** Unused: old enough to have been used, and not used for the threshold. */
function isUnused(key: KeyState, now: number, unusedAfterMs: number): boolean {
  if (now - key.createdAt < unusedAfterMs) return false
  return key.lastUsed === undefined || now - key.lastUsed.at >= unusedAfterMs
}

/** The planner's own words: its refusal, its wait, its steps, or its first note. */
function nextAction(plan: Plan): string {
  if (plan.refusal !== undefined) return `Refused: ${plan.refusal}`
  if (plan.waiting !== undefined) return plan.waiting
  if (plan.steps.length > 0) return plan.steps.map(step => describeStep(step)).join('; ')
  return plan.notes[0] ?? 'Nothing due.'
}

/** The newest mark that names its run's repository: the run that last rotated the user. */
export function lastRunOf(snapshot: Snapshot): Mark | undefined {
  const marks = [
    ...snapshot.keys.flatMap(key => (key.mark.kind === 'ours' ? [key.mark.mark] : [])),
    ...snapshot.staleMarks.map(stale => stale.mark)
  ]
  return marks
    .filter(mark => mark.repository !== undefined && mark.runId !== undefined)
    .sort((a, b) => b.at - a.at)[0]
}
