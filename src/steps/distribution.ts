import type { Credentials } from '../aws.js'
import { describeError, StepFailure, TargetError, Yield } from '../errors.js'
import { isoTime, keyLabel } from '../format.js'
import { writeCutoff } from '../hold.js'
import type { PreparedTarget, SecretValue } from '../github.js'
import type { AbandonedStatus, Step } from '../plan.js'
import { readMark } from '../marks.js'
import { feedsRepository } from '../targets.js'
import { claim, markOf } from './marks.js'
import { checkKey, lostWord } from './recheck.js'
import { briefly, sideProblem, type Run } from './run.js'

/** Targets written at once, two PUTs each: the action's only bound on concurrent writes. */
const WRITE_CONCURRENCY = 4
/** Progress lines for long fan-outs: about every tenth of the targets, at least this many apart. */
const PROGRESS_MIN_STEP = 20

export interface Distribution {
  readonly failures: string[]
  readonly written: string[]
}

/** One fan-out of a key to the targets, as it goes. */
interface FanOut extends Distribution {
  readonly values: readonly SecretValue[]
  /** The pair to set a half-written target back to, when this run knows it. */
  readonly previous: readonly SecretValue[] | undefined
  readonly total: number
  readonly progressEvery: number
  done: number
  /** Why no further target is written: the key stopped being active, or could not be confirmed. */
  stopped: string | undefined
}

function pairOf(run: Run, credentials: Credentials): SecretValue[] {
  const { settings } = run.context
  return [
    { name: settings.accessKeyIdSecretName, value: credentials.accessKeyId },
    { name: settings.secretAccessKeySecretName, value: credentials.secretAccessKey }
  ]
}

/**
 * Writes `key` to every target; returns why targets failed. The targets this workflow reads
 * its own key from go last, and only once every other target has the key: a later run signs
 * with what they hold, so if this run stops half-way the next one still holds a consistent
 * pair and knows which way to heal.
 */
export async function distribute(
  run: Run,
  key: Credentials,
  previous?: Credentials
): Promise<Distribution> {
  const { prepared, settings, log } = run.context
  const own = prepared.filter(target => feedsRepository(target.target, settings.run.repository))
  const total = prepared.length
  const fanOut: FanOut = {
    values: pairOf(run, key),
    previous: previous && pairOf(run, previous),
    total,
    progressEvery: Math.max(PROGRESS_MIN_STEP, Math.ceil(total / 10)),
    failures: [],
    written: [],
    done: 0,
    stopped: undefined
  }
  log.startGroup(`Writing ${keyLabel(key.accessKeyId)} to ${total} target(s)`)
  try {
    await writeAll(
      run,
      fanOut,
      prepared.filter(target => !own.includes(target))
    )
    if (fanOut.failures.length === 0) await writeAll(run, fanOut, own)
    else
      for (const target of own)
        fanOut.failures.push(`${target.name}: not written, because other targets failed`)
  } finally {
    log.endGroup()
  }
  log.info(`Wrote ${keyLabel(key.accessKeyId)} to ${fanOut.written.length}/${total} targets.`)
  run.result.targetFailures.push(...fanOut.failures)
  return { failures: fanOut.failures, written: fanOut.written }
}

async function writeAll(run: Run, fanOut: FanOut, targets: readonly PreparedTarget[]) {
  const queue = [...targets]
  const worker = async (): Promise<void> => {
    for (let target = queue.shift(); target; target = queue.shift()) {
      await writeTarget(run, fanOut, target)
    }
  }
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker))
}

async function writeTarget(run: Run, fanOut: FanOut, target: PreparedTarget): Promise<void> {
  const { cancellation, github, log } = run.context
  const { failures, written, total } = fanOut
  const stopped = await keyNoLongerActive(run, fanOut)
  if (stopped) {
    failures.push(`${target.name}: not written, because ${stopped}`)
    return
  }
  // Checked last, right before the writes: nothing awaits between them and the first PUT.
  if (cancellation.requested()) {
    failures.push(`${target.name}: not written, because the run was cancelled`)
    return
  }
  // Between targets, never between a target's two PUTs.
  if (github.outOfTime()) {
    failures.push(`${target.name}: not written, because the rate-limit-budget ran out`)
    return
  }
  if (pastCutoff(run)) {
    failures.push(
      `${target.name}: not written, because this run's hold on the key ends at ${isoTime(run.holdUntil ?? 0)} and a later run may take the key over then`
    )
    return
  }
  try {
    await github.write(target, fanOut.values)
    written.push(target.name)
    run.result.written.push(target.name)
  } catch (error) {
    failures.push(
      error instanceof TargetError && error.halfWritten
        ? `${error.message} ${await mendHalfWritten(run, target, fanOut, error.halfWritten)}`
        : describeError(error)
    )
  }
  fanOut.done += 1
  if (
    total > PROGRESS_MIN_STEP &&
    (fanOut.done % fanOut.progressEvery === 0 || fanOut.done === total)
  ) {
    log.info(
      `written ${written.length}/${total} targets${failures.length > 0 ? `, ${failures.length} failed` : ''}`
    )
  }
}

