import { awsErrorCode, awsStatus, isTransientAwsError } from '../aws-errors.js'
import type { Credentials, ListedKey } from '../aws.js'
import { formatDuration } from '../duration.js'
import { holdMs } from '../hold.js'
import { describeError, StepFailure, Yield } from '../errors.js'
import { keyLabel } from '../format.js'
import { pinnedKey, type Step } from '../plan.js'
import { backoff } from '../retry.js'
import { verifyNewKey } from '../verify.js'
import { distribute } from './distribution.js'
import { discard, setAside } from './keys.js'
import { announce, clearIntent, markOf } from './marks.js'
import { quarantineAdvice } from './quarantine.js'
import { checkKey, readAgain } from './recheck.js'
import { replacementLost } from './replacement.js'
import { briefly, type Run } from './run.js'

type RotateStep = Extract<Step, { kind: 'rotate' }>
type CreatedKey = Credentials & { createdAt: number }

const CREATE_ATTEMPTS = 4

/**
 * Step `rotate`, the lifecycle's first four steps in order: create and mark a key, verify it,
 * write it to every target, mark it distributed. Each failure says what it left behind.
 */
export async function rotate(run: Run, step: RotateStep): Promise<void> {
  const { settings, prepared, signing, clock } = run.context
  run.holdUntil = clock.now() + holdMs(settings, prepared.length, step.gated)
  const created = await createMarkedKey(run, step)
  await verifyCreated(run, step, created)
  const previous = signing.accessKeyId === step.previousKeyId ? signing : undefined
  // This run's own calls with the previous key all come before this moment.
  run.distributionStartedAt = clock.now()
  const distribution = await distribute(run, created, previous)
  await lookAgain(run, created.accessKeyId)
  await requireEveryTarget(run, step, created, distribution)
  await markDistributed(run, step, created, distribution.written)
  run.result.rotated = true
  run.result.current = created
}

/** Announces the key (the intent mark), creates it and marks it pending. */
async function createMarkedKey(run: Run, step: RotateStep): Promise<CreatedKey> {
  const { log } = run.context
  // The intent lets a later run recognise the key if this run dies before marking it.
  try {
    await announce(run, step.previousKeyId)
  } catch (error) {
    throw new StepFailure(
      `Could not write the action's mark on ${run.user} (iam:TagUser: ${describeError(error)}). No key was created: without marks a later run could not tell the action's keys from a person's.`
    )
  }
  let created: CreatedKey
  try {
    created = await createKey(run, step.previousKeyId)
  } catch (error) {
    // No key of this run's is left unrecognised: a stale intent could make a person's new
    // key look like this run's, so it goes, unless a key AWS may have made needs it.
    if (!(error instanceof StepFailure && error.keepIntent)) await clearIntent(run)
    throw error
  }
  log.mask(created.accessKeyId)
  log.mask(created.secretAccessKey)
  run.result.createdKeyId = created.accessKeyId
  log.info(`Created key ${keyLabel(created.accessKeyId)} for ${run.user}.`)
  try {
    const pending = markOf(run, {
      state: 'pending',
      previousKeyId: step.previousKeyId,
      until: run.holdUntil,
      // A run without the gate that finishes this key must not skip its gate either.
      ...(step.gated ? { smoke: 'due' as const } : {})
    })
    await run.aws.tag(run.user, created.accessKeyId, pending)
  } catch (error) {
    const undone = await discard(run, created.accessKeyId)
    await clearIntent(run)
    throw new StepFailure(
      `Could not mark the new key (iam:TagUser on ${run.user}: ${describeError(error)}); without the mark a later run could not recognise it. ${undone}. The previous key and the secrets are unchanged.`
    )
  }
  await clearIntent(run)
  return created
}

/**
 * CreateAccessKey, retried by hand, each try announced afresh. A call that got no answer (a
 * timeout, a reset) may still have made a key whose secret never arrived: if the evidence pins
 * one to this run, it is set aside (deactivated, marked an orphan), never deleted, since a
 * person may have made it at that moment. A call that AWS answered made no key; if it was
 * LimitExceeded because a key appeared since this run looked, another run (or a person) got
 * there first.
 */
