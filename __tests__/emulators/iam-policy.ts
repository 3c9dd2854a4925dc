/**
 * IAM identity-policy evaluation for the emulator: an explicit Deny wins, then an Allow is
 * needed. Supports what the action's documented policies use, and refuses any other element
 * rather than ignoring it: Effect, Action / NotAction with `*` and `?` wildcards (case-
 * insensitive, as AWS matches actions), Resource with wildcards and `${aws:username}`.
 */
export interface PolicyDocument {
  Version: string
  Statement: PolicyStatement | PolicyStatement[]
}

export interface PolicyStatement {
  Sid?: string
  Effect: 'Allow' | 'Deny'
  Action?: string | string[]
  NotAction?: string | string[]
  Resource: string | string[]
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny'

const KNOWN = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource'])

export function checkPolicy(document: PolicyDocument): void {
  if (document.Version !== '2012-10-17') {
    throw new Error(`policy Version must be "2012-10-17", got ${JSON.stringify(document.Version)}`)
  }
  for (const statement of list(document.Statement)) {
    const unknown = Object.keys(statement).filter(key => !KNOWN.has(key))
    if (unknown.length > 0) {
      throw new Error(`the emulator does not evaluate ${unknown.join(', ')} in a policy statement`)
    }
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
      throw new Error(
        `policy Effect must be Allow or Deny, got ${JSON.stringify(statement.Effect)}`
      )
    }
    if ((statement.Action === undefined) === (statement.NotAction === undefined)) {
      throw new Error('a policy statement needs exactly one of Action and NotAction')
    }
  }
}

export function evaluate(
  documents: readonly PolicyDocument[],
  request: { action: string; resource: string; variables: Record<string, string | undefined> }
): Decision {
  let allowed = false
  for (const statement of documents.flatMap(document => list(document.Statement))) {
    const actionMatches =
      statement.Action !== undefined
        ? list(statement.Action).some(pattern => glob(pattern, request.action, true))
        : !list(statement.NotAction ?? []).some(pattern => glob(pattern, request.action, true))
    const resourceMatches = list(statement.Resource).some(pattern => {
      const expanded = substitute(pattern, request.variables)
      return expanded !== undefined && glob(expanded, request.resource, false)
    })
    if (!actionMatches || !resourceMatches) continue
    if (statement.Effect === 'Deny') return 'explicit-deny'
    allowed = true
  }
  return allowed ? 'allow' : 'implicit-deny'
}

function list<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value]
}

/** `${aws:username}` and friends; a variable with no value makes the pattern match nothing. */
function substitute(
  pattern: string,
  variables: Record<string, string | undefined>
): string | undefined {
  let missing = false
  const expanded = pattern.replace(/\$\{([^}]+)\}/g, (_all, name: string) => {
    const value = variables[name.toLowerCase()]
    if (value === undefined) missing = true
    return value ?? ''
  })
  return missing ? undefined : expanded
}

function glob(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split('')
    .map(char =>
      char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\/]/g, '\\$&')
    )
    .join('')
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value)
}
