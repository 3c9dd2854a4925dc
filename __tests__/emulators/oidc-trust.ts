/**
 * A role's trust policy as STS evaluates it for AssumeRoleWithWebIdentity: the caller presents
 * an OIDC token from a provider registered in IAM, and the role may be assumed when a statement
 * names that provider (`Principal.Federated`), the action, and every condition holds on the
 * token's claims. Explicit Deny wins, then an Allow is needed. Like iam-policy.ts it refuses any
 * element, operator or key it does not evaluate rather than ignoring it.
 *
 * Sources:
 * - AWS, IAM JSON policy elements: Condition operators
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
 *   StringEquals is an exact, case-sensitive match; StringLike is case-sensitive with `*`
 *   (any run of characters) and `?` (one character). A condition on a key the request does not
 *   carry is false (the `...IfExists` variants, not evaluated here, differ).
 * - AWS, Conditions with multiple context keys or values
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html):
 *   several operators are ANDed, several keys under one operator are ANDed, several values of
 *   one key are ORed.
 * - AWS, Available keys for AWS OIDC federation
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif):
 *   the token's claims as `<provider host>:aud` and `<provider host>:sub`; GitHub's OIDC in AWS
 *   says AWS evaluates no custom claims
 *   (https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws).
 * - The `sub` claim's forms: GitHub's OpenID Connect reference
 *   (https://docs.github.com/en/actions/reference/security/oidc), legacy
 *   `repo:OWNER/REPO:ref:refs/heads/main`; and the configure-aws-credentials README, "Immutable
 *   subject claims": repositories created on github.com on or after 15 July 2026 (and older ones
 *   that opt in) send `repo:OWNER@OWNER_ID/REPO@REPO_ID:ref:refs/heads/main`
 *   (shared/FACTS.md, "OIDC subject claims").
 */
import { checkGrammar, glob, list } from './iam-policy.js'
export interface TrustPolicy {
  Version: string
  Statement: TrustStatement | TrustStatement[]
}

export interface TrustStatement {
  Sid?: string
  Effect: 'Allow' | 'Deny'
  Principal: { Federated: string | string[] }
  Action: string | string[]
  /** Operator -> context key -> values; every operator and key must hold, any value may. */
  Condition?: Record<string, Record<string, string | string[]>>
}

/** An AssumeRoleWithWebIdentity call: the provider that issued the token, and its claims. */
export interface WebIdentityRequest {
  /** The provider's ARN in IAM: arn:aws:iam::ACCOUNT:oidc-provider/HOST */
  provider: string
  /** The token's claims; only `aud` and `sub` reach the policy. */
  claims: { aud?: string; sub?: string }
}

export type TrustDecision = 'allow' | 'explicit-deny' | 'implicit-deny'

const ACTION = 'sts:AssumeRoleWithWebIdentity'
const KNOWN = new Set(['Sid', 'Effect', 'Principal', 'Action', 'Condition'])
const CLAIMS = ['aud', 'sub'] as const
const OPERATORS: Record<string, (pattern: string, value: string) => boolean> = {
  StringEquals: (pattern, value) => pattern === value,
  StringLike: (pattern, value) => glob(pattern, value, false)
}

/** Throws on anything the evaluator would otherwise have to ignore. */
export function checkTrustPolicy(policy: TrustPolicy): void {
  checkGrammar(policy.Version, list(policy.Statement), KNOWN, 'trust')
  for (const statement of list(policy.Statement)) {
    const principals = Object.keys(statement.Principal ?? {})
    if (principals.length !== 1 || principals[0] !== 'Federated') {
      throw new Error('the emulator evaluates only a Federated principal in a trust statement')
    }
    for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
      if (!Object.hasOwn(OPERATORS, operator)) {
        throw new Error(`the emulator does not evaluate the condition operator ${operator}`)
      }
      for (const key of Object.keys(keys)) {
        if (claimOf(key) === undefined) {
          throw new Error(`the emulator does not evaluate the condition key ${key}`)
        }
      }
    }
  }
}

/** What STS decides for `request` under the role's trust policy. */
export function assumeRoleWithWebIdentity(
  policy: TrustPolicy,
  request: WebIdentityRequest
): TrustDecision {
  const host = request.provider.replace(/^arn:aws:iam::\d{12}:oidc-provider\//, '')
  let allowed = false
  for (const statement of list(policy.Statement)) {
    if (!list(statement.Principal.Federated).includes(request.provider)) continue
    if (!list(statement.Action).some(pattern => glob(pattern, ACTION, true))) continue
    if (!conditionHolds(statement.Condition ?? {}, host, request.claims)) continue
    if (statement.Effect === 'Deny') return 'explicit-deny'
    allowed = true
  }
  return allowed ? 'allow' : 'implicit-deny'
}

function conditionHolds(
  condition: NonNullable<TrustStatement['Condition']>,
  host: string,
  claims: WebIdentityRequest['claims']
): boolean {
  return Object.entries(condition).every(([operator, keys]) => {
    const matches = Object.hasOwn(OPERATORS, operator) ? OPERATORS[operator] : undefined
    return Object.entries(keys).every(([key, patterns]) => {
      const claim = claimOf(key, host)
      const value = claim === undefined ? undefined : claims[claim]
      if (!matches || value === undefined) return false
      return list(patterns).some(pattern => matches(pattern, value))
    })
  })
}

/**
 * `HOST:aud` -> `aud`. Key names match case-insensitively, as AWS matches them; without `host`
 * any provider's prefix is accepted (the check, before a request names the provider).
 */
function claimOf(key: string, host?: string): (typeof CLAIMS)[number] | undefined {
  const at = key.lastIndexOf(':')
  if (at <= 0) return undefined
  if (host !== undefined && key.slice(0, at).toLowerCase() !== host.toLowerCase()) return undefined
  const claim = key.slice(at + 1).toLowerCase()
  return CLAIMS.find(known => known === claim)
}
