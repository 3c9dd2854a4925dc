import { randomUUID } from 'node:crypto'
import { awsErrorCode } from '../aws-errors.js'
import type { Aws, Credentials } from '../aws.js'
import type { Cancellation } from '../cancel.js'
import type { StepFailure } from '../errors.js'
import { someOf } from '../format.js'
import type { PreparedTarget, GitHub } from '../github.js'
import type { AlertRef } from '../leaks/scan.js'
import { intentTagKey } from '../marks.js'
import type { AbandonedStatus } from '../plan.js'
import type { Clock } from '../clock.js'
import type { Settings } from '../settings.js'
import type { SmokeGate, SmokeOutcome } from '../smoke/workflow.js'
import type { Snapshot } from '../snapshot.js'

/** How a key was found lost: switched off, gone, or rejected when the run signed with it. */
export type LostStatus = AbandonedStatus | 'rejected'

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
  readonly github: GitHub
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
  /** Secret scanning alerts this run resolved as revoked. */
  readonly resolvedAlerts: AlertRef[]
  /** Alerts of deactivated keys this run could not resolve (warned, with links). */
  readonly openAlerts: AlertRef[]
  /** A key this run wrote or relied on, found deactivated or deleted by someone meanwhile. */
  lostKey: { readonly keyId: string; readonly status: LostStatus } | undefined
}

/**
 * What one run of the steps knows and has done: every step executor reads and updates this one
 * object, so what passes from step to step is explicit.
 */
export interface Run {
  readonly context: ApplyContext
  readonly user: string
  readonly result: ApplyResult
  /**
   * The client for the key steps. Self-rotation switches it to the new key once verified, so
   * the previous key may be deactivated; calls that must sign with the run's own credentials
   * (cleaning up a key no target holds) use `context.aws`.
   */
  aws: Aws
  /** When this run marked a key distributed: deactivate-after counts from then, gate or not. */
  distributedAt: number | undefined
  /** When this run began writing its new key: its own calls with the previous key came before. */
  distributionStartedAt: number | undefined
  /**
   * Until when this run holds the key it rotates or heals (its marks say so): other runs leave
   * the key alone until then, so this run writes no target and runs no gate past it.
   */
  holdUntil: number | undefined
  /**
   * Who signs the re-reads in self-rotation once the new key is verified: the new key, through a
   * client that never retries a rejection, so the previous key's last use stays the world's.
   * Undefined: the run's own credentials (context.aws, context.signing).
   */
  recheckSigner: { readonly aws: Aws; readonly keyId: string } | undefined
  /**
   * The tag key of this run's intent mark (see marks.ts): no other run writes it. The shared key
   * of earlier releases when the policy allows only that one.
   */
  intentTagKey: string
  /** The intent this run last wrote. */
  announced: string | undefined
}

export function startRun(context: ApplyContext): Run {
  return {
    context,
    user: context.snapshot.userName,
    aws: context.aws,
    distributedAt: undefined,
    distributionStartedAt: undefined,
    holdUntil: undefined,
    recheckSigner: undefined,
    intentTagKey: intentTagKey(context.settings.run, randomUUID().slice(0, 8)),
    announced: undefined,
    result: {
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
      permissionProblems: [],
      resolvedAlerts: [],
      openAlerts: [],
      lostKey: undefined
    }
  }
}

/**
 * A side step failed (removing a tag). A passing fault is a warning; a missing permission
 * fails the run once everything else is done, so a person grants it before the user's 50 tags
 * fill up.
 */
export function sideProblem(run: Run, error: unknown, message: string): void {
  if (awsErrorCode(error) === 'AccessDenied') run.result.permissionProblems.push(message)
  else run.context.log.warning(message)
}

/** At most this many target failures in an error message; the step summary lists them all. */
const FAILURES_IN_MESSAGE = 10

/** "3 of 300 targets failed: a; b; c", naming at most ten. */
export function briefly(failures: readonly string[], total: number): string {
  // A failure that ends a sentence loses its full stop to the separator.
  const named = someOf(
    failures.map(failure => failure.replace(/\.$/, '')),
    FAILURES_IN_MESSAGE,
    '; ',
    more => `; and ${more} more (the step summary lists them all)`
  )
  return `${failures.length} of ${total} targets failed: ${named}`
}