async function createKey(run: Run, previousKeyId: string | undefined): Promise<CreatedKey> {
  const { clock, snapshot } = run.context
  const known = new Set(snapshot.keys.map(key => key.id))
  const unanswered: { from: number; to: number }[] = []
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) await announce(run, previousKeyId)
    const sentAt = clock.now()
    try {
      return await run.aws.createKey(run.user)
    } catch (error) {
      const answered = awsStatus(error) !== undefined
      if (!answered) unanswered.push({ from: sentAt, to: clock.now() })
      const newcomers = await keysSince(run, known, error)
      if (newcomers.length > 0 && unanswered.length > 0) {
        throw await strayFailure(run, newcomers, unanswered, error)
      }
      // IAM counts keys that its reads may not show yet: fewer than two seen means one appeared.
      if (
        answered &&
        awsErrorCode(error) === 'LimitExceeded' &&
        (newcomers.length > 0 || known.size < 2)
      ) {
        const appeared =
          newcomers.length > 0
            ? `Key ${newcomers.map(key => keyLabel(key.id)).join(', ')} appeared after this run looked`
            : "A key appeared after this run looked (IAM's reads do not show it yet)"
        throw new Yield(
          `${appeared}, and IAM allows two keys: another run (or a person) got there first. ` +
            'This run leaves the rotation to it and touches no key; nothing was changed.'
        )
      }
      if (attempt >= CREATE_ATTEMPTS || !isTransientAwsError(error)) {
        const quarantined = await quarantineAdvice(run, error)
        throw new StepFailure(
          `Could not create a new access key for ${run.user}: ${quarantined ?? describeError(error)}. No new key is left behind; the previous key and the secrets are unchanged.`,
          { cause: error }
        )
      }
      await clock.sleep(backoff(attempt, 1_000, 5_000))
    }
  }
}

/** Keys that exist now and did not when this run looked. */
async function keysSince(
  run: Run,
  known: ReadonlySet<string>,
  error: unknown
): Promise<ListedKey[]> {
  // LimitExceeded says IAM holds a key this run has not seen: a lagging read is read again.
  const limited = awsErrorCode(error) === 'LimitExceeded'
  try {
    return await readAgain(
      run.context.clock,
      async () => (await run.aws.listKeys(run.user)).filter(key => !known.has(key.id)),
      newcomers => newcomers.length > 0 || !limited
    )
  } catch (cleanup) {
    // The intent stays: the next run finds a key AWS may have made by it.
    throw new StepFailure(
      `Could not create a new access key for ${run.user} (${describeError(error)}), and could not check for a key AWS may have made anyway (${describeError(cleanup)}). ` +
        'The intent mark stays, so the next run can recognise such a key; the previous key and the secrets are unchanged.',
      { cause: cleanup, keepIntent: true }
    )
  }
}

/** CreateAccessKey got no answer and keys appeared: set aside the one it made, if pinned. */
async function strayFailure(
  run: Run,
  newcomers: readonly ListedKey[],
  unanswered: readonly { from: number; to: number }[],
  error: unknown
): Promise<StepFailure> {
  const labels = newcomers.map(key => keyLabel(key.id)).join(', ')
  // A last use that cannot be read counts as used: the key is then left alone.
  const unreadable = { at: 0, service: 'unknown', region: 'unknown' }
  const withUse = await Promise.all(
    newcomers.map(async key => ({
      ...key,
      lastUsed: await run.aws.lastUse(key.id).catch(() => unreadable)
    }))
  )
  const stray = unanswered.map(window => pinnedKey(withUse, window)).find(key => key !== undefined)
  if (!stray) {
    return new StepFailure(
      `CreateAccessKey got no answer (${describeError(error)}), and ${labels} appeared meanwhile; this run cannot tell whether AWS made it for this run or a person did, so it touches none of them. ` +
        'If nobody made it by hand, deactivate and delete it in the IAM console; the previous key and the secrets are unchanged.'
    )
  }
  try {
    await setAside(run, stray.id)
  } catch (failure) {
    // The intent stays, so the next run can still recognise the key as this run's.
    return new StepFailure(
      `CreateAccessKey got no answer (${describeError(error)}), and AWS made ${keyLabel(stray.id)} for it; setting it aside failed (${describeError(failure)}). The intent mark stays, so the next run recognises the key and sets it aside. The previous key and the secrets are unchanged.`,
      { keepIntent: true }
    )
  }
  return new StepFailure(
    `CreateAccessKey got no answer (${describeError(error)}), but AWS made ${keyLabel(stray.id)} for it; its secret never reached this run, so no target can hold it. ` +
      `It was deactivated and marked a retired orphan, and is deleted after delete-after; until then it holds the second key slot, so no rotation starts (delete it in the IAM console to rotate sooner). ` +
      `If a person made ${keyLabel(stray.id)}, make it active again in the IAM console: the action then leaves it alone. The previous key and the secrets are unchanged.`
  )
}

/**
 * Waits until STS accepts the new key as the rotated user; if it never does, deletes it. In
 * self-rotation the run then signs with it, so the previous key may be deactivated.
 */
