import { awsErrorCode } from '../aws-errors.js'
import { describeError, StepFailure } from '../errors.js'
import { holdMs } from '../hold.js'
import { keyLabel } from '../format.js'
import {
  LEGACY_INTENT_TAG_KEY,
  QUARANTINE_TAG_KEY,
  writeMark,
  writeQuarantineRecord,
  type Mark
} from '../marks.js'
import { INTENT_LEAD_MS, type Step } from '../plan.js'
import { sideProblem, type Run } from './run.js'

/** A mark's fields that vary; the run's identity and (by default) the time are added here. */
export interface MarkFields {
  state: Mark['state']
  previousKeyId?: string | undefined
  smoke?: Mark['smoke']
  orphan?: true
  at?: number
  /** Set on the marks of a key this run holds: the end of its hold (Run.holdUntil). */
  until?: number | undefined
}

/** The mark text for a key (or the intent) set by this run. */
export function markOf(run: Run, fields: MarkFields): string {
  const { settings, clock } = run.context
  return writeMark({
    state: fields.state,
    ...(fields.previousKeyId ? { previousKeyId: fields.previousKeyId } : {}),
    ...(fields.smoke ? { smoke: fields.smoke } : {}),
    ...(fields.orphan ? { orphan: true as const } : {}),
    ...(fields.until !== undefined ? { until: fields.until } : {}),
    at: fields.at ?? clock.now(),
    runId: settings.run.runId,
    runAttempt: settings.run.attempt,
    repository: settings.run.repository
  })
}

/**
 * Writes the intent mark just before CreateAccessKey, with the time it is sent: a later run
 * pins an unmarked key to this run only if it was created within one request of that time.
 */
export async function announce(run: Run, previousKeyId: string | undefined): Promise<string> {
  const { clock } = run.context
  for (let attempt = 1; ; attempt++) {
    const at = clock.now()
    const intent = markOf(run, { state: 'creating', previousKeyId, at, until: run.holdUntil })
    await writeIntent(run, intent)
    run.announced = intent
    if (clock.now() - at <= INTENT_LEAD_MS || attempt >= 3) return intent
  }
}

/** A policy copied from an earlier release allows only the shared intent key: use that one. */
async function writeIntent(run: Run, intent: string): Promise<void> {
  try {
    await run.aws.tag(run.user, run.intentTagKey, intent)
  } catch (error) {
    if (awsErrorCode(error) !== 'AccessDenied' || run.intentTagKey === LEGACY_INTENT_TAG_KEY) {
      throw error
    }
    await run.aws.tag(run.user, LEGACY_INTENT_TAG_KEY, intent)
    run.context.log.warning(
      `iam:TagUser was refused for this run's own intent key (${describeError(error)}) and allowed for the shared key ${LEGACY_INTENT_TAG_KEY}, so this run used that. ` +
        `Add "rotate-aws-access-keys:intent:*" to aws:TagKeys in the policy's tag statement (see policies/): with the shared key, a run may leave its intent behind when IAM's reads lag.`
    )
    run.intentTagKey = LEGACY_INTENT_TAG_KEY
  }
}

/**
 * Removes this run's intent mark. The tag is this run's alone, so nothing is read first (a read
 * may not show it yet). Best effort: a later run removes a dead run's intent.
 */
export async function clearIntent(run: Run): Promise<void> {
  if (run.intentTagKey === LEGACY_INTENT_TAG_KEY) {
    await clearIntentStep(run, {
      kind: 'clear-intent',
      tagKey: LEGACY_INTENT_TAG_KEY,
      value: run.announced ?? ''
    })
    return
  }
  await removeIntent(run, run.intentTagKey, "this run's intent mark")
}

async function removeIntent(run: Run, tagKey: string, what: string): Promise<void> {
  try {
    await run.context.aws.untag(run.user, tagKey)
  } catch (error) {
    sideProblem(
      run,
      error,
      `Could not remove ${what} from ${run.user} (iam:UntagUser: ${describeError(error)}). ` +
        'A later run with iam:UntagUser removes it; until then it stays one of the 50 tags IAM allows a user.'
    )
  }
}

/**
 * Takes over a key another run left half-way (its hold has ended): the key's mark names this
 * run and the end of its hold before anything is written, so a third run waits for this one.
 */
