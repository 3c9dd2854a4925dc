import type { Credentials } from '../aws.js'
import { awsErrorCode } from '../aws-errors.js'
import { describeError, StepFailure } from '../errors.js'
import { keyLabel, someOf } from '../format.js'
import { readMark } from '../marks.js'
import { distribute } from './distribution.js'
import { checkKey, lostWord, readAgain, statusNow, type KeyCheck } from './recheck.js'
import { briefly, type Run } from './run.js'

/**
 * Right before the previous key is deactivated: the key the targets hold must still be active
 * and, where this run holds its secret, still accepted by STS. Otherwise the previous key is the
 * last working one: it stays, and the run says what the targets hold and how to repair it.
 */
export async function requireReplacement(run: Run, previousKeyId: string): Promise<void> {
  const current = run.result.current
  const replacement = current?.accessKeyId ?? run.context.currentKeyId
  if (!replacement || replacement === previousKeyId) return
  let check = await checkKey(run, replacement)
  if (check.kind === 'active' && current?.accessKeyId === replacement) {
    check = await stsCheck(run, current)
  }
  if (check.kind === 'active') return
  const label = keyLabel(previousKeyId)
  if (check.kind === 'unknown') {
    throw new StepFailure(
      `Did not deactivate ${label}: this run could not confirm that ${keyLabel(replacement)}, the key the targets hold, is still active (${check.reason}). ${label} stays active; the next run tries again.`
    )
  }
  run.result.lostKey = { keyId: replacement, status: check.status }
  throw await replacementLost(run, previousKeyId, replacement, check)
}

/** STS GetCallerIdentity with the key's secret, asked again a few times before it counts. */
async function stsCheck(run: Run, key: Credentials): Promise<KeyCheck> {
  const { aws, clock } = run.context
  const rejection = await readAgain(
    clock,
    () =>
      aws.probe(key).then(
        () => undefined,
        (error: unknown) => describeError(error)
      ),
    reason => reason === undefined
  )
  if (rejection === undefined) return { kind: 'active' }
  // A key IAM lists as active that STS keeps rejecting does not work for the deploy either.
  run.context.log.info(`STS rejected ${keyLabel(key.accessKeyId)} three times: ${rejection}.`)
  return { kind: 'lost', status: 'rejected' }
}

/**
 * The key the targets hold stopped working during the run. A run that signs with the previous
 * key writes it back to every target; any other run cannot, and says how to repair.
 */
export async function replacementLost(
  run: Run,
  previousKeyId: string,
  replacement: string,
  check: Extract<KeyCheck, { kind: 'lost' }>,
  written: readonly string[] | undefined = undefined
): Promise<StepFailure> {
  const { signing, prepared } = run.context
  const previous = keyLabel(previousKeyId)
  const dead = keyLabel(replacement)
  const lost =
    written === undefined
      ? `Did not deactivate ${previous}: ${dead}, the key this run relied on, is ${lostWord(check)} (someone changed it during this run), so ${previous} stays active.`
      : `${dead}, the key this run was writing to the targets, is ${lostWord(check)} (someone changed it during this run), so ${previous} stays active.`
  const repair =
    `To repair: if ${dead} was switched off by mistake, make it active again in the IAM console (Access keys, Actions, Activate); ` +
    `otherwise run this workflow again with force: true, which deletes ${dead} if it is still there and writes a new key to every target.`
  if (signing.accessKeyId !== previousKeyId) {
    const holding =
      written === undefined
        ? `Every target holds ${dead}, which no longer works.`
        : `${written.length} of ${prepared.length} targets hold ${dead}, which no longer works${written.length > 0 ? ` (${someOf(written, 10)})` : ''}; the others still hold ${previous}.`
    return new StepFailure(`${lost} ${holding} ${repair}`)
  }
  // The new key no longer signs: the re-reads of the write-back sign with the run's own key.
  run.recheckSigner = undefined
  const { failures } = await distribute(run, signing)
  if (failures.length > 0) {
    return new StepFailure(
      `${lost} Writing ${previous} back failed: ${briefly(failures, prepared.length)}; those targets may hold ${dead}, which no longer works, and the others hold ${previous} again. ${repair}`
    )
  }
  run.result.current = signing
  return new StepFailure(
    `${lost} This run wrote ${previous} back to every target, so every target works again; the next run rotates afresh.`
  )
}

