/** Reading AWS SDK errors, without loading the SDK (the bundle loads it only when needed). */

/** The AWS error code (the SDK names some errors `...Exception`; `Code` keeps the wire code). */
export function awsErrorCode(error: unknown): string | undefined {
  const candidate = error as { Code?: unknown; name?: unknown } | undefined
  if (typeof candidate?.Code === 'string') return candidate.Code
  return typeof candidate?.name === 'string' ? candidate.name : undefined
}

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException'
])

/** The HTTP status AWS answered with; undefined when no answer came (timeout, reset). */
export function awsStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode
}

/** Worth another try: throttling, a 5xx, or no answer at all (reset, timeout). */
export function isTransientAwsError(error: unknown): boolean {
  const status = awsStatus(error)
  if (status === undefined) return true
  return status >= 500 || status === 429 || THROTTLING_CODES.has(awsErrorCode(error) ?? '')
}
