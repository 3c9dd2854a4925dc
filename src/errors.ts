import { apiText } from './untrusted.js'

/**
 * A bad input: names the input and what is allowed. Its form is checked before anything touches
 * AWS or GitHub; what only AWS knows (a user that does not exist) is raised once IAM answered.
 */
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

/** An error in words, printable: its message is often an API's (GitHub's, AWS's) text. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { Code?: string; code?: string }).Code
    const message =
      code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message
    return apiText(`${message}${permissionAdvice(code ?? error.name, error.message)}`)
  }
  return apiText(error)
}

/** AWS names the permission it refused; say where to grant it, or why a grant did not apply. */
function permissionAdvice(code: string, message: string): string {
  if (code !== 'AccessDenied') return ''
  const permission = /not authorized to perform: (\S+)/.exec(message)?.[1]
  if (!permission) return ''
  if (/with an explicit deny/.test(message)) {
    return ` (A policy denies ${permission} explicitly, and an explicit Deny wins over every Allow. If it is AWS's quarantine policy (AWSCompromisedKeyQuarantine…), leave it and rotate from an IAM role; otherwise remove or narrow that Deny.)`
  }
  if (permission === 'iam:ListUsers') {
    return ' (The audit lists users with iam:ListUsers on the path it names: policies/admin-rotation.json allows it under /deploy/ only, so audit /deploy/ or a path below it, or grant iam:ListUsers on arn:aws:iam::*:user/YOUR/PATH/* (or on arn:aws:iam::*:user/* if AWS still refuses: which ARN it checks is not documented).)'
  }
  const grant = `${permission} to the AWS credentials this workflow uses: policies/self-rotation.json and policies/admin-rotation.json list every permission the action needs.`
  const outside = permission === 'iam:GetUser' ? pathAdvice(message) : undefined
  return outside ? ` (${outside} Otherwise grant ${grant})` : ` (Grant ${grant})`
}

/**
 * GetUser is the first call that names the user. Refused to anyone but the user itself (admin
 * mode), the usual cause is the shipped admin policy's Resource, which covers only users under
 * the IAM path /deploy/, not a missing grant.
 */
function pathAdvice(message: string): string | undefined {
  const user = refusedUser(message)
  const caller = /User: (\S+) is not authorized/.exec(message)?.[1] ?? ''
  const self = caller.includes(':user/') && caller.split('/').pop() === user?.name
  if (!user || self || user.path === '/deploy/') return undefined
  const where = user.path
    ? `IAM user ${user.name} is under the path ${user.path}, but`
    : 'In admin mode,'
  return (
    `${where} policies/admin-rotation.json allows its actions only on users under the IAM path /deploy/: its Resource is arn:aws:iam::*:user/deploy/*. ` +
    `If ${user.name} is outside it, move the user (aws iam update-user --user-name ${user.name} --new-path /deploy/) or add its ARN to the policy's Resource.`
  )
}

/** The user an AccessDenied names: `on resource: user NAME`, or its ARN, which holds the path. */
function refusedUser(message: string): { name: string; path?: string } | undefined {
  const named = /on resource: user ([\w+=,.@-]+)/.exec(message)?.[1]
  if (named) return { name: named }
  const arn = /on resource: arn:[\w-]+:iam::\d*:user(\/(?:[^\s/]+\/)*)([\w+=,.@-]+)/.exec(message)
  return arn?.[1] && arn[2] ? { name: arn[2], path: arn[1] } : undefined
}

/** The HTTP status of an Octokit error (or anything with a numeric `status`). */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status
  return typeof status === 'number' ? status : undefined
}

/** Root credentials: refused as soon as they are seen (observe), and by the planner. */
export const ROOT_REFUSAL =
  'The credentials belong to the AWS account root user. AWS advises against root access keys; ' +
  'rotate an IAM user with its own credentials or an IAM role instead, and delete the root access key.'