/**
 * Right before each pair: the key being written must still be active (a person may have
 * deactivated or deleted it meanwhile). Once it is not, or cannot be confirmed, nothing more is
 * written: the run then says what each target holds.
 */
async function keyNoLongerActive(run: Run, fanOut: FanOut): Promise<string | undefined> {
  if (fanOut.stopped) return fanOut.stopped
  // Stryker disable next-line OptionalChaining,StringLiteral: a pair always has its two entries
  const keyId = fanOut.values[0]?.value ?? ''
  const check = await checkKey(run, keyId, true)
  if (check.kind === 'active') return undefined
  if (check.kind === 'lost') {
    run.result.lostKey = { keyId, status: check.status }
    fanOut.stopped = `${keyLabel(keyId)} is ${lostWord(check)}: someone changed it during this run`
  } else {
    fanOut.stopped = `this run could not confirm that ${keyLabel(keyId)} is still active (${check.reason})`
  }
  return fanOut.stopped
}

/** Whether a pair started now might still be in flight when this run's hold ends. */
function pastCutoff(run: Run): boolean {
  const { clock, settings } = run.context
  return run.holdUntil !== undefined && clock.now() >= writeCutoff(run.holdUntil, settings)
}

/**
 * One secret of a target's pair was written (`written`, names) and the other was not. Writes the
 * previous pair back when this run knows it, and says what the target holds in the end; a
 * target left mismatched is on record, and the new key must not be deleted (the target names it).
 */
async function mendHalfWritten(
  run: Run,
  target: PreparedTarget,
  fanOut: FanOut,
  written: string
): Promise<string> {
  const { previous } = fanOut
  const changed = written.split(', ')
  if (!previous) {
    run.result.mismatched.push(target.name)
    return `This run does not know the previous secret, so it cannot set the pair back: ${mismatch(target, fanOut, changed)}.`
  }
  // Stryker disable next-line OptionalChaining,StringLiteral: equivalent, a pair always has its two entries (?. and ?? only satisfy noUncheckedIndexedAccess)
  const whole = `${target.name} holds the pair of the previous key ${keyLabel(previous[0]?.value ?? '')} again`
  try {
    await run.context.github.write(target, previous)
    return `Both of its secrets were set back: ${whole}.`
  } catch (error) {
    // A secret the write back reached holds the previous value again.
    const restored = error instanceof TargetError ? (error.halfWritten?.split(', ') ?? []) : []
    const still = changed.filter(name => !restored.includes(name))
    if (still.length === 0) {
      return `Setting them back failed in part (${describeError(error)}), but ${changed.join(', ')} was set back: ${whole}.`
    }
    run.result.mismatched.push(target.name)
    return `Setting them back failed too (${describeError(error)}): ${mismatch(target, fanOut, still)}.`
  }
}

/** What a half-written target holds: `changed` of the key being written, the rest as before. */
function mismatch(target: PreparedTarget, fanOut: FanOut, changed: readonly string[]): string {
  const others = fanOut.values.map(value => value.name).filter(name => !changed.includes(name))
  // Stryker disable next-line OptionalChaining,StringLiteral: a pair always has its two entries
  const key = keyLabel(fanOut.values[0]?.value ?? '')
  return `${target.name} holds a mismatched pair, ${changed.join(', ')} of ${key} and ${others.join(', ')} as before`
}

/** Step `finish-distribution`: this run signs with a half-distributed key, so it writes it on. */
export async function finishDistribution(
  run: Run,
  step: Extract<Step, { kind: 'finish-distribution' }>
): Promise<void> {
  const { signing, clock } = run.context
  const smoke = step.gated ? { smoke: 'due' as const } : {}
  const previous = step.previousKeyId ? { previousKeyId: step.previousKeyId } : {}
  const mark = { state: 'pending' as const, ...previous, ...smoke }
  await writeOwnKey(
    run,
    { keyId: step.keyId, mark },
    failed =>
      `Could not finish writing key ${keyLabel(step.keyId)} to every target: ${failed}. Both keys stay active; the next run tries again.`
  )
  run.distributedAt = clock.now()
  await run.aws.tag(
    run.user,
    step.keyId,
    markOf(run, {
      state: 'active',
      at: run.distributedAt,
      ...previous,
      ...(step.gated ? { smoke: 'due' as const, until: run.holdUntil } : {})
    })
  )
  run.result.current = signing
}

