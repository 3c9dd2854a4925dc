/**
 * Tokens and what they may do: a fine-grained personal access token or a GitHub App's token sees
 * the repositories and organizations it was granted, and each route needs a permission
 * ("Permissions required for fine-grained personal access tokens":
 * https://docs.github.com/rest/authentication/permissions-required-for-fine-grained-personal-access-tokens).
 * A repository the token cannot see answers 404; a missing permission 403 "Resource not
 * accessible by ..." with x-accepted-github-permissions. The workflow's GITHUB_TOKEN reads its
 * repository's code and runs and never has a secrets permission. Every answer carries the
 * primary rate limit's headers (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api).
 */
import type { GitHubEmulator } from '../github.js'
import { errorReply, type Reply } from './wire.js'

export type SecretsAccess = 'write' | 'read' | 'none'
export type TokenKind = 'pat' | 'app' | 'github-token'

/** GitHub App permission names; a fine-grained PAT has the same ones under display names. */
export type Permission =
  | 'secrets'
  | 'environments'
  | 'dependabot_secrets'
  | 'actions'
  | 'organization_secrets'
  | 'organization_dependabot_secrets'
  | 'codespaces_secrets'
  | 'organization_codespaces_secrets'
  | 'contents'
  /** Fine-grained PAT: the repository permission "Secret scanning alerts". */
  | 'secret_scanning_alerts'
  /** The repository permission "Issues". */
  | 'issues'

export interface TokenGrant {
  repos: string[] | '*'
  /** Organizations the token may act on (organization permissions). Default: every one. */
  orgs?: string[] | '*'
  /**
   * The token's owner's role in its organizations. GitHub serves an organization's secret
   * scanning alert list only to an owner or a security manager ("List secret scanning alerts
   * for an organization": "you must be an administrator or security manager for the
   * organization"). Default: owner.
   */
  orgRole?: 'owner' | 'security-manager' | 'member'
  /** The repository permission "Secrets". */
  secrets: SecretsAccess
  /** 'github-token' is the workflow's GITHUB_TOKEN: it never has a secrets permission. */
  kind?: TokenKind
  /** The repository permission "Actions" (reading workflow runs). Default: none. */
  actions?: 'read' | 'none'
  /**
   * Further permissions; unset ones are none. actions: 'write' dispatches and enables
   * workflows; contents: 'read' reads files; secret_scanning_alerts: 'read' lists alerts,
   * 'write' resolves them.
   */
  permissions?: Partial<Record<Permission, SecretsAccess>>
}

export interface Token {
  grant: TokenGrant
  kind: TokenKind
  used: number
  resetAt: number
}

/** What GitHub requires of the token on a route, beyond seeing the repository or organization. */
export interface Need {
  permission: Permission | 'none'
  access: 'read' | 'write'
}

export const read = (permission: Permission | 'none'): Need => ({ permission, access: 'read' })
export const write = (permission: Permission): Need => ({ permission, access: 'write' })

/**
 * Who a token's changes are made by (an alert's resolved_by, an issue's author). Tokens carry
 * no user here, so every token acts as this one stable login.
 */
export const CALLER_LOGIN = 'rotation-bot'

const RATE_LIMITS: Record<TokenKind | 'anonymous', number> = {
  pat: 5000,
  app: 5000,
  'github-token': 1000,
  anonymous: 60
}

/** Whether the token may see the repository or organization a route names. */
export function canSee(
  token: Token,
  place: { repo?: { fullName: string }; org?: { login: string } }
): boolean {
  if (place.org) {
    const orgs = token.grant.orgs ?? '*'
    return (
      orgs === '*' || orgs.some(login => login.toLowerCase() === place.org?.login.toLowerCase())
    )
  }
  const repo = place.repo
  return (
    repo !== undefined &&
    (token.grant.repos === '*' ||
      token.grant.repos.some(name => name.toLowerCase() === repo.fullName.toLowerCase()))
  )
}

function accessOf(token: Token, permission: Permission): SecretsAccess {
  if (permission === 'actions') {
    if (token.kind === 'github-token') return 'read'
    return token.grant.permissions?.actions ?? (token.grant.actions === 'read' ? 'read' : 'none')
  }
  // The workflow's GITHUB_TOKEN reads its repository's code and has no secrets permission.
  if (token.kind === 'github-token') return permission === 'contents' ? 'read' : 'none'
  if (permission === 'secrets') return token.grant.permissions?.secrets ?? token.grant.secrets
  return token.grant.permissions?.[permission] ?? 'none'
}

export function allows(token: Token, need: Need): boolean {
  if (need.permission === 'none') return true
  const access = accessOf(token, need.permission)
  return need.access === 'read' ? access !== 'none' : access === 'write'
}

/** GitHub's 403 for a token without the permission a route needs. */
export function notAccessible(token: Token, need: Need, docs: string): Reply {
  const who = token.kind === 'pat' ? 'personal access token' : 'integration'
  return errorReply(403, `Resource not accessible by ${who}`, docs, {
    'x-accepted-github-permissions': `${need.permission}=${need.access}`
  })
}

/** The primary rate limit's headers; a request without a token counts against the address. */
export function rateHeaders(
  token: Token | undefined,
  anonymous: { used: number; resetAt: number }
): Record<string, string> {
  const limit = RATE_LIMITS[token?.kind ?? 'anonymous']
  const used = token ? token.used : anonymous.used
  return {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(Math.max(0, limit - used)),
    'x-ratelimit-reset': String(token ? token.resetAt : anonymous.resetAt),
    'x-ratelimit-used': String(used),
    'x-ratelimit-resource': 'core'
  }
}

export function tokenControls(tokens: Map<string, Token>): Pick<GitHubEmulator, 'addToken'> {
  return {
    addToken(token, grant) {
      tokens.set(token, {
        grant: { ...grant, repos: grant.repos === '*' ? '*' : [...grant.repos] },
        kind: grant.kind ?? 'pat',
        used: 0,
        resetAt: Math.floor(Date.now() / 1000) + 3600
      })
    }
  }
}
