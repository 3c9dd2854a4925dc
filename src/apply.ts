import { awsErrorCode, awsStatus, isTransientAwsError } from './aws-errors.js'
import type { Aws, Credentials, ListedKey } from './aws.js'
import { describeError, StepFailure, TargetError, Yield } from './errors.js'
import { keyLabel } from './format.js'
import type { PreparedTarget, Secrets, SecretValue } from './github.js'
import { feedsRepository } from './targets.js'
import { INTENT_TAG_KEY, writeMark, type Mark } from './marks.js'
import type { Cancellation } from './cancel.js'
import { describeStep, INTENT_LEAD_MS, pinnedKey, usedAfterSwitch, type Step } from './plan.js'
import { backoff, type Clock } from './retry.js'
import type { Settings } from './settings.js'
import type { Snapshot } from './snapshot.js'
import { verifyNewKey } from './verify.js'
import { formatDuration } from './duration.js'
import type { SmokeGate, SmokeOutcome } from './smoke.js'

export interface Logger {
  info(message: string): void
  warning(message: string): void
  /** A collapsible group in the runner's log. */
  startGroup(name: string): void
  endGroup(): void
  /** Registers a value with the runner's masking before anything could print it. */
  mask(value: string): void
}

export interface ApplyContext {
  readonly aws: Aws
  readonly secrets: Secrets
  readonly prepared: readonly PreparedTarget[]
  readonly settings: Settings
  readonly snapshot: Snapshot
  readonly signing: Credentials
  /** The key the targets hold before the steps, as the planner sees it. */
  readonly currentKeyId: string | undefined
  readonly clock: Clock
  readonly log: Logger
  readonly cancellation: Cancellation
  /** Dispatches the smoke workflow and waits for it (set when the plan has a smoke-test step). */
  readonly smokeGate?: SmokeGate
}

export interface ApplyResult {
  rotated: boolean
  createdKeyId: string | undefined
  /** The key every target holds after the run (when known), with its secret for the export. */
  current: Credentials | undefined
  readonly deactivated: string[]
  readonly deleted: string[]
  /** Retired keys made active again this run (reactivate-previous). */
  readonly reactivated: string[]
  /** Keys a run made and never marked, deactivated and marked orphans this run (also in deactivated). */
  readonly setAside: string[]
  /** Targets written with the current key this run. */
  readonly written: string[]
  /** Targets left holding one secret of the new pair and one of the old. */
  readonly mismatched: string[]
  /** Why each target that failed this run failed: the step summary lists them all. */
  readonly targetFailures: string[]
  verification: { attempts: number; elapsedMs: number } | undefined
  /** The smoke gate's outcome, when it ran. */
  smoke: SmokeOutcome | undefined
  failure: StepFailure | undefined
  /** Set when the run stepped aside for another run that is rotating the same user. */
  yielded: string | undefined
  /** Missing permissions met on side steps: the run fails after finishing its work. */
  readonly permissionProblems: string[]
}

/** Targets written at once, two PUTs each: the action's only bound on concurrent writes. */
const WRITE_CONCURRENCY = 4
/** Progress lines for long fan-outs: about every tenth of the targets, at least this many apart. */
const PROGRESS_MIN_STEP = 20
const CREATE_ATTEMPTS = 4

/** At most this many target failures in an error message; the step summary lists them all. */
const FAILURES_IN_MESSAGE = 10

/** "3 of 300 targets failed: a; b; c", naming at most ten. */
export function briefly(failures: readonly string[], total: number): string {
  const named = failures.slice(0, FAILURES_IN_MESSAGE).join('; ')
  const more = failures.length - FAILURES_IN_MESSAGE
  return `${failures.length} of ${total} targets failed: ${named}${more > 0 ? `; and ${more} more (the step summary lists them all)` : ''}`
}