async function verifyCreated(run: Run, step: RotateStep, created: CreatedKey): Promise<void> {
  const { snapshot, settings, clock, cancellation, log } = run.context
  const verification = await verifyNewKey({
    probe: () => run.aws.probe(created),
    expectedArn: snapshot.userArn,
    timeoutMs: settings.verifyTimeoutMs,
    clock,
    shouldStop: () => cancellation.requested(),
    onRejected: (attempt, elapsedMs) => {
      if (attempt === 1 || attempt % 5 === 0) {
        log.info(
          `Waiting for AWS to accept the new key (attempt ${attempt}, ${(elapsedMs / 1000).toFixed(1)} s)...`
        )
      }
    }
  })
  run.result.verification = { attempts: verification.attempts, elapsedMs: verification.elapsedMs }
  if (!verification.ok) {
    const undone = await discard(run, created.accessKeyId)
    throw new StepFailure(
      (cancellation.requested()
        ? 'The run was cancelled while AWS verified the new key. '
        : `The new key was not verified within verify-timeout (${formatDuration(settings.verifyTimeoutMs)}): ${verification.reason}. `) +
        `${undone}; ${step.previousKeyId ? `the previous key ${keyLabel(step.previousKeyId)} is still active and ` : ''}no secret was changed. The next run tries again; if this repeats, raise verify-timeout.`
    )
  }
  log.info(
    `AWS accepted the new key after ${(verification.elapsedMs / 1000).toFixed(1)} s (${verification.attempts} checks, the last ones in a row).`
  )
  if (snapshot.mode === 'self') {
    run.aws = run.aws.withYoungKey(created, clock.now() + settings.verifyTimeoutMs, clock)
    run.recheckSigner = {
      aws: run.context.aws.withYoungKey(created, 0, clock),
      keyId: created.accessKeyId
    }
  }
}

/** After the last pair: a person may have switched the key off while it was being written. */
async function lookAgain(run: Run, keyId: string): Promise<void> {
  if (run.result.lostKey) return
  const check = await checkKey(run, keyId)
  if (check.kind === 'lost') run.result.lostKey = { keyId, status: check.status }
}

/**
 * A new key that reached no target is deleted; one that reached some stays, with the previous
 * key active, and the next run heals the split.
 */
async function requireEveryTarget(
  run: Run,
  step: RotateStep,
  created: CreatedKey,
  { failures, written }: { failures: readonly string[]; written: readonly string[] }
): Promise<void> {
  const { prepared } = run.context
  const { mismatched, lostKey } = run.result
  if (lostKey?.keyId === created.accessKeyId && step.previousKeyId) {
    throw await replacementLost(
      run,
      step.previousKeyId,
      lostKey.keyId,
      { kind: 'lost', status: lostKey.status },
      written
    )
  }
  if (failures.length > 0 && written.length === 0 && mismatched.length === 0) {
    const undone = await discard(run, created.accessKeyId)
    throw new StepFailure(
      `No target could be written: ${briefly(failures, prepared.length)}. ${undone}; ${step.previousKeyId ? `the previous key ${keyLabel(step.previousKeyId)} is still active and every target still holds it` : 'no target was changed'}.`
    )
  }
  if (failures.length > 0) {
    throw new StepFailure(
      `The new key ${keyLabel(created.accessKeyId)} was written to ${written.length} of ${prepared.length} targets, not to every target: ${briefly(failures, prepared.length)}. ` +
        (mismatched.length > 0
          ? `Both keys stay active; ${mismatched.join(', ')} holds a mismatched pair until a run writes it again. `
          : 'Both keys stay active, so every target holds a working key. ') +
        `The next run finishes this: a run that signs with the new key writes it everywhere, one that signs with the previous key writes that back and deletes the new one.`
    )
  }
}

/** Marks the key distributed: from now on a later run may retire the previous key. */
async function markDistributed(
  run: Run,
  step: RotateStep,
  created: CreatedKey,
  written: readonly string[]
): Promise<void> {
  try {
    run.distributedAt = run.context.clock.now()
    await run.aws.tag(
      run.user,
      created.accessKeyId,
      markOf(run, {
        state: 'active',
        previousKeyId: step.previousKeyId,
        at: run.distributedAt,
        // The gate that follows is still this run's to run.
        ...(step.gated ? { smoke: 'due' as const, until: run.holdUntil } : {})
      })
    )
  } catch (error) {
    await lostWhileMarking(run, step, created, written, error)
    throw new StepFailure(
      `Every target holds the new key ${keyLabel(created.accessKeyId)}, but marking it distributed failed (${describeError(error)}). Both keys stay active; the next run (signing with the new key) marks it and retires the previous key.`
    )
  }
}

/**
 * The mark is signed with the new key (self-rotation): AWS rejecting it may mean a person
 * switched the key off after the last re-read, which a stale listing did not show yet.
 */
async function lostWhileMarking(
  run: Run,
  step: RotateStep,
  created: CreatedKey,
  written: readonly string[],
  error: unknown
): Promise<void> {
  const signsWithNewKey = run.recheckSigner?.keyId === created.accessKeyId
  if (!step.previousKeyId || !signsWithNewKey || awsErrorCode(error) !== 'InvalidClientTokenId')
    return
  const check = await checkKey(run, created.accessKeyId)
  if (check.kind !== 'lost') return
  run.result.lostKey = { keyId: created.accessKeyId, status: check.status }
  throw await replacementLost(run, step.previousKeyId, created.accessKeyId, check, written)
}