/**
 * Self-rotation, after the previous key was deactivated: AWS rejects the key this run signs with,
 * the one every target holds. A person switched it off or deleted it after its last check; this
 * run holds no other working key, so it cannot repair and says how. Undefined: not that.
 */
export async function lostAfterDeactivation(
  run: Run,
  previousKeyId: string,
  error: unknown
): Promise<StepFailure | undefined> {
  const { snapshot, signing } = run.context
  const replacement = run.recheckSigner?.keyId ?? signing.accessKeyId
  const selfSigned = snapshot.mode === 'self' && replacement !== previousKeyId
  if (!selfSigned || awsErrorCode(error) !== 'InvalidClientTokenId') return undefined
  const check = await checkKey(run, replacement)
  if (check.kind !== 'lost') return undefined
  run.result.lostKey = { keyId: replacement, status: check.status }
  const dead = keyLabel(replacement)
  const previous = keyLabel(previousKeyId)
  return new StepFailure(
    `Deactivated ${previous}; right after, ${dead}, the key every target holds, is ${lostWord(check)}: someone changed it during this run, after its last check. No target has a working key now. ` +
      `To repair: if ${dead} was switched off, make it active again in the IAM console (Access keys, Actions, Activate) and every target works again; ` +
      `if it was deleted, rotate from an IAM role (admin mode) with force: true, which writes a new key to every target.`
  )
}

/**
 * Right before a key is deleted: it is as the planner saw it. A key made active again since (a
 * person needs it) is left alone; a key already gone needs nothing.
 */
export async function stillAsSeen(run: Run, keyId: string): Promise<boolean> {
  const seen = run.context.snapshot.keys.find(key => key.id === keyId)?.status
  const now = await statusNow(run, keyId)
  if (now instanceof Error) {
    throw new StepFailure(
      `Did not delete ${keyLabel(keyId)}: this run could not read its status again right before (${describeError(now)}). Nothing was deleted; the next run tries again.`
    )
  }
  if (now === 'deleted') {
    run.context.log.info(`Key ${keyLabel(keyId)} is already deleted.`)
    return false
  }
  if (now === 'Active' && seen === 'Inactive') {
    run.context.log.warning(
      `Did not delete ${keyLabel(keyId)}: it was made active again after this run looked, so someone may need it. It is left alone; deactivate it in the IAM console when nothing uses it, and a later run deletes it.`
    )
    return false
  }
  const holder = await markTakenBy(run, keyId)
  if (holder) {
    run.context.log.warning(
      `Did not delete ${keyLabel(keyId)}: its mark changed after this run looked (${holder} marked it since). It is left alone; a later run decides afresh.`
    )
    return false
  }
  return true
}

/**
 * Another run that marked the key since this run looked, if any (this run's own marks, such as
 * taking over an abandoned key, do not count). A mark that cannot be read stops the delete.
 */
async function markTakenBy(run: Run, keyId: string): Promise<string | undefined> {
  const { snapshot, settings } = run.context
  const seen = snapshot.keys.find(key => key.id === keyId)?.mark
  let tags: Record<string, string>
  try {
    tags = await run.context.aws.listTags(run.user)
  } catch (error) {
    throw new StepFailure(
      `Did not delete ${keyLabel(keyId)}: this run could not read its mark again right before (${describeError(error)}). Nothing was deleted; the next run tries again.`
    )
  }
  const now = readMark(tags[keyId])
  if (now.kind !== 'ours' || now.mark.runId === settings.run.runId) return undefined
  const unchanged =
    seen?.kind === 'ours' && seen.mark.state === now.mark.state && seen.mark.at === now.mark.at
  return unchanged ? undefined : `run ${now.mark.runId ?? 'of another release'}`
}
