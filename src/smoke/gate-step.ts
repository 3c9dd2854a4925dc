import { formatDuration } from '../duration.js'
import { describeError, StepFailure } from '../errors.js'
import { isoTime, keyLabel } from '../format.js'
import { gateHoldMs } from '../hold.js'
import type { Mark } from '../marks.js'
import type { Step } from '../plan.js'
import type { SmokeOutcome } from './workflow.js'
import { markOf } from '../steps/marks.js'
import { readAgain } from '../steps/recheck.js'
import type { Run } from '../steps/run.js'

type SmokeStep = Extract<Step, { kind: 'smoke-test' }>

/** The key under test, and when it reached every target (its mark keeps that time). */
interface Gated {
  readonly keyId: string
  readonly at: number
}

/** The key's mark with its gate due, failed, or (undefined) passed. */
function gateMark(run: Run, step: SmokeStep, { at }: Gated, smoke: Mark['smoke']): string {
  return markOf(run, {
    state: 'active',
    previousKeyId: step.previousKeyId,
    at,
    ...(smoke ? { smoke } : {}),
    // Only while this run waits for its gate does it hold the key.
    ...(smoke === 'due' ? { until: run.holdUntil } : {})
  })
}

/**
 * Step `smoke-test`: dispatches the smoke workflow with the new key in every target and waits
 * for it. Anything but success stops the run before the previous key is deactivated.
 */
export async function smokeTest(run: Run, step: SmokeStep): Promise<void> {
  const { settings, log, smokeGate } = run.context
  const keyId = step.keyId ?? run.result.createdKeyId
  const at = step.distributedAt ?? run.distributedAt
  if (!keyId || at === undefined || !smokeGate) {
    throw new StepFailure('The smoke gate has no key to test; nothing was deactivated.')
  }
  const gated: Gated = { keyId, at }
  holdForGate(run, step)
  // The mark names this run as the one waiting for the gate, so an overlapping run waits
  // for it; and this run can tell later whether another run has moved the key on since.
  const holding = gateMark(run, step, gated, 'due')
  // A key this run has just distributed already carries exactly this mark.
  if (step.distributedAt !== undefined) {
    try {
      await run.aws.tag(run.user, keyId, holding)
    } catch (error) {
      log.warning(
        `Could not mark ${keyLabel(keyId)} as waiting for the smoke workflow (${describeError(error)}); running the gate anyway.`
      )
    }
  }
  const rotation = `${keyLabel(keyId)} from ${settings.run.repository} run ${settings.run.runId}.${settings.run.attempt}`
  log.startGroup(`Smoke workflow for ${keyLabel(keyId)}`)
  let outcome: SmokeOutcome
  try {
    outcome = await smokeGate(rotation)
  } finally {
    log.endGroup()
  }
  run.result.smoke = outcome
  if (outcome.conclusion === 'success') return gatePassed(run, step, gated, outcome)
  return gateFailed(run, step, gated, holding, outcome)
}

/**
 * A later run's gate holds the key for the gate alone; a run's own gate must end within the
 * hold its marks announced, or a run that trusts them could take the key over meanwhile.
 */
function holdForGate(run: Run, step: SmokeStep): void {
  const { settings, clock } = run.context
  const now = clock.now()
  if (step.distributedAt !== undefined) {
    run.holdUntil = now + gateHoldMs(settings)
    return
  }
  if (run.holdUntil !== undefined && now + gateHoldMs(settings) > run.holdUntil) {
    throw new StepFailure(
      `Every target holds the new key, but too little of this run's hold on it is left (until ${isoTime(run.holdUntil)}) to wait smoke-timeout (${formatDuration(settings.smokeTimeoutMs)}) for the smoke workflow. ` +
        `The previous key ${keyLabel(step.previousKeyId)} stays active; the next run runs the smoke workflow before it deactivates anything.`
    )
  }
}

async function gatePassed(
  run: Run,
  step: SmokeStep,
  gated: Gated,
  outcome: SmokeOutcome
): Promise<void> {
  const { keyId } = gated
  run.context.log.info(
    `The smoke workflow passed with ${keyLabel(keyId)} (${outcome.run?.htmlUrl ?? 'run'}, ${formatDuration(outcome.elapsedMs)}).`
  )
  try {
    await run.aws.tag(run.user, keyId, gateMark(run, step, gated, undefined))
  } catch (error) {
    // Deactivating without the record would leave a later run to gate a key it cannot see
    // pass: stop here; the next run runs the gate again.
    throw new StepFailure(
      `The smoke workflow passed, but recording it on ${keyLabel(keyId)} failed (${describeError(error)}). ${keyLabel(step.previousKeyId)} stays active; the next run runs the gate again.`
    )
  }
}

/** Whether the key's mark no longer reads `holding`, by every read over three seconds. */
async function markChanged(run: Run, keyId: string, holding: string): Promise<boolean> {
  // A read that differs from what this run wrote is read again: IAM's reads may lag its writes.
  const mark = await readAgain(
    run.context.clock,
    async () => (await run.aws.listTags(run.user))[keyId],
    read => read === holding
  )
  return mark !== holding
}

/** Records the failed gate (unless another run moved the key on) and stops the run. */
async function gateFailed(
  run: Run,
  step: SmokeStep,
  gated: Gated,
  holding: string,
  outcome: SmokeOutcome
): Promise<never> {
  const { keyId } = gated
  let movedOn = false
  try {
    // Another run may have passed its own gate meanwhile: then its record stands.
    movedOn = await markChanged(run, keyId, holding)
    if (!movedOn) await run.aws.tag(run.user, keyId, gateMark(run, step, gated, 'failed'))
  } catch (error) {
    run.context.log.warning(
      `Could not record the failed gate on ${keyLabel(keyId)} (${describeError(error)}).`
    )
  }
  const failed = `The smoke workflow did not pass: ${outcome.reason ?? outcome.conclusion}${outcome.run ? ` (${outcome.run.htmlUrl})` : ''}. `
  if (movedOn) {
    throw new StepFailure(
      failed +
        `Another run changed the mark of ${keyLabel(keyId)} while this one waited, so this run leaves the keys to it and records nothing. Read the smoke run's log: something failed with the new key.`
    )
  }
  // A run that ended badly points at the consumers; no run at all points at the gate itself.
  const meanwhile = outcome.run
    ? "Meanwhile both keys work: read the smoke run's log, fix what fails with the new key (a secret name, a missed target, a permission), then run this workflow again."
    : 'Meanwhile both keys work: fix what kept the smoke run from starting or being found (the token, the ref, the run-name), then run this workflow again.'
  throw new StepFailure(
    failed +
      `Every target holds the new key ${keyLabel(keyId)}, and the previous key ${keyLabel(step.previousKeyId)} stays active, so whatever still uses it keeps working. ` +
      `The next run of this action runs the smoke workflow again before it deactivates anything (it does not rotate again). ${meanwhile}`
  )
}
