import { type Clock } from './clock.js'
import { isYoungKeyRejection } from './retry.js'

export interface VerifyOptions {
  /** STS GetCallerIdentity signed with the new key: resolves to the ARN, or rejects. */
  probe(): Promise<string>
  expectedArn: string
  timeoutMs: number
  clock: Clock
  /** Consecutive acceptances required: one endpoint accepting does not mean the next will. */
  confirmations?: number
  /** Pause between confirmations. */
  confirmIntervalMs?: number
  onRejected?(attempt: number, elapsedMs: number): void
  /** Checked between attempts: the run was cancelled. */
  shouldStop?(): boolean
}

export type VerifyResult =
  | { readonly ok: true; readonly attempts: number; readonly elapsedMs: number }
  | {
      readonly ok: false
      readonly reason: string
      readonly attempts: number
      readonly elapsedMs: number
    }

// Every poll interval is added, on average half of it, to every rotation: GetCallerIdentity is
// free and not throttled at four calls a second, so poll steadily. Three acceptances 150 ms apart
// confirm that more than one endpoint has the key.
const POLL_MS = 250
const CONFIRM_INTERVAL_MS = 150

/**
 * Waits until AWS accepts the new key: polls every 250 ms (so the wait ends
 * within about half a second of acceptance), then requires several acceptances in a row and
 * starts over on any rejection.
 */
export async function verifyNewKey(options: VerifyOptions): Promise<VerifyResult> {
  const { clock, expectedArn, timeoutMs } = options
  const confirmations = options.confirmations ?? 3
  const confirmIntervalMs = options.confirmIntervalMs ?? CONFIRM_INTERVAL_MS
  const start = clock.now()
  const deadline = start + timeoutMs
  let attempts = 0
  let accepted = 0
  /** Why the last check failed; a later acceptance makes it history. */
  let lastProblem = ''
  for (;;) {
    attempts++
    try {
      const arn = await options.probe()
      if (arn !== expectedArn) {
        return {
          ok: false,
          reason: `STS says the new key belongs to ${arn}, not ${expectedArn}`,
          attempts,
          elapsedMs: clock.now() - start
        }
      }
      accepted++
      if (accepted >= confirmations) return { ok: true, attempts, elapsedMs: clock.now() - start }
    } catch (error) {
      accepted = 0
      lastProblem = isYoungKeyRejection(error)
        ? 'AWS still answered InvalidClientTokenId (the key had not propagated)'
        : `the last check failed: ${(error as Error).message}`
      options.onRejected?.(attempts, clock.now() - start)
    }
    if (options.shouldStop?.()) {
      return {
        ok: false,
        reason: 'the run was cancelled',
        attempts,
        elapsedMs: clock.now() - start
      }
    }
    const wait = accepted > 0 ? confirmIntervalMs : POLL_MS
    if (clock.now() + wait > deadline) {
      // Mid-confirmation, the last rejection is history: say how far the acceptances got.
      const reason =
        accepted === 0
          ? lastProblem
          : `AWS accepted the key ${accepted} time(s) in a row, not the ${confirmations} needed, before the time ran out`
      return { ok: false, reason, attempts, elapsedMs: clock.now() - start }
    }
    await clock.sleep(wait)
  }
}
