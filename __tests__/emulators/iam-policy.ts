/**
 * IAM identity-policy evaluation for the emulator: an explicit Deny wins, then an Allow is
 * needed. Supports what the action's documented policies use, and refuses any other element
 * rather than ignoring it: Effect, Action / NotAction with `*` and `?` wildcards (case-
 * insensitive, as AWS matches actions), Resource with wildcards and `${aws:username}`, and a
 * Condition on the request's tag keys (`aws:TagKeys` under ForAllValues:StringLike or
 * ForAllValues:StringEquals).
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
  /** Operator -> context key -> values; every operator and key must hold. */
  Condition?: Record<string, Record<string, string | string[]>>
}

/** What the request carries besides its action and resource. */
export interface PolicyRequest {
  action: string
  resource: string
  variables: Record<string, string | undefined>
  /** TagUser's tag keys, UntagUser's TagKeys; undefined for other actions. */
  tagKeys?: readonly string[] | undefined
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny'

const KNOWN = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'Condition'])
// The condition operators evaluated; string values compare case-sensitively, as in AWS.
const SET_OPERATORS: Record<string, (pattern: string, value: string) => boolean> = {
  'ForAllValues:StringLike': (pattern, value) => glob(pattern, value, false),
  'ForAllValues:StringEquals': (pattern, value) => pattern === value
}
// The request's values per context key; AWS matches key names case-insensitively.
const CONTEXT: Record<string, (request: PolicyRequest) => readonly string[]> = {
  'aws:tagkeys': request => request.tagKeys ?? []
}

/**
 * The grammar every policy shares, identity or trust: its Version, only the statement elements
 * the emulator evaluates (never one ignored), and an Effect of Allow or Deny.
 */
export function checkGrammar(
  version: string,
  statements: readonly object[],
  known: ReadonlySet<string>,
  kind: string
): void {
  if (version !== '2012-10-17') {
    throw new Error(`policy Version must be "2012-10-17", got ${JSON.stringify(version)}`)
  }
  for (const statement of statements) {
    const unknown = Object.keys(statement).filter(key => !known.has(key))
    if (unknown.length > 0) {
      throw new Error(`the emulator does not evaluate ${unknown.join(', ')} in a ${kind} statement`)
    }
    const effect = (statement as { Effect?: unknown }).Effect
    if (effect !== 'Allow' && effect !== 'Deny') {
      throw new Error(`policy Effect must be Allow or Deny, got ${JSON.stringify(effect)}`)
    }
  }
}

export function checkPolicy(document: PolicyDocument): void {
  checkGrammar(document.Version, list(document.Statement), KNOWN, 'policy')
  for (const statement of list(document.Statement)) {
    if ((statement.Action === undefined) === (statement.NotAction === undefined)) {
      throw new Error('a policy statement needs exactly one of Action and NotAction')
    }
    checkCondition(statement.Condition ?? {})
  }
}

function checkCondition(condition: NonNullable<PolicyStatement['Condition']>): void {
  for (const [operator, keys] of Object.entries(condition)) {
    if (!Object.hasOwn(SET_OPERATORS, operator)) {
      throw new Error(`the emulator does not evaluate the condition operator ${operator}`)
    }
    const unknown = Object.keys(keys).filter(key => !Object.hasOwn(CONTEXT, key.toLowerCase()))
    if (unknown.length > 0) {
      throw new Error(`the emulator does not evaluate the condition key ${unknown.join(', ')}`)
    }
  }
}

export function evaluate(documents: readonly PolicyDocument[], request: PolicyRequest): Decision {
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
    if (!conditionHolds(statement.Condition ?? {}, request)) continue
    if (statement.Effect === 'Deny') return 'explicit-deny'
    allowed = true
  }
  return allowed ? 'allow' : 'implicit-deny'
}

/**
 * ForAllValues: every value the request carries matches one of the policy's. A request with no
 * value at all passes, as AWS documents; TagUser and UntagUser always carry their keys.
 */
function conditionHolds(
  condition: NonNullable<PolicyStatement['Condition']>,
  request: PolicyRequest
): boolean {
  return Object.entries(condition).every(([operator, keys]) => {
    const matches = Object.hasOwn(SET_OPERATORS, operator) ? SET_OPERATORS[operator] : undefined
    return Object.entries(keys).every(([key, patterns]) => {
      const name = key.toLowerCase()
      const values = Object.hasOwn(CONTEXT, name) ? CONTEXT[name]?.(request) : undefined
      if (!matches || !values) return false
      return values.every(value => list(patterns).some(pattern => matches(pattern, value)))
    })
  })
}

export function list<T>(value: T | T[]): T[] {
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

/** IAM's wildcards: `*` any run of characters, `?` one. */
export function glob(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split('')
    .map(char =>
      char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\/]/g, '\\$&')
    )
    .join('')
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value)
}
