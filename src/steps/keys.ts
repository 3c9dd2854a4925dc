import { describeError, StepFailure, Yield } from '../errors.js'
import { keyLabel } from '../format.js'
import { readMark } from '../marks.js'
import { usedAfterSwitch, type Step } from '../plan.js'
import { markOf, markReactivated } from './marks.js'
import { quarantineAdvice } from './quarantine.js'
import { readAgain } from './recheck.js'
import { lostAfterDeactivation, requireReplacement, stillAsSeen } from './replacement.js'
import { sideProblem, type Run } from './run.js'

/**
 * Deactivates a key no target holds and marks it an orphan: reversible, unlike deleting it.
 * The plan's warning (or the run's error) tells a person how to undo it.
 */
export async function setAside(run: Run, keyId: string): Promise<void> {
  const { aws, log } = run.context
  await aws.setStatus(run.user, keyId, 'Inactive')
  run.result.deactivated.push(keyId)
  run.result.setAside.push(keyId)
  try {
    await aws.tag(run.user, keyId, markOf(run, { state: 'retired', orphan: true }))
  } catch (error) {
    log.warning(
      `Deactivated ${keyLabel(keyId)} but could not mark it (${describeError(error)}): it now counts as a person's inactive key, kept until a person deletes it.`
    )
  }
  log.info(`Set aside ${keyLabel(keyId)}: deactivated and marked a retired orphan.`)
}

/** Deletes a key no target holds, signing with this run's own (still active) credentials. */
export async function discard(run: Run, keyId: string): Promise<string> {
  const { aws } = run.context
  try {
    await aws.deleteKey(run.user, keyId)
    await aws.untag(run.user, keyId).catch(() => undefined)
    run.result.createdKeyId = undefined
    return `Deleted the new key ${keyLabel(keyId)}`
  } catch (error) {
    return `Could not delete the new key ${keyLabel(keyId)} (${describeError(error)}); no target holds it, so delete it in the IAM console, or let the next run do it`
  }
}

/** Step `delete-key`: the planner proved the key is the action's and no target holds it. */
export async function deleteKey(
  run: Run,
  step: Extract<Step, { kind: 'delete-key' }>
): Promise<void> {
  if (!(await stillAsSeen(run, step.keyId))) return
  await run.aws.deleteKey(run.user, step.keyId)
  run.result.deleted.push(step.keyId)
  run.context.log.info(`Deleted key ${keyLabel(step.keyId)}: ${step.reason}.`)
  try {
    await run.aws.untag(run.user, step.keyId)
  } catch (error) {
    sideProblem(
      run,
      error,
      `Deleted key ${keyLabel(step.keyId)} but could not remove its tag: ${describeError(error)}`
    )
  }
}

/** Step `retire-orphan`: a dead run's unmarked key is set aside, never deleted at once. */
export async function retireOrphan(
  run: Run,
  step: Extract<Step, { kind: 'retire-orphan' }>
): Promise<void> {
  const changed = await orphanEvidenceChanged(run, step)
  if (changed) {
    throw new Yield(
      `Did not set aside ${keyLabel(step.keyId)}: read again, ${changed} (another run settled it, or a person acted). Nothing was deactivated; the next run decides afresh.`
    )
  }
  try {
    await setAside(run, step.keyId)
  } catch (error) {
    throw new StepFailure(
      `Could not deactivate ${keyLabel(step.keyId)}, a key a dead run made and never marked (${describeError(error)}). Nothing else was changed; the next run tries again.`
    )
  }
}

/**
 * Why the evidence that pins an orphan no longer holds, once reads have had time to catch up:
 * the intent gone or changed, the key marked, or no longer active. Undefined: it still holds.
 */
async function orphanEvidenceChanged(
  run: Run,
  step: Extract<Step, { kind: 'retire-orphan' }>
): Promise<string | undefined> {
  const { aws, clock } = run.context
  // The plan's read was the first; IAM's reads may lag its writes, so later ones count too.
  return readAgain(
    clock,
    async () => {
      const [tags, keys] = await Promise.all([aws.listTags(run.user), aws.recheckKeys(run.user)])
      if (tags[step.intent.tagKey] !== step.intent.value)
        return 'the intent mark that pinned it is gone'
      if (readMark(tags[step.keyId]).kind !== 'none') return 'it now carries a mark'
      if (keys.find(key => key.id === step.keyId)?.status !== 'Active')
        return 'it is no longer active'
      return undefined
    },
    changed => changed !== undefined,
    { readFirst: false }
  )
}

/** Step `reactivate-key` (reactivate-previous): the targets keep the current key. */
export async function reactivateKey(
  run: Run,
  step: Extract<Step, { kind: 'reactivate-key' }>
): Promise<void> {
  try {
    await run.aws.setStatus(run.user, step.keyId, 'Active')
  } catch (error) {
    throw new StepFailure(
      `Could not reactivate ${keyLabel(step.keyId)} (iam:UpdateAccessKey: ${describeError(error)}). It stays inactive; every target still holds the current key.`
    )
  }
  run.result.reactivated.push(step.keyId)
  run.context.log.info(
    `Reactivated key ${keyLabel(step.keyId)}; every target keeps the current key.`
  )
  await markReactivated(run, step.keyId)
}

/** Step `deactivate-key`: the previous key goes, and is marked retired for delete-after. */
export async function deactivateKey(
  run: Run,
  step: Extract<Step, { kind: 'deactivate-key' }>
): Promise<void> {
  const { log } = run.context
  await requireReplacement(run, step.keyId)
  try {
    await run.aws.setStatus(run.user, step.keyId, 'Inactive')
  } catch (error) {
    const quarantined = await quarantineAdvice(run, error)
    throw new StepFailure(
      `Could not deactivate the previous key ${keyLabel(step.keyId)} (${quarantined ?? describeError(error)}). Every target holds the new key; the previous key stays active${quarantined ? '' : ' until a later run deactivates it'}.`
    )
  }
  run.result.deactivated.push(step.keyId)
  log.info(`Deactivated key ${keyLabel(step.keyId)}: ${step.reason}.`)
  const warning = step.warning ?? (await usedSinceDistribution(run, step.keyId))
  if (warning) log.warning(warning)
  try {
    await run.aws.tag(run.user, step.keyId, markOf(run, { state: 'retired' }))
  } catch (error) {
    const lost = await lostAfterDeactivation(run, step.keyId, error)
    if (lost) throw lost
    log.warning(
      `Deactivated ${keyLabel(step.keyId)} but could not mark it retired (${describeError(error)}); it will be deleted when a rotation needs its slot.`
    )
  }
}

/**
 * Whether AWS already shows a use of the previous key after this run began writing the new
 * one: something outside the targets still uses it. AWS records last use with a delay, so
 * silence proves little; a later run (deactivate-after) sees more.
 */
async function usedSinceDistribution(run: Run, keyId: string): Promise<string | undefined> {
  const startedAt = run.distributionStartedAt
  if (startedAt === undefined) return undefined
  try {
    const used = await run.aws.lastUse(keyId)
    if (!used || used.at <= startedAt) return undefined
    return usedAfterSwitch(keyId, used, 'while this run was writing the new key')
  } catch (error) {
    run.context.log.info(
      `Could not read the last use of ${keyLabel(keyId)} (${describeError(error)}).`
    )
    return undefined
  }
}
