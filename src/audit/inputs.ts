import { parseDuration } from '../duration.js'
import { InputError } from '../errors.js'

/** What an audit can fail the run on (audit-fail-on); by default an audit only reports. */
export const AUDIT_FINDINGS = [
  'quarantined',
  'leaked',
  'stuck',
  'refused',
  'overdue',
  'unscheduled',
  'two-active',
  'person-key',
  'unmanaged',
  'unused'
] as const
export type AuditFinding = (typeof AUDIT_FINDINGS)[number]

/** Which users: every user under an IAM path, or the users named. */
export type AuditScope =
  | { readonly kind: 'path'; readonly pathPrefix: string }
  | { readonly kind: 'names'; readonly names: readonly string[] }

export interface AuditSettings {
  readonly scope: AuditScope
  readonly failOn: readonly AuditFinding[]
  /** An active key unused this long (and at least this old) is "unused". */
  readonly unusedAfterMs: number
}

type AuditInput = (name: 'audit' | 'audit-fail-on' | 'audit-unused-after') => string

const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/
// ListUsers' PathPrefix: `/`, or `/.../` of ASCII ! to DEL, at most 512 characters.
const PATH_PREFIX = /^\/([\x21-\x7f]*\/)?$/

/** The audit inputs; undefined when `audit` is empty (the run rotates). */
export function readAudit(
  input: AuditInput,
  iamUserName: string | undefined
): AuditSettings | undefined {
  const audit = input('audit')
  const failOnText = input('audit-fail-on')
  if (audit === '') {
    if (failOnText !== '') {
      throw new InputError('audit-fail-on', 'is set, but audit is not: name the users to audit')
    }
    return undefined
  }
  if (iamUserName !== undefined) {
    throw new InputError(
      'iam-user-name',
      'is set together with audit: an audit changes nothing and reads the users audit names; give one of the two'
    )
  }
  return {
    scope: readScope(audit),
    failOn: readFailOn(failOnText),
    unusedAfterMs: readUnusedAfter(input('audit-unused-after'))
  }
}

function readScope(audit: string): AuditScope {
  if (audit.startsWith('/')) {
    if (audit.length > 512 || !PATH_PREFIX.test(audit)) {
      throw new InputError(
        'audit',
        `'${audit.slice(0, 80)}' is not an IAM path prefix: write / or a path that begins and ends with / (for example /deploy/)`
      )
    }
    return { kind: 'path', pathPrefix: audit }
  }
  const names = [...new Set(audit.split(/[\s,]+/).filter(name => name !== ''))]
  const wrong = names.find(name => !IAM_USER_NAME.test(name))
  if (wrong !== undefined) {
    throw new InputError(
      'audit',
      `'${wrong.slice(0, 80)}' is not an IAM user name (1-64 letters, digits and + = , . @ _ -); give a path such as /deploy/ or user names, one per line`
    )
  }
  return { kind: 'names', names }
}

function readFailOn(text: string): AuditFinding[] {
  const words = [...new Set(text.split(/[\s,]+/).filter(word => word !== ''))]
  const wrong = words.find(word => !(AUDIT_FINDINGS as readonly string[]).includes(word))
  if (wrong !== undefined) {
    throw new InputError(
      'audit-fail-on',
      `'${wrong.slice(0, 80)}' is not a finding; choose from ${AUDIT_FINDINGS.join(', ')}`
    )
  }
  return words as AuditFinding[]
}

function readUnusedAfter(text: string): number {
  const ms = parseDuration(text)
  if (ms === undefined || ms < 86_400_000) {
    throw new InputError(
      'audit-unused-after',
      `'${text.slice(0, 80)}' is not a duration of a day or more (for example 45d)`
    )
  }
  return ms
}
