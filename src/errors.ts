/** A bad input: names the input and what is allowed. Raised before anything touches AWS or GitHub. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    detail: string
  ) {
    super(`Input '${input}': ${detail}`)
    this.name = 'InputError'
  }
}

/** The action decided not to act: the state is one a person has to look at first. */
export class Refusal extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Refusal'
  }
}

/** A step failed after something changed: the message says what state was left behind. */
export class StepFailure extends Error {
  /** Set when a key AWS may have made for this run is unchecked: its intent mark must stay. */
  readonly keepIntent: boolean
  constructor(message: string, options?: { cause?: unknown; keepIntent?: boolean }) {
    super(message, options)
    this.name = 'StepFailure'
    this.keepIntent = options?.keepIntent ?? false
  }
}

/** Another run got there first: not a failure, a notice; nothing was changed. */
export class Yield extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Yield'
  }
}

/** A GitHub target could not be read or written; the message names it and what to do. */
export class TargetError extends Error {
  constructor(
    readonly target: string,
    message: string,
    readonly status?: number,
    /** Set when one secret of the pair was written and the other was not: a mismatched pair. */
    readonly halfWritten?: string
  ) {
    super(message)
    this.name = 'TargetError'
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { Code?: string; code?: string }).Code
    const message =
      code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message
    return `${message}${permissionAdvice(code ?? error.name, error.message)}`
  }
  return String(error)
}

/** AWS names the permission it refused; say where to grant it. */
function permissionAdvice(code: string, message: string): string {
  if (code !== 'AccessDenied') return ''
  const permission = /not authorized to perform: (\S+)/.exec(message)?.[1]
  if (!permission) return ''
  return ` (Grant ${permission} to the AWS credentials this workflow uses: policies/self-rotation.json and policies/admin-rotation.json list every permission the action needs.)`
}

/** The HTTP status of an Octokit error (or anything with a numeric `status`). */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status
  return typeof status === 'number' ? status : undefined
}