export async function claim(
  run: Run,
  keyId: string,
  fields: Omit<MarkFields, 'until' | 'state'> & { state: 'pending' | 'active' }
): Promise<void> {
  const { settings, prepared, clock } = run.context
  run.holdUntil = clock.now() + holdMs(settings, prepared.length, fields.smoke !== undefined)
  try {
    await run.aws.tag(run.user, keyId, markOf(run, { ...fields, until: run.holdUntil }))
  } catch (error) {
    throw new StepFailure(
      `Could not mark ${keyLabel(keyId)} as taken over by this run (iam:TagUser: ${describeError(error)}); nothing was written or changed.`
    )
  }
}

/** The time a key became active again starts its quiet period (see the planner). */
export async function markReactivated(run: Run, keyId: string): Promise<void> {
  try {
    await run.aws.tag(run.user, keyId, markOf(run, { state: 'reactivated' }))
  } catch (error) {
    run.context.log.warning(
      `${keyLabel(keyId)} is active, but marking it reactivated failed (${describeError(error)}); the next run records it.`
    )
  }
}

/** Step `clear-intent`: a dead run's intent goes, so it can never vouch for a later key. */
export async function clearIntentStep(
  run: Run,
  step: Extract<Step, { kind: 'clear-intent' }>
): Promise<void> {
  // Shared by the runs of earlier releases: one may have written its own value since.
  if (step.tagKey === LEGACY_INTENT_TAG_KEY && !(await stillReads(run, step.value))) return
  await removeIntent(run, step.tagKey, "an ended run's intent mark")
}

/** Whether the shared intent tag still holds `value`; a failed read removes nothing. */
async function stillReads(run: Run, value: string): Promise<boolean> {
  try {
    return (await run.context.aws.listTags(run.user))[LEGACY_INTENT_TAG_KEY] === value
  } catch (error) {
    sideProblem(
      run,
      error,
      `Could not read the intent mark on ${run.user} before removing it (iam:ListUserTags: ${describeError(error)}); a later run tries again.`
    )
    return false
  }
}

/** Step `remove-marks`: IAM keeps a deleted key's tag, and a user has only 50. */
export async function removeMarks(
  run: Run,
  step: Extract<Step, { kind: 'remove-marks' }>
): Promise<void> {
  try {
    await run.aws.untagMany(run.user, step.tagKeys)
    run.context.log.info(`Removed ${step.tagKeys.length} mark(s) of keys that no longer exist.`)
  } catch (error) {
    sideProblem(
      run,
      error,
      `Could not remove marks of deleted keys (${describeError(error)}); a later run tries again.`
    )
  }
}

/**
 * Step `record-quarantine`: the keys the quarantine exposed, written before a replacement
 * exists. Without it the next run would take the replacement for exposed too, so no key is made.
 */
export async function recordQuarantine(
  run: Run,
  step: Extract<Step, { kind: 'record-quarantine' }>
): Promise<void> {
  const record = writeQuarantineRecord({ seenAt: run.context.clock.now(), keyIds: step.keyIds })
  try {
    await run.aws.tag(run.user, QUARANTINE_TAG_KEY, record)
  } catch (error) {
    throw new StepFailure(
      `Could not record which keys AWS's quarantine exposed (iam:TagUser, tag key ${QUARANTINE_TAG_KEY}: ${describeError(error)}). Nothing was changed: without the record the next run would take the new key for exposed too. policies/admin-rotation.json allows that tag key.`
    )
  }
}

/** Step `clear-quarantine-record`: the quarantine is gone, so is its record. */
export async function clearQuarantineRecord(run: Run): Promise<void> {
  try {
    await run.aws.untag(run.user, QUARANTINE_TAG_KEY)
  } catch (error) {
    sideProblem(
      run,
      error,
      `Could not remove the record of AWS's quarantine, now detached (${describeError(error)}); a later run tries again.`
    )
  }
}

/** Step `mark-reactivated`: a key reactivated by hand starts its quiet period now. */
export async function markReactivatedStep(
  run: Run,
  step: Extract<Step, { kind: 'mark-reactivated' }>
): Promise<void> {
  await markReactivated(run, step.keyId)
}