/** Step `restore`: this run signs with the older key of a split, so it writes that one back. */
export async function restore(run: Run, step: Extract<Step, { kind: 'restore' }>): Promise<void> {
  const abandonedStatus = step.abandonedStatus && (await confirmLost(run, step.abandonedKeyId))
  // The abandoned key is this run's to delete now: a third run waits rather than finish it.
  const mark = { state: 'pending' as const, previousKeyId: step.keyId }
  await writeOwnKey(
    run,
    { keyId: step.abandonedKeyId, mark },
    failed =>
      `Could not write key ${keyLabel(step.keyId)} back to every target: ${failed}. ` +
      (abandonedStatus
        ? `Those targets may still hold ${keyLabel(step.abandonedKeyId)}, which no longer works; the next run tries again.`
        : 'Both keys stay active; the next run tries again.')
  )
  run.result.current = run.context.signing
  await markWrittenAgain(run, step.keyId)
  if (abandonedStatus) await settleAbandoned(run, step.abandonedKeyId, abandonedStatus)
}

/**
 * Every target holds the restored key again from now: its `active` mark takes this time, as after
 * a rotation, so a later run does not take this run's writes for another writer's. A key without
 * such a mark is left as it is: the check for another writer has nothing to compare it with. The
 * mark is read again first: one another run or a person changed since this run looked is theirs.
 */
async function markWrittenAgain(run: Run, keyId: string): Promise<void> {
  const seen = run.context.snapshot.keys.find(key => key.id === keyId)?.mark
  if (seen?.kind !== 'ours' || seen.mark.state !== 'active') return
  const { previousKeyId, smoke, until } = seen.mark
  try {
    const now = readMark((await run.context.aws.listTags(run.user))[keyId])
    if (now.kind !== 'ours' || now.mark.state !== 'active' || now.mark.at !== seen.mark.at) return
    await run.aws.tag(
      run.user,
      keyId,
      markOf(run, { state: 'active', previousKeyId, smoke, until })
    )
  } catch (error) {
    run.context.log.warning(
      `Every target holds ${keyLabel(keyId)} again, but updating its mark failed (${describeError(error)}): a later run may take this run's writes for another writer's and say so.`
    )
  }
}

/** Claims a key with `mark`, then writes the key this run signs with to every target. */
async function writeOwnKey(
  run: Run,
  claimed: { keyId: string; mark: Parameters<typeof claim>[2] },
  failure: (failed: string) => string
): Promise<void> {
  await claim(run, claimed.keyId, claimed.mark)
  const { failures } = await distribute(run, run.context.signing)
  if (failures.length > 0) {
    throw new StepFailure(failure(briefly(failures, run.context.prepared.length)))
  }
}

/**
 * The lost key read again right before the targets move off it. Its mark and its listing were
 * read at different moments: another run's new key may have been marked after the listing.
 */
async function confirmLost(run: Run, keyId: string): Promise<AbandonedStatus> {
  const check = await checkKey(run, keyId)
  // 'rejected' cannot come here (this run signs with the other key); it would mean gone.
  if (check.kind === 'lost') return check.status === 'Inactive' ? 'Inactive' : 'deleted'
  const seen =
    check.kind === 'unknown'
      ? `this run could not read ${keyLabel(keyId)} again (${check.reason})`
      : `${keyLabel(keyId)} is active`
  throw new Yield(
    `Did not write the previous key back: read again, ${seen} (another run is rotating, or a person acted). Nothing was changed; the next run decides afresh.`
  )
}

/** Every target holds the working key again: the lost key is retired, or its mark removed. */
async function settleAbandoned(run: Run, keyId: string, status: AbandonedStatus): Promise<void> {
  try {
    if (status === 'deleted') await run.aws.untag(run.user, keyId)
    else await run.aws.tag(run.user, keyId, markOf(run, { state: 'retired' }))
  } catch (error) {
    sideProblem(
      run,
      error,
      `Every target holds the working key again, but ${status === 'deleted' ? 'removing the mark of' : 'marking retired'} ${keyLabel(keyId)} failed (${describeError(error)}); a later run writes the working key back once more, which changes nothing.`
    )
  }
}