/** Runs the planned steps in order; stops at the first failure, after undoing what it can. */
export async function apply(steps: readonly Step[], context: ApplyContext): Promise<ApplyResult> {
  const { snapshot, settings, clock, log, secrets, prepared } = context
  const user = snapshot.userName
  const result: ApplyResult = {
    rotated: false,
    createdKeyId: undefined,
    current: context.signing.accessKeyId === context.currentKeyId ? context.signing : undefined,
    deactivated: [],
    deleted: [],
    reactivated: [],
    setAside: [],
    written: [],
    mismatched: [],
    targetFailures: [],
    verification: undefined,
    smoke: undefined,
    failure: undefined,
    yielded: undefined,
    permissionProblems: []
  }
  // Self-rotation switches to the new key once it is verified: the old one may be deactivated.
  let aws = context.aws
  const runFields = {
    runId: settings.run.runId,
    runAttempt: settings.run.attempt,
    repository: settings.run.repository
  }
  const mark = (fields: {
    state: Mark['state']
    previousKeyId?: string | undefined
    smoke?: Mark['smoke']
    orphan?: true
    at?: number
  }): string =>
    writeMark({
      state: fields.state,
      ...(fields.previousKeyId ? { previousKeyId: fields.previousKeyId } : {}),
      ...(fields.smoke ? { smoke: fields.smoke } : {}),
      ...(fields.orphan ? { orphan: true as const } : {}),
      at: fields.at ?? clock.now(),
      ...runFields
    })
  /** When this run marked a key distributed: deactivate-after counts from then, gate or not. */
  let distributedAt: number | undefined

  /**
   * Writes `key` to every target; returns why targets failed. The targets this workflow reads
   * its own key from go last, and only once every other target has the key: a later run signs
   * with what they hold, so if this run stops half-way the next one still holds a consistent
   * pair and knows which way to heal.
   */
  const distribute = async (
    key: Credentials,
    previous?: Credentials
  ): Promise<{ failures: string[]; written: string[] }> => {
    const pairOf = (credentials: Credentials) => [
      { name: settings.accessKeyIdSecretName, value: credentials.accessKeyId },
      { name: settings.secretAccessKeySecretName, value: credentials.secretAccessKey }
    ]
    const values = pairOf(key)
    const own = prepared.filter(target => feedsRepository(target.target, settings.run.repository))
    const failures: string[] = []
    const written: string[] = []
    const total = prepared.length
    const progressEvery = Math.max(PROGRESS_MIN_STEP, Math.ceil(total / 10))
    let done = 0
    const writeAll = async (targets: readonly PreparedTarget[]): Promise<void> => {
      const queue = [...targets]
      const worker = async (): Promise<void> => {
        for (let target = queue.shift(); target; target = queue.shift()) {
          if (context.cancellation.requested()) {
            failures.push(`${target.name}: not written, because the run was cancelled`)
            continue
          }
          // Between targets, never between a target's two PUTs.
          if (secrets.outOfTime()) {
            failures.push(`${target.name}: not written, because the rate-limit-budget ran out`)
            continue
          }
          try {
            await secrets.write(target, values)
            written.push(target.name)
            result.written.push(target.name)
          } catch (error) {
            failures.push(
              error instanceof TargetError && error.halfWritten
                ? `${error.message} ${await mendHalfWritten(target, previous && pairOf(previous))}`
                : describeError(error)
            )
          }
          done += 1
          if (total > PROGRESS_MIN_STEP && (done % progressEvery === 0 || done === total)) {
            log.info(
              `written ${written.length}/${total} targets${failures.length > 0 ? `, ${failures.length} failed` : ''}`
            )
          }
        }
      }
      await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker))
    }
    log.startGroup(`Writing ${keyLabel(key.accessKeyId)} to ${total} target(s)`)
    try {
      await writeAll(prepared.filter(target => !own.includes(target)))
      if (failures.length === 0) await writeAll(own)
      else
        for (const target of own)
          failures.push(`${target.name}: not written, because other targets failed`)
    } finally {
      log.endGroup()
    }
    log.info(`Wrote ${keyLabel(key.accessKeyId)} to ${written.length}/${total} targets.`)
    result.targetFailures.push(...failures)
    return { failures, written }
  }

  /**
   * One secret of a target's pair was written and the other was not. Writes the previous pair
   * back when this run knows it; otherwise the target stays on record as mismatched, and the
   * new key must not be deleted (the target names it).
   */
  const mendHalfWritten = async (
    target: PreparedTarget,
    previous: SecretValue[] | undefined
  ): Promise<string> => {
    if (previous) {
      try {
        await secrets.write(target, previous)
        return `Both of its secrets were set back to the previous key ${keyLabel(previous[0]?.value ?? '')}.`
      } catch (error) {
        result.mismatched.push(target.name)
        return `Setting them back failed too (${describeError(error)}).`
      }
    }
    result.mismatched.push(target.name)
    return 'This run does not know the previous secret, so it cannot set the pair back.'
  }

  /** Deletes a key no target holds, signing with this run's own (still active) credentials. */
  const discard = async (keyId: string): Promise<string> => {
    try {
      await context.aws.deleteKey(user, keyId)
      await context.aws.untag(user, keyId).catch(() => undefined)
      result.createdKeyId = undefined
      return `Deleted the new key ${keyLabel(keyId)}`
    } catch (error) {
      return `Could not delete the new key ${keyLabel(keyId)} (${describeError(error)}); no target holds it, so delete it in the IAM console, or let the next run do it`
    }
  }

  /**
   * Writes the intent mark just before CreateAccessKey, with the time it is sent: a later run
   * pins an unmarked key to this run only if it was created within one request of that time.
   */
  const announce = async (previousKeyId: string | undefined): Promise<string> => {
    for (let attempt = 1; ; attempt++) {
      const at = clock.now()
      const intent = mark({ state: 'creating', previousKeyId, at })
      await aws.tag(user, INTENT_TAG_KEY, intent)
      if (clock.now() - at <= INTENT_LEAD_MS || attempt >= 3) return intent
    }
  }

  /**
   * CreateAccessKey, retried by hand, each try announced afresh. A call that got no answer (a
   * timeout, a reset) may still have made a key whose secret never arrived: if the evidence pins
   * one to this run, it is set aside (deactivated, marked an orphan), never deleted, since a
   * person may have made it at that moment. A call that AWS answered made no key; if it was
   * LimitExceeded because a key appeared since this run looked, another run (or a person) got
   * there first.
   */
  const createKey = async (
    previousKeyId: string | undefined,
    intent: { value: string }
  ): Promise<Credentials & { createdAt: number }> => {
    const known = new Set(snapshot.keys.map(key => key.id))
    const unanswered: { from: number; to: number }[] = []
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) intent.value = await announce(previousKeyId)
      const sentAt = clock.now()
      try {
        return await aws.createKey(user)
      } catch (error) {
        const answered = awsStatus(error) !== undefined
        if (!answered) unanswered.push({ from: sentAt, to: clock.now() })
        const newcomers = await keysSince(known, error)
        if (newcomers.length > 0 && unanswered.length > 0) {
          throw await strayFailure(newcomers, unanswered, error)
        }
        if (answered && awsErrorCode(error) === 'LimitExceeded' && newcomers.length > 0) {
          throw new Yield(
            `Key ${newcomers.map(key => keyLabel(key.id)).join(', ')} appeared after this run looked, and IAM allows two keys: another run (or a person) got there first. ` +
              'This run leaves the rotation to it and touches no key; nothing was changed.'
          )
        }
        if (attempt >= CREATE_ATTEMPTS || !isTransientAwsError(error)) {
          throw new StepFailure(
            `Could not create a new access key for ${user}: ${describeError(error)}. No new key is left behind; the previous key and the secrets are unchanged.`,
            { cause: error }
          )
        }
        await clock.sleep(backoff(attempt, 1_000, 5_000))
      }
    }
  }

  /** Keys that exist now and did not when this run looked. */
  const keysSince = async (known: ReadonlySet<string>, error: unknown) => {
    try {
      return (await aws.listKeys(user)).filter(key => !known.has(key.id))
    } catch (cleanup) {
      // The intent stays: the next run finds a key AWS may have made by it.
      throw new StepFailure(
        `Could not create a new access key for ${user} (${describeError(error)}), and could not check for a key AWS may have made anyway (${describeError(cleanup)}). ` +
          'The intent mark stays, so the next run can recognise such a key; the previous key and the secrets are unchanged.',
        { cause: cleanup, keepIntent: true }
      )
    }
  }

  /** CreateAccessKey got no answer and keys appeared: set aside the one it made, if pinned. */
  const strayFailure = async (
    newcomers: readonly ListedKey[],
    unanswered: readonly { from: number; to: number }[],
    error: unknown
  ): Promise<StepFailure> => {
    const labels = newcomers.map(key => keyLabel(key.id)).join(', ')
    // A last use that cannot be read counts as used: the key is then left alone.
    const unreadable = { at: 0, service: 'unknown', region: 'unknown' }
    const withUse = await Promise.all(
      newcomers.map(async key => ({
        ...key,
        lastUsed: await aws.lastUse(key.id).catch(() => unreadable)
      }))
    )
    const stray = unanswered
      .map(window => pinnedKey(withUse, window))
      .find(key => key !== undefined)
    if (!stray) {
      return new StepFailure(
        `CreateAccessKey got no answer (${describeError(error)}), and ${labels} appeared meanwhile; this run cannot tell whether AWS made it for this run or a person did, so it touches none of them. ` +
          'If nobody made it by hand, deactivate and delete it in the IAM console; the previous key and the secrets are unchanged.'
      )
    }
    await setAside(stray.id)
    return new StepFailure(
      `CreateAccessKey got no answer (${describeError(error)}), but AWS made ${keyLabel(stray.id)} for it; its secret never reached this run, so no target can hold it. ` +
        `It was deactivated and marked a retired orphan, and is deleted after delete-after; until then it holds the second key slot, so no rotation starts (delete it in the IAM console to rotate sooner). ` +
        `If a person made ${keyLabel(stray.id)}, make it active again in the IAM console: the action then leaves it alone. The previous key and the secrets are unchanged.`
    )
  }

  /**
   * Deactivates a key no target holds and marks it an orphan: reversible, unlike deleting it.
   * The plan's warning (or the run's error) tells a person how to undo it.
   */
  async function setAside(keyId: string): Promise<void> {
    await context.aws.setStatus(user, keyId, 'Inactive')
    result.deactivated.push(keyId)
    result.setAside.push(keyId)
    try {
      await context.aws.tag(user, keyId, mark({ state: 'retired', orphan: true }))
    } catch (error) {
      log.warning(
        `Deactivated ${keyLabel(keyId)} but could not mark it (${describeError(error)}): it now counts as a person's inactive key, kept until a person deletes it.`
      )
    }
    log.info(`Set aside ${keyLabel(keyId)}: deactivated and marked a retired orphan.`)
  }

  /**
   * A side step failed (removing a tag). A passing fault is a warning; a missing permission
   * fails the run once everything else is done, so a person grants it before the user's 50 tags
   * fill up.
   */
  function sideProblem(error: unknown, message: string): void {
    if (awsErrorCode(error) === 'AccessDenied') result.permissionProblems.push(message)
    else log.warning(message)
  }

  let distributionStartedAt: number | undefined
  /**
   * Whether AWS already shows a use of the previous key after this run began writing the new
   * one: something outside the targets still uses it. AWS records last use with a delay, so
   * silence proves little; a later run (deactivate-after) sees more.
   */
  async function usedSinceDistribution(keyId: string): Promise<string | undefined> {
    if (distributionStartedAt === undefined) return undefined
    try {
      const used = await aws.lastUse(keyId)
      if (!used || used.at <= distributionStartedAt) return undefined
      return usedAfterSwitch(keyId, used, 'while this run was writing the new key')
    } catch (error) {
      log.info(`Could not read the last use of ${keyLabel(keyId)} (${describeError(error)}).`)
      return undefined
    }
  }

  /**
   * Removes the intent mark if it still reads `written` (another run may have written its own
   * since). Best effort: a later run removes a dead run's intent.
   */
  async function clearIntent(written: string): Promise<void> {
    try {
      const tags = await context.aws.listTags(user)
      if (tags[INTENT_TAG_KEY] === written) await context.aws.untag(user, INTENT_TAG_KEY)
    } catch (error) {
      sideProblem(
        error,
        `Could not remove the intent mark from ${user} (iam:UntagUser: ${describeError(error)}); a later run removes it once this run has ended.`
      )
    }
  }

  /** The time a key became active again starts its quiet period (see the planner). */
  async function markReactivated(keyId: string): Promise<void> {
    try {
      await aws.tag(user, keyId, mark({ state: 'reactivated' }))
    } catch (error) {
      log.warning(
        `${keyLabel(keyId)} is active, but marking it reactivated failed (${describeError(error)}); the next run records it.`
      )
    }
  }

  const handlers: Record<Step['kind'], (step: never) => Promise<void>> = {
    'delete-key': async (step: Extract<Step, { kind: 'delete-key' }>) => {
      await aws.deleteKey(user, step.keyId)
      result.deleted.push(step.keyId)
      log.info(`Deleted key ${keyLabel(step.keyId)}: ${step.reason}.`)
      try {
        await aws.untag(user, step.keyId)
      } catch (error) {
        sideProblem(
          error,
          `Deleted key ${keyLabel(step.keyId)} but could not remove its tag: ${describeError(error)}`
        )
      }
    },

    rotate: async (step: Extract<Step, { kind: 'rotate' }>) => {
      // The intent lets a later run recognise the key if this run dies before marking it.
      const intent = { value: '' }
      try {
        intent.value = await announce(step.previousKeyId)
      } catch (error) {
        throw new StepFailure(
          `Could not write the action's mark on ${user} (iam:TagUser: ${describeError(error)}). No key was created: without marks a later run could not tell the action's keys from a person's.`
        )
      }
      let created: Awaited<ReturnType<typeof createKey>>
      try {
        created = await createKey(step.previousKeyId, intent)
      } catch (error) {
        // No key of this run's is left unrecognised: a stale intent could make a person's new
        // key look like this run's, so it goes, unless a key AWS may have made needs it.
        if (!(error instanceof StepFailure && error.keepIntent)) await clearIntent(intent.value)
        throw error
      }
      log.mask(created.accessKeyId)
      log.mask(created.secretAccessKey)
      result.createdKeyId = created.accessKeyId
      log.info(`Created key ${keyLabel(created.accessKeyId)} for ${user}.`)
      try {
        await aws.tag(
          user,
          created.accessKeyId,
          mark({
            state: 'pending',
            previousKeyId: step.previousKeyId,
            // A run without the gate that finishes this key must not skip its gate either.
            ...(step.gated ? { smoke: 'due' as const } : {})
          })
        )
      } catch (error) {
        const undone = await discard(created.accessKeyId)
        await clearIntent(intent.value)
        throw new StepFailure(
          `Could not mark the new key (iam:TagUser on ${user}: ${describeError(error)}); without the mark a later run could not recognise it. ${undone}. The previous key and the secrets are unchanged.`
        )
      }
      await clearIntent(intent.value)

      const verification = await verifyNewKey({
        probe: () => aws.probe(created),
        expectedArn: snapshot.userArn,
        timeoutMs: settings.verifyTimeoutMs,
        clock,
        shouldStop: () => context.cancellation.requested(),
        onRejected: (attempt, elapsedMs) => {
          if (attempt === 1 || attempt % 5 === 0) {
            log.info(
              `Waiting for AWS to accept the new key (attempt ${attempt}, ${(elapsedMs / 1000).toFixed(1)} s)...`
            )
          }
        }
      })
      result.verification = { attempts: verification.attempts, elapsedMs: verification.elapsedMs }
      if (!verification.ok) {
        const undone = await discard(created.accessKeyId)
        throw new StepFailure(
          (context.cancellation.requested()
            ? 'The run was cancelled while AWS verified the new key. '
            : `The new key was not verified within verify-timeout (${formatDuration(settings.verifyTimeoutMs)}): ${verification.reason}. `) +
            `${undone}; ${step.previousKeyId ? `the previous key ${keyLabel(step.previousKeyId)} is still active and ` : ''}no secret was changed. The next run tries again; if this repeats, raise verify-timeout.`
        )
      }
      log.info(
        `AWS accepted the new key after ${(verification.elapsedMs / 1000).toFixed(1)} s (${verification.attempts} checks, the last ones in a row).`
      )
      if (snapshot.mode === 'self') {
        aws = aws.withYoungKey(created, clock.now() + settings.verifyTimeoutMs, clock)
      }

      const previous =
        context.signing.accessKeyId === step.previousKeyId ? context.signing : undefined
      // This run's own calls with the previous key all come before this moment.
      distributionStartedAt = clock.now()
      const { failures, written } = await distribute(created, previous)
      if (failures.length > 0 && written.length === 0 && result.mismatched.length === 0) {
        const undone = await discard(created.accessKeyId)
        throw new StepFailure(
          `No target could be written: ${briefly(failures, prepared.length)}. ${undone}; ${step.previousKeyId ? `the previous key ${keyLabel(step.previousKeyId)} is still active and every target still holds it` : 'no target was changed'}.`
        )
      }
      if (failures.length > 0) {
        throw new StepFailure(
          `The new key ${keyLabel(created.accessKeyId)} was written to ${written.length} of ${prepared.length} targets, not to every target: ${briefly(failures, prepared.length)}. ` +
            (result.mismatched.length > 0
              ? `Both keys stay active; ${result.mismatched.join(', ')} holds a mismatched pair until a run writes it again. `
              : 'Both keys stay active, so every target holds a working key. ') +
            `The next run finishes this: a run that signs with the new key writes it everywhere, one that signs with the previous key writes that back and deletes the new one.`
        )
      }
      try {
        distributedAt = clock.now()
        await aws.tag(
          user,
          created.accessKeyId,
          mark({
            state: 'active',
            previousKeyId: step.previousKeyId,
            at: distributedAt,
            ...(step.gated ? { smoke: 'due' as const } : {})
          })
        )
      } catch (error) {
        throw new StepFailure(
          `Every target holds the new key ${keyLabel(created.accessKeyId)}, but marking it distributed failed (${describeError(error)}). Both keys stay active; the next run (signing with the new key) marks it and retires the previous key.`
        )
      }
      result.rotated = true
      result.current = created
    },

    'finish-distribution': async (step: Extract<Step, { kind: 'finish-distribution' }>) => {
      const { failures } = await distribute(context.signing)
      if (failures.length > 0) {
        throw new StepFailure(
          `Could not finish writing key ${keyLabel(step.keyId)} to every target: ${briefly(failures, prepared.length)}. Both keys stay active; the next run tries again.`
        )
      }
      distributedAt = clock.now()
      await aws.tag(
        user,
        step.keyId,
        mark({
          state: 'active',
          at: distributedAt,
          ...(step.previousKeyId ? { previousKeyId: step.previousKeyId } : {}),
          ...(step.gated ? { smoke: 'due' as const } : {})
        })
      )
      result.current = context.signing
    },

    'smoke-test': async (step: Extract<Step, { kind: 'smoke-test' }>) => {
      const keyId = step.keyId ?? result.createdKeyId
      const at = step.distributedAt ?? distributedAt
      if (!keyId || at === undefined || !context.smokeGate) {
        throw new StepFailure('The smoke gate has no key to test; nothing was deactivated.')
      }
      const marked = (smoke: Mark['smoke']) =>
        mark({
          state: 'active',
          previousKeyId: step.previousKeyId,
          at,
          ...(smoke ? { smoke } : {})
        })
      // The mark names this run as the one waiting for the gate, so an overlapping run waits
      // for it; and this run can tell later whether another run has moved the key on since.
      const holding = marked('due')
      // A key this run has just distributed already carries exactly this mark.
      if (step.distributedAt !== undefined) {
        try {
          await aws.tag(user, keyId, holding)
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
        outcome = await context.smokeGate(rotation)
      } finally {
        log.endGroup()
      }
      result.smoke = outcome
      if (outcome.conclusion === 'success') {
        log.info(
          `The smoke workflow passed with ${keyLabel(keyId)} (${outcome.run?.htmlUrl ?? 'run'}, ${formatDuration(outcome.elapsedMs)}).`
        )
        try {
          await aws.tag(user, keyId, marked(undefined))
        } catch (error) {
          // Deactivating without the record would leave a later run to gate a key it cannot see
          // pass: stop here; the next run runs the gate again.
          throw new StepFailure(
            `The smoke workflow passed, but recording it on ${keyLabel(keyId)} failed (${describeError(error)}). ${keyLabel(step.previousKeyId)} stays active; the next run runs the gate again.`
          )
        }
        return
      }
      let movedOn = false
      try {
        // Another run may have passed its own gate meanwhile: then its record stands.
        movedOn = (await aws.listTags(user))[keyId] !== holding
        if (!movedOn) await aws.tag(user, keyId, marked('failed'))
      } catch (error) {
        log.warning(
          `Could not record the failed gate on ${keyLabel(keyId)} (${describeError(error)}).`
        )
      }
      if (movedOn) {
        throw new StepFailure(
          `The smoke workflow did not pass: ${outcome.reason ?? outcome.conclusion}${outcome.run ? ` (${outcome.run.htmlUrl})` : ''}. ` +
            `Another run changed the mark of ${keyLabel(keyId)} while this one waited, so this run leaves the keys to it and records nothing. Read the smoke run's log: something failed with the new key.`
        )
      }
      // A run that ended badly points at the consumers; no run at all points at the gate itself.
      const meanwhile = outcome.run
        ? "Meanwhile both keys work: read the smoke run's log, fix what fails with the new key (a secret name, a missed target, a permission), then run this workflow again."
        : 'Meanwhile both keys work: fix what kept the smoke run from starting or being found (the token, the ref, the run-name), then run this workflow again.'
      throw new StepFailure(
        `The smoke workflow did not pass: ${outcome.reason ?? outcome.conclusion}${outcome.run ? ` (${outcome.run.htmlUrl})` : ''}. ` +
          `Every target holds the new key ${keyLabel(keyId)}, and the previous key ${keyLabel(step.previousKeyId)} stays active, so whatever still uses it keeps working. ` +
          `The next run of this action runs the smoke workflow again before it deactivates anything (it does not rotate again). ${meanwhile}`
      )
    },

    restore: async (step: Extract<Step, { kind: 'restore' }>) => {
      const { failures } = await distribute(context.signing)
      if (failures.length > 0) {
        throw new StepFailure(
          `Could not write key ${keyLabel(step.keyId)} back to every target: ${briefly(failures, prepared.length)}. Both keys stay active; the next run tries again.`
        )
      }
      result.current = context.signing
    },

    'retire-orphan': async (step: Extract<Step, { kind: 'retire-orphan' }>) => {
      try {
        await setAside(step.keyId)
      } catch (error) {
        throw new StepFailure(
          `Could not deactivate ${keyLabel(step.keyId)}, a key a dead run made and never marked (${describeError(error)}). Nothing else was changed; the next run tries again.`
        )
      }
    },

    'clear-intent': async (step: Extract<Step, { kind: 'clear-intent' }>) => {
      await clearIntent(step.value)
    },

    'remove-marks': async (step: Extract<Step, { kind: 'remove-marks' }>) => {
      try {
        await aws.untagMany(user, step.tagKeys)
        log.info(`Removed ${step.tagKeys.length} mark(s) of keys that no longer exist.`)
      } catch (error) {
        sideProblem(
          error,
          `Could not remove marks of deleted keys (${describeError(error)}); a later run tries again.`
        )
      }
    },

    'reactivate-key': async (step: Extract<Step, { kind: 'reactivate-key' }>) => {
      try {
        await aws.setStatus(user, step.keyId, 'Active')
      } catch (error) {
        throw new StepFailure(
          `Could not reactivate ${keyLabel(step.keyId)} (iam:UpdateAccessKey: ${describeError(error)}). It stays inactive; every target still holds the current key.`
        )
      }
      result.reactivated.push(step.keyId)
      log.info(`Reactivated key ${keyLabel(step.keyId)}; every target keeps the current key.`)
      await markReactivated(step.keyId)
    },

    'mark-reactivated': async (step: Extract<Step, { kind: 'mark-reactivated' }>) => {
      await markReactivated(step.keyId)
    },

    'deactivate-key': async (step: Extract<Step, { kind: 'deactivate-key' }>) => {
      try {
        await aws.setStatus(user, step.keyId, 'Inactive')
      } catch (error) {
        throw new StepFailure(
          `Could not deactivate the previous key ${keyLabel(step.keyId)} (${describeError(error)}). Every target holds the new key; the previous key stays active until a later run deactivates it.`
        )
      }
      result.deactivated.push(step.keyId)
      log.info(`Deactivated key ${keyLabel(step.keyId)}: ${step.reason}.`)
      const warning = step.warning ?? (await usedSinceDistribution(step.keyId))
      if (warning) log.warning(warning)
      try {
        await aws.tag(user, step.keyId, mark({ state: 'retired' }))
      } catch (error) {
        log.warning(
          `Deactivated ${keyLabel(step.keyId)} but could not mark it retired (${describeError(error)}); it will be deleted when a rotation needs its slot.`
        )
      }
    }
  }

  for (const step of steps) {
    if (context.cancellation.requested()) {
      result.failure = new StepFailure(
        `The run was cancelled before this step: ${describeStep(step)}. Everything before it was finished; the next run starts again from what AWS shows.`
      )
      break
    }
    try {
      await handlers[step.kind](step as never)
    } catch (error) {
      if (error instanceof Yield) {
        result.yielded = error.message
        break
      }
      result.failure =
        error instanceof StepFailure
          ? error
          : new StepFailure(
              `${describeStep(step)} failed: ${describeError(error)}. The steps after it were not done; the next run starts again from what AWS shows.`,
              { cause: error }
            )
      break
    }
  }
  return result
}
