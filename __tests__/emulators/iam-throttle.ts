/**
 * IAM's request throttling, as a token bucket per account. AWS throttles IAM with HTTP 400,
 * error code `Throttling`, message "Rate exceeded" (the Query API's common errors:
 * https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html) and publishes no rate
 * for IAM's reads, so the rate is the test's to choose; the SDKs retry `Throttling` with backoff
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
 */
export interface ThrottleRate {
  /** Requests a second, sustained. */
  readonly perSecond: number
  /** Requests that may come at once after a quiet while. */
  readonly burst: number
}

export interface Throttle {
  /** True when the request may go on; false: answer Throttling. */
  take(): boolean
  /** Requests refused so far. */
  readonly refused: number
}

export function createThrottle(rate: ThrottleRate, now: () => number = Date.now): Throttle {
  let tokens = rate.burst
  let filledAt = now()
  let refused = 0
  return {
    take() {
      const at = now()
      tokens = Math.min(rate.burst, tokens + ((at - filledAt) / 1000) * rate.perSecond)
      filledAt = at
      if (tokens >= 1) {
        tokens -= 1
        return true
      }
      refused += 1
      return false
    },
    get refused() {
      return refused
    }
  }
}
