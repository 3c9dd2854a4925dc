import type { Settings } from './settings.js'

/**
 * How long a run may hold a key it is rotating, by its own settings, and the moment it stops
 * starting writes so that it is done by then. The run writes the end of its hold into its marks
 * (`until=`); another run leaves the key alone until then, unless GitHub shows the holder
 * completed. The holder keeps the promise itself: past its cutoff it writes no target.
 */
export type HoldSettings = Pick<
  Settings,
  'verifyTimeoutMs' | 'rateLimitBudgetMs' | 'smokeTimeoutMs' | 'requestTimeoutMs'
>

/** CreateAccessKey with its retries, the marks around it, and the observe before it. */
const CREATE_ALLOWANCE_MS = 2 * 60_000
/** The fan-out at GitHub's pace apart from rate-limit waits: a floor, and a pace per target. */
const WRITE_FLOOR_MS = 15 * 60_000
const PER_TARGET_MS = 2_000
/** Dispatching the smoke workflow and finding its run, beyond smoke-timeout. */
const GATE_ALLOWANCE_MS = 5 * 60_000
/** One pair's two PUTs, each retried up to 3 times (plugin-retry) with a request-timeout each. */
const PUTS_PER_PAIR = 2
const ATTEMPTS_PER_PUT = 4
/** Slack for the last pair's pacing waits and the marks after the writes. */
const CUTOFF_SLACK_MS = 60_000

/** The longest this run may hold a key: verify, create, write every target, gate. */
export function holdMs(settings: HoldSettings, targets: number, gated: boolean): number {
  return (
    settings.verifyTimeoutMs +
    CREATE_ALLOWANCE_MS +
    WRITE_FLOOR_MS +
    targets * PER_TARGET_MS +
    settings.rateLimitBudgetMs +
    (gated ? gateHoldMs(settings) : 0)
  )
}

/** A gate alone: the smoke run within smoke-timeout, and dispatching and finding it. */
export function gateHoldMs(settings: Pick<Settings, 'smokeTimeoutMs'>): number {
  return settings.smokeTimeoutMs + GATE_ALLOWANCE_MS
}

/** The longest one target's pair write can take once started (timeouts and retries). */
export function pairWriteMs(settings: Pick<Settings, 'requestTimeoutMs'>): number {
  return PUTS_PER_PAIR * ATTEMPTS_PER_PUT * settings.requestTimeoutMs + CUTOFF_SLACK_MS
}

/** The last moment a run holding a key until `holdUntil` may start writing a target. */
export function writeCutoff(holdUntil: number, settings: Pick<Settings, 'requestTimeoutMs'>) {
  return holdUntil - pairWriteMs(settings)
}
