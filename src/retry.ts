import type { Clock } from './clock.js'

/**
 * Growing delays: `firstMs`, then `growth` times the last, at most `capMs`. The defaults are
 * retryUntil's (250 ms, x1.5, at most half a second: a longer cap would add its length to every
 * rotation while IAM catches up with a new key).
 */
export function backoff(attempt: number, firstMs = 250, capMs = 500, growth = 1.5): number {
  return Math.min(capMs, Math.round(firstMs * growth ** attempt))
}

/** AWS answers this for a key that exists but has not propagated to the endpoint yet. */
export function isYoungKeyRejection(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name
  return name === 'InvalidClientTokenId'
}

/**
 * Calls `fn` until it succeeds, retrying only errors that `retryable` accepts, until `deadline`
 * (clock ms). The SDK's own strategy retries throttling and 5xx; this is for what it does not.
 */
export async function retryUntil<T>(
  fn: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  deadline: number,
  clock: Clock
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      const wait = backoff(attempt)
      if (!retryable(error) || clock.now() + wait > deadline) throw error
      await clock.sleep(wait)
    }
  }
}
