/**
 * Wire-level emulator of GitHub's REST API for secrets: repository, environment, organization
 * and Dependabot scopes, with organization secret visibility and selected repositories, a
 * secondary rate limit on a scaled clock, and an optional base path (GitHub Enterprise Server).
 *
 * It holds real libsodium key pairs and opens every sealed box it receives, so a client that
 * encrypts wrongly fails here as it would on GitHub. Status codes, bodies and messages follow
 * GitHub's (see the messages below); anything GitHub rejects is rejected.
 */
import { createServer, STATUS_CODES } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes, randomInt } from 'node:crypto'
import sodium from 'libsodium-wrappers'

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

export interface TokenGrant {
  repos: string[] | '*'
  /** Organizations the token may act on (organization permissions). Default: every one. */
  orgs?: string[] | '*'
  /** The repository permission "Secrets". */
  secrets: SecretsAccess
  /** 'github-token' is the workflow's GITHUB_TOKEN: it never has a secrets permission. */
  kind?: TokenKind
  /** The repository permission "Actions" (reading workflow runs). Default: none. */
  actions?: 'read' | 'none'
  /** Further permissions; unset ones are none. */
  permissions?: Partial<Record<Permission, SecretsAccess>>
}

/** Which secrets a route acts on. */
export type ScopeKind =
  | 'actions'
  | 'environment'
  | 'dependabot'
  | 'codespaces'
  | 'org-actions'
  | 'org-dependabot'
  | 'org-codespaces'

/** A scope, named as the tests name it. */
export type ScopeRef =
  | { kind: 'actions' | 'dependabot' | 'codespaces'; repo: string }
  | { kind: 'environment'; repo: string; environment: string }
  | { kind: 'org-actions' | 'org-dependabot' | 'org-codespaces'; org: string }

export interface OrgAccess {
  visibility: 'all' | 'private' | 'selected'
  selectedRepositoryIds: number[]
}

/**
 * GitHub's secondary rate limit, on a clock that tests may speed up: `pointsPerWindow` points
 * per `windowMs` (GitHub: 900 a minute, a GET costing 1 and a write 5) and `maxConcurrent`
 * requests at once (GitHub: 100).
 */
export interface SecondaryRateLimit {
  pointsPerWindow: number
  windowMs: number
  maxConcurrent: number
}

export type RunStatus = 'queued' | 'in_progress' | 'completed'

export type RouteName =
  | 'get-repo'
  | 'get-environment'
  | 'get-public-key'
  | 'put-secret'
  | 'get-secret'
  | 'list-secrets'
  | 'list-secret-repositories'
  | 'get-run-attempt'

export interface InterceptedCall {
  route: RouteName
  method: string
  path: string
  /** The repository (repository scopes), or undefined for organization routes. */
  repo?: string
  org?: string
  scope?: ScopeKind
  environment?: string
  secretName?: string
  token?: string
}

/** An error answer in GitHub's shape, a destroyed socket, or a delay before normal handling. */
export type Interception =
  | {
      status: number
      message?: string
      retryAfterSeconds?: number
      headers?: Record<string, string>
    }
  | { reset: true }
  | { delayMs: number }

export type Interceptor = (
  call: InterceptedCall
) => Interception | undefined | Promise<Interception | undefined>

/** One handled request. Never holds a secret value or a token. */
export interface RequestRecord {
  at: number
  method: string
  path: string
  route: RouteName | 'unknown'
  /** 0 when the socket was reset on purpose. */
  status: number
  repo?: string
  org?: string
  scope?: ScopeKind
  environment?: string
  secretName?: string
  /** The secondary rate limit refused it. */
  throttled?: boolean
}

export interface SecretState {
  value: string
  createdAt: Date
  updatedAt: Date
  /** Organization secrets only. */
  access?: OrgAccess
}

export interface RateLimitReport {
  /** Answers refused with a secondary rate limit. */
  throttled: number
  /**
   * Requests that arrived after a refusal had been answered and before its retry-after had
   * passed: a client that keeps going while GitHub asked it to stop.
   */
  ignoredRetryAfter: number
}

export interface GitHubEmulator {
  /** http://127.0.0.1:PORT + basePath: use as GITHUB_API_URL. */
  url: string
  close(): Promise<void>
  addRepo(fullName: string): void
  /** An organization: repositories whose owner it is belong to it. */
  addOrg(login: string): void
  addEnvironment(repo: string, name: string): void
  addToken(token: string, grant: TokenGrant): void
  /** The repository's numeric id, as selected_repository_ids use it. */
  repoId(repo: string): number
  /** Decrypted plaintext of the last accepted write (repository Actions secrets). */
  secret(repo: string, name: string): SecretState | undefined
  setSecret(repo: string, name: string, value: string): void
  /** Any scope; organization secrets carry their visibility and selection. */
  scopeSecret(scope: ScopeRef, name: string): SecretState | undefined
  setScopeSecret(scope: ScopeRef, name: string, value: string, access?: OrgAccess): void
  scopeHistory(scope: ScopeRef, name: string): Array<{ at: number; value: string }>
  /** Every value the secret held, in order. */
  history(repo: string, name: string): Array<{ at: number; value: string }>
  /** New key pair and key_id; writes sealed for the old key are then rejected. */
  rotatePublicKey(repo: string): void
  rateLimitReport(): RateLimitReport
  /** A workflow run attempt, as GET /repos/{o}/{r}/actions/runs/{id}/attempts/{n} shows it. */
  setRun(repo: string, runId: string, attempt: string, status: RunStatus): void
  hasRepo(repo: string): boolean
  /** Returns a function that removes the interceptor. */
  intercept(fn: Interceptor): () => void
  requests: RequestRecord[]
}

// GitHub's limits and messages.
const MAX_SECRET_BYTES = 48 * 1024
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/
const NAME_CHARS = /^[A-Za-z_][A-Za-z0-9_]*$/
const MSG_NAME_CHARS =
  'Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed. Must start with a letter ([a-z], [A-Z]) or underscores (_).'
const MSG_NAME_PREFIX = 'Secret names must not start with GITHUB_.'
const MSG_BAD_SEAL = 'Bad request - validation failed due to an improperly encrypted secret'
const MSG_TOO_LARGE = 'Failed to add secret. Value is too large.'
const DOCS = 'https://docs.github.com/rest'
const DOCS_SECRETS = 'https://docs.github.com/rest/actions/secrets'
const DOCS_RATE =
  'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits'
// Far above any real PUT (48 KB sealed and base64-encoded is about 65 KB).
const MAX_BODY_BYTES = 5 * 1024 * 1024
const RATE_LIMITS: Record<TokenKind | 'anonymous', number> = {
  pat: 5000,
  app: 5000,
  'github-token': 1000,
  anonymous: 60
}

interface StoredSecret {
  name: string
  value: string
  createdAt: Date
  updatedAt: Date
  access?: OrgAccess
}

let keyCounter = 0

/**
 * A holder of secrets under one key pair. Repository Actions secrets are one scope; environment,
 * organization and Dependabot secrets are further scopes of the same shape.
 */
class SecretScope {
  private keyId = ''
  private publicKey: Uint8Array = new Uint8Array()
  private privateKey: Uint8Array = new Uint8Array()
  private readonly secrets = new Map<string, StoredSecret>()
  private readonly histories = new Map<string, Array<{ at: number; value: string }>>()

  constructor() {
    this.rotateKey()
  }

  rotateKey(): void {
    const pair = sodium.crypto_box_keypair()
    this.publicKey = pair.publicKey
    this.privateKey = pair.privateKey
    // GitHub's key ids are long decimal strings; the counter keeps them unique.
    keyCounter += 1
    this.keyId = `${randomInt(100_000_000, 999_999_999)}${String(keyCounter).padStart(9, '0')}`
  }

  publicKeyJson(): { key_id: string; key: string } {
    return {
      key_id: this.keyId,
      key: sodium.to_base64(this.publicKey, sodium.base64_variants.ORIGINAL)
    }
  }

  /** Opens a sealed box sent with `keyId`; undefined when GitHub would call it improperly encrypted. */
  open(keyId: string, encryptedBase64: string): Uint8Array | undefined {
    if (keyId !== this.keyId) return undefined
    try {
      const sealed = new Uint8Array(Buffer.from(encryptedBase64, 'base64'))
      return sodium.crypto_box_seal_open(sealed, this.publicKey, this.privateKey)
    } catch {
      return undefined
    }
  }

  write(name: string, value: string, now: Date, access?: OrgAccess): 'created' | 'updated' {
    const existing = this.secrets.get(name)
    if (existing) {
      existing.value = value
      existing.updatedAt = now
      if (access) existing.access = access
    } else {
      this.secrets.set(name, {
        name,
        value,
        createdAt: now,
        updatedAt: now,
        ...(access ? { access } : {})
      })
    }
    const history = this.histories.get(name) ?? []
    history.push({ at: now.getTime(), value })
    this.histories.set(name, history)
    return existing ? 'updated' : 'created'
  }

  read(name: string): StoredSecret | undefined {
    return this.secrets.get(name)
  }

  list(): StoredSecret[] {
    return [...this.secrets.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
  }

  history(name: string): Array<{ at: number; value: string }> {
    return (this.histories.get(name) ?? []).map(entry => ({ ...entry }))
  }
}

interface Repo {
  id: number
  owner: string
  name: string
  fullName: string
  actions: SecretScope
  dependabot: SecretScope
  codespaces: SecretScope
  /** By lower-cased name: GitHub's environment names are case-insensitive. */
  environments: Map<string, { name: string; id: number; secrets: SecretScope }>
  runs: Map<string, RunStatus>
}

/** A repository's secrets of one kind (environments are looked up by name). */
function repoScope(repo: Repo, kind: ScopeKind | undefined): SecretScope {
  return kind === 'dependabot'
    ? repo.dependabot
    : kind === 'codespaces'
      ? repo.codespaces
      : repo.actions
}

/** An organization's secrets of one kind. */
function orgScope(org: Org, kind: ScopeKind | undefined): SecretScope {
  return kind === 'org-dependabot'
    ? org.dependabot
    : kind === 'org-codespaces'
      ? org.codespaces
      : org.actions
}

interface Org {
  id: number
  login: string
  actions: SecretScope
  dependabot: SecretScope
  codespaces: SecretScope
}

interface Token {
  grant: TokenGrant
  kind: TokenKind
  used: number
  resetAt: number
}

/** What GitHub requires of the token on a route, beyond seeing the repository or organization. */
interface Need {
  permission: Permission | 'none'
  access: 'read' | 'write'
}

/** What a route's path names: a repository (and maybe an environment), or an organization. */
interface Place {
  repo?: Repo
  org?: Org
  environment?: string
  secretName?: string
  /** The scope a secrets route acts on; undefined when it does not exist (a 404). */
  scope?: SecretScope
  scopeKind?: ScopeKind
}

interface Route {
  name: RouteName
  method: string
  pattern: RegExp
  /** Repository routes capture owner and repo first; organization routes the org. */
  on: 'repo' | 'org'
  scopeKind?: ScopeKind
  need: Need
  docs: string
}

const DOCS_ENV = 'https://docs.github.com/rest/actions/secrets#get-an-environment-public-key'
const DOCS_DEPENDABOT = 'https://docs.github.com/rest/dependabot/secrets'
const DOCS_CODESPACES = 'https://docs.github.com/rest/codespaces'
const read = (permission: Permission | 'none'): Need => ({ permission, access: 'read' })
const write = (permission: Permission): Need => ({ permission, access: 'write' })

/** The four secrets routes of one scope, under `prefix` (a regex source ending before /secrets). */
function secretRoutes(
  prefix: string,
  on: 'repo' | 'org',
  scopeKind: ScopeKind,
  permission: Permission,
  docs: string
): Route[] {
  const base = `^${prefix}/secrets`
  return [
    {
      name: 'get-public-key',
      method: 'GET',
      pattern: new RegExp(`${base}/public-key$`),
      on,
      scopeKind,
      need: read(permission),
      docs
    },
    {
      name: 'list-secrets',
      method: 'GET',
      pattern: new RegExp(`${base}$`),
      on,
      scopeKind,
      need: read(permission),
      docs
    },
    // Only organization secrets have a visibility and selected repositories.
    ...(on === 'org'
      ? [
          {
            name: 'list-secret-repositories' as const,
            method: 'GET',
            pattern: new RegExp(`${base}/([^/]+)/repositories$`),
            on,
            scopeKind,
            need: read(permission),
            docs
          }
        ]
      : []),
    {
      name: 'get-secret',
      method: 'GET',
      pattern: new RegExp(`${base}/([^/]+)$`),
      on,
      scopeKind,
      need: read(permission),
      docs
    },
    {
      name: 'put-secret',
      method: 'PUT',
      pattern: new RegExp(`${base}/([^/]+)$`),
      on,
      scopeKind,
      need: write(permission),
      docs
    }
  ]
}

const REPO_PATH = String.raw`\/repos\/([^/]+)\/([^/]+)`
const ORG_PATH = String.raw`\/orgs\/([^/]+)`

const ROUTES: Route[] = [
  {
    name: 'get-repo',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}$`),
    on: 'repo',
    need: read('none'),
    docs: 'https://docs.github.com/rest/repos/repos#get-a-repository'
  },
  {
    name: 'get-environment',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/environments/([^/]+)$`),
    on: 'repo',
    need: read('actions'),
    docs: 'https://docs.github.com/rest/deployments/environments#get-an-environment'
  },
  ...secretRoutes(`${REPO_PATH}/actions`, 'repo', 'actions', 'secrets', DOCS_SECRETS),
  ...secretRoutes(
    `${REPO_PATH}/environments/([^/]+)`,
    'repo',
    'environment',
    'environments',
    DOCS_ENV
  ),
  ...secretRoutes(
    `${REPO_PATH}/dependabot`,
    'repo',
    'dependabot',
    'dependabot_secrets',
    DOCS_DEPENDABOT
  ),
  ...secretRoutes(
    `${ORG_PATH}/actions`,
    'org',
    'org-actions',
    'organization_secrets',
    DOCS_SECRETS
  ),
  ...secretRoutes(
    `${ORG_PATH}/dependabot`,
    'org',
    'org-dependabot',
    'organization_dependabot_secrets',
    DOCS_DEPENDABOT
  ),
  ...secretRoutes(
    `${REPO_PATH}/codespaces`,
    'repo',
    'codespaces',
    'codespaces_secrets',
    DOCS_CODESPACES
  ),
  ...secretRoutes(
    `${ORG_PATH}/codespaces`,
    'org',
    'org-codespaces',
    'organization_codespaces_secrets',
    DOCS_CODESPACES
  ),
  {
    name: 'get-run-attempt',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/actions/runs/(\\d+)/attempts/(\\d+)$`),
    on: 'repo',
    need: read('actions'),
    docs: 'https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run-attempt'
  }
]

interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(`GitHub emulator reply ${reply.status}`)
  }
}

function errorReply(
  status: number,
  message: string,
  docs: string,
  headers?: Record<string, string>
): Reply {
  const reply: Reply = {
    status,
    body: { message, documentation_url: docs, status: String(status) }
  }
  if (headers) reply.headers = headers
  return reply
}

function repoReply(repo: Repo): Reply {
  return {
    status: 200,
    body: {
      id: repo.id,
      node_id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
      name: repo.name,
      full_name: repo.fullName,
      owner: { login: repo.owner },
      private: true,
      default_branch: 'main'
    }
  }
}

/** GitHub's time format: ISO 8601 without milliseconds. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function requestId(): string {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase()
  return `${hex(2)}:${hex(2)}:${hex(3)}:${hex(3)}:${hex(4)}`
}

/** Why a secret name is invalid, in GitHub's words, or undefined when it is valid. */
function nameProblem(name: string): string | undefined {
  if (!NAME_CHARS.test(name)) return MSG_NAME_CHARS
  if (/^GITHUB_/i.test(name)) return MSG_NAME_PREFIX
  return undefined
}

function splitFullName(fullName: string): [string, string] {
  const match = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(fullName)
  if (!match?.[1] || !match[2]) throw new Error(`GitHub emulator: "${fullName}" is not owner/name`)
  return [match[1], match[2]]
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) tooLarge = true
      else chunks.push(chunk)
    })
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)))
    // A client that hangs up mid-body gets no answer; settle so the handler ends.
    req.on('close', () => resolve(undefined))
    req.on('error', reject)
  })
}

/** Validates a PUT body as GitHub does; returns the fields or throws the 422/400 GitHub sends. */
function parsePutBody(
  raw: Buffer,
  docs: string,
  org: unknown
): { encrypted: string; keyId: string; access?: OrgAccess } {
  let body: unknown
  const text = raw.toString('utf8')
  try {
    // GitHub reads an empty body as no parameters.
    body = text.trim() === '' ? {} : JSON.parse(text)
  } catch {
    throw new ReplyError(errorReply(400, 'Problems parsing JSON', docs))
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ReplyError(errorReply(400, 'Problems parsing JSON', docs))
  }
  const fields = body as Record<string, unknown>
  // Organization secrets must say who may use them.
  const required = org ? ['encrypted_value', 'key_id', 'visibility'] : ['encrypted_value', 'key_id']
  const missing = required.filter(field => fields[field] === undefined)
  if (missing.length > 0) {
    const list = missing.map(field => `"${field}"`).join(', ')
    const verb = missing.length === 1 ? "wasn't" : "weren't"
    throw new ReplyError(errorReply(422, `Invalid request.\n\n${list} ${verb} supplied.`, docs))
  }
  for (const field of ['encrypted_value', 'key_id']) {
    if (typeof fields[field] !== 'string') {
      const shown = JSON.stringify(fields[field])
      throw new ReplyError(
        errorReply(
          422,
          `Invalid request.\n\nFor 'properties/${field}', ${shown} is not a string.`,
          docs
        )
      )
    }
  }
  const encrypted = fields.encrypted_value as string
  if (!BASE64.test(encrypted)) {
    const message = `Invalid request.\n\n${encrypted} does not match /${BASE64.source.replace(/\//g, '\\/')}/.`
    throw new ReplyError(errorReply(422, message, docs))
  }
  if (!org) return { encrypted, keyId: fields.key_id as string }
  const visibility = fields.visibility
  if (visibility !== 'all' && visibility !== 'private' && visibility !== 'selected') {
    throw new ReplyError(
      errorReply(
        422,
        `Invalid request.\n\n${JSON.stringify(visibility)} is not a member of ["all", "private", "selected"].`,
        docs
      )
    )
  }
  const ids = fields.selected_repository_ids ?? []
  if (!Array.isArray(ids) || ids.some(id => !Number.isInteger(id))) {
    throw new ReplyError(
      errorReply(
        422,
        "Invalid request.\n\nFor 'properties/selected_repository_ids', items must be integers.",
        docs
      )
    )
  }
  // As on GitHub, `selected` with no ids clears the selection; other visibilities drop it.
  return {
    encrypted,
    keyId: fields.key_id as string,
    access: {
      visibility,
      selectedRepositoryIds: visibility === 'selected' ? (ids as number[]) : []
    }
  }
}

/** How long after a rate-limit refusal a client may still send requests it had already started. */
const CLIENT_REACTION_MS = 100

export async function startGitHubEmulator(
  options: { basePath?: string; secondaryRateLimit?: SecondaryRateLimit } = {}
): Promise<GitHubEmulator> {
  await sodium.ready
  const basePath = (options.basePath ?? '').replace(/\/+$/, '')
  if (basePath !== '' && !basePath.startsWith('/')) {
    throw new Error(`GitHub emulator: basePath must start with "/", got "${basePath}"`)
  }

  const repos = new Map<string, Repo>()
  const orgs = new Map<string, Org>()
  const tokens = new Map<string, Token>()
  const interceptors: Interceptor[] = []
  const requests: RequestRecord[] = []
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>()
  let nextRepoId = 100_000_000
  let anonymousUsed = 0
  let closed = false
  const anonymousResetAt = Math.floor(Date.now() / 1000) + 3600

  const findRepo = (fullName: string): Repo | undefined => repos.get(fullName.toLowerCase())
  const scopeOf = (ref: ScopeRef): SecretScope => {
    switch (ref.kind) {
      case 'actions':
      case 'dependabot':
      case 'codespaces':
        return repoScope(mustFindRepo(ref.repo), ref.kind)
      case 'environment': {
        const found = mustFindRepo(ref.repo).environments.get(ref.environment.toLowerCase())
        if (!found) throw new Error(`GitHub emulator: no environment ${ref.environment}`)
        return found.secrets
      }
      case 'org-actions':
      case 'org-dependabot':
      case 'org-codespaces': {
        const org = orgs.get(ref.org.toLowerCase())
        if (!org) throw new Error(`GitHub emulator: no organization ${ref.org}`)
        return orgScope(org, ref.kind)
      }
    }
  }
  const mustFindRepo = (fullName: string): Repo => {
    const repo = findRepo(fullName)
    if (!repo) throw new Error(`GitHub emulator: no repository ${fullName}`)
    return repo
  }

  const sleep = (ms: number): Promise<void> =>
    new Promise(resolve => {
      const entry = {
        resolve,
        timer: setTimeout(() => {
          timers.delete(entry)
          resolve()
        }, ms)
      }
      timers.add(entry)
    })

  const canSee = (token: Token, place: Place): boolean => {
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

  const accessOf = (token: Token, permission: Permission): SecretsAccess => {
    if (permission === 'actions') {
      if (token.kind === 'github-token') return 'read'
      return token.grant.permissions?.actions ?? (token.grant.actions === 'read' ? 'read' : 'none')
    }
    // The workflow's GITHUB_TOKEN has no secrets permission of any kind.
    if (token.kind === 'github-token') return 'none'
    if (permission === 'secrets') return token.grant.permissions?.secrets ?? token.grant.secrets
    return token.grant.permissions?.[permission] ?? 'none'
  }

  const allows = (token: Token, need: Need): boolean => {
    if (need.permission === 'none') return true
    const access = accessOf(token, need.permission)
    return need.access === 'read' ? access !== 'none' : access === 'write'
  }

  const rateHeaders = (token: Token | undefined): Record<string, string> => {
    const limit = RATE_LIMITS[token?.kind ?? 'anonymous']
    const used = token ? token.used : anonymousUsed
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - used)),
      'x-ratelimit-reset': String(token ? token.resetAt : anonymousResetAt),
      'x-ratelimit-used': String(used),
      'x-ratelimit-resource': 'core'
    }
  }

  const send = (res: ServerResponse, reply: Reply, token: Token | undefined, id: string): void => {
    if (res.destroyed || res.headersSent) return
    const headers: Record<string, string> = {
      ...rateHeaders(token),
      'x-github-request-id': id,
      'x-github-api-version-selected': '2022-11-28',
      ...reply.headers
    }
    let payload = ''
    if (reply.body !== undefined) {
      payload = JSON.stringify(reply.body)
      headers['content-type'] = 'application/json; charset=utf-8'
    }
    headers['content-length'] = String(Buffer.byteLength(payload))
    res.writeHead(reply.status, headers)
    res.end(payload)
  }

  /** Answers a request that passed auth and interception. */
  const handle = (route: Route, place: Place, url: URL, raw: Buffer, origin: string): Reply => {
    const { repo, secretName } = place
    if (route.name === 'get-repo' && repo) return repoReply(repo)
    if (route.name === 'get-environment' && repo) {
      const environment = repo.environments.get((place.environment ?? '').toLowerCase())
      if (!environment) return errorReply(404, 'Not Found', route.docs)
      return {
        status: 200,
        body: { id: environment.id, name: environment.name, protection_rules: [] }
      }
    }
    if (route.name === 'get-run-attempt' && repo) {
      const [runId = '', attempt = ''] = url.pathname
        .split('/')
        .slice(-3)
        .filter((_, i) => i !== 1)
      const status = repo.runs.get(`${runId}.${attempt}`)
      if (!status) return errorReply(404, 'Not Found', route.docs)
      return {
        status: 200,
        body: {
          id: Number(runId),
          run_attempt: Number(attempt),
          status,
          conclusion: status === 'completed' ? 'failure' : null,
          repository: { full_name: repo.fullName }
        }
      }
    }
    const scope = place.scope
    // A missing environment has no secrets: GitHub answers 404, it never creates one.
    if (!scope) return errorReply(404, 'Not Found', route.docs)
    switch (route.name) {
      case 'get-public-key':
        return { status: 200, body: scope.publicKeyJson() }
      case 'get-secret': {
        const stored = secretName === undefined ? undefined : scope.read(secretName.toUpperCase())
        if (!stored) return errorReply(404, 'Not Found', route.docs)
        const body: Record<string, unknown> = {
          name: stored.name,
          created_at: isoSeconds(stored.createdAt),
          updated_at: isoSeconds(stored.updatedAt)
        }
        if (place.org && stored.access) {
          body.visibility = stored.access.visibility
          if (stored.access.visibility === 'selected') {
            body.selected_repositories_url = `${origin}${url.pathname}/repositories`
          }
        }
        return { status: 200, body }
      }
      case 'list-secrets':
        return page(
          scope.list().map(secret => ({
            name: secret.name,
            created_at: isoSeconds(secret.createdAt),
            updated_at: isoSeconds(secret.updatedAt),
            ...(place.org && secret.access ? { visibility: secret.access.visibility } : {})
          })),
          'secrets',
          url,
          origin
        )
      case 'list-secret-repositories': {
        const stored = secretName === undefined ? undefined : scope.read(secretName.toUpperCase())
        if (!stored) return errorReply(404, 'Not Found', route.docs)
        if (stored.access?.visibility !== 'selected') {
          return errorReply(409, 'Visibility must be set to `selected`', route.docs)
        }
        const selected = stored.access.selectedRepositoryIds.flatMap(id => {
          const found = [...repos.values()].find(candidate => candidate.id === id)
          return found ? [found] : []
        })
        return page(
          selected.map(found => repoReply(found).body),
          'repositories',
          url,
          origin
        )
      }
      case 'put-secret': {
        const { encrypted, keyId, access } = parsePutBody(raw, route.docs, place.org)
        const name = secretName ?? ''
        const problem = nameProblem(name)
        if (problem) return errorReply(422, problem, route.docs)
        if (access && place.org) {
          const foreign = access.selectedRepositoryIds.filter(
            id =>
              ![...repos.values()].some(
                r => r.id === id && r.owner.toLowerCase() === place.org?.login.toLowerCase()
              )
          )
          if (foreign.length > 0) {
            return errorReply(
              422,
              `Repository ids ${foreign.join(', ')} are not in the organization.`,
              route.docs
            )
          }
        }
        const plain = scope.open(keyId, encrypted)
        if (!plain) return errorReply(422, MSG_BAD_SEAL, route.docs)
        if (plain.length > MAX_SECRET_BYTES) return errorReply(422, MSG_TOO_LARGE, route.docs)
        const value = Buffer.from(plain).toString('utf8')
        const outcome = scope.write(name.toUpperCase(), value, new Date(), access)
        return outcome === 'created' ? { status: 201, body: {} } : { status: 204 }
      }
      default:
        throw new Error(`GitHub emulator: route ${route.name} has no handler`)
    }
  }

  /** One page of a list, with GitHub's per_page rules, total_count and Link header. */
  const page = (items: unknown[], key: string, url: URL, origin: string): Reply => {
    // GitHub caps per_page at 100 and falls back to defaults for junk.
    const perPageRaw = Number.parseInt(url.searchParams.get('per_page') ?? '', 10)
    const perPage = Number.isInteger(perPageRaw) && perPageRaw > 0 ? Math.min(perPageRaw, 100) : 30
    const pageRaw = Number.parseInt(url.searchParams.get('page') ?? '', 10)
    const pageNumber = Number.isInteger(pageRaw) && pageRaw > 0 ? pageRaw : 1
    const slice = items.slice((pageNumber - 1) * perPage, pageNumber * perPage)
    const lastPage = Math.max(1, Math.ceil(items.length / perPage))
    const link = (p: number, rel: string): string => {
      const next = new URL(url.pathname, origin)
      next.searchParams.set('per_page', String(perPage))
      next.searchParams.set('page', String(p))
      return `<${next.toString()}>; rel="${rel}"`
    }
    const links: string[] = []
    if (pageNumber > 1) links.push(link(Math.min(pageNumber - 1, lastPage), 'prev'))
    if (pageNumber < lastPage) links.push(link(pageNumber + 1, 'next'), link(lastPage, 'last'))
    if (pageNumber > 1) links.push(link(1, 'first'))
    const reply: Reply = { status: 200, body: { total_count: items.length, [key]: slice } }
    if (links.length > 0) reply.headers = { link: links.join(', ') }
    return reply
  }

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = Date.now()
    const id = requestId()
    const method = (req.method ?? 'GET').toUpperCase()
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const record: RequestRecord = { at, method, path: url.pathname, route: 'unknown', status: 0 }
    requests.push(record)
    res.on('finish', () => {
      record.status = res.statusCode
    })

    const auth = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
    const token = auth?.[1] === undefined ? undefined : tokens.get(auth[1])
    const reply = (answer: Reply): void => send(res, answer, token, id)

    const raw = await readBody(req)
    if (raw === undefined) {
      reply(errorReply(413, 'Payload Too Large', DOCS))
      return
    }

    // Match the path under the base path; a known path with another method is a 404 as on GitHub.
    let route: Route | undefined
    let params: string[] = []
    const inBase = basePath === '' || url.pathname.startsWith(`${basePath}/`)
    if (inBase) {
      const path = url.pathname.slice(basePath.length)
      for (const candidate of ROUTES) {
        const match = candidate.pattern.exec(path)
        if (!match || candidate.method !== method) continue
        try {
          params = match.slice(1).map(part => decodeURIComponent(part ?? ''))
        } catch {
          break
        }
        route = candidate
        break
      }
    }
    if (route) record.route = route.name

    // Authentication comes before everything else, as on GitHub.
    if (!token) {
      anonymousUsed += 1
      reply(errorReply(401, 'Bad credentials', DOCS))
      return
    }
    token.used += 1
    if (!route) {
      reply(errorReply(404, 'Not Found', DOCS))
      return
    }

    if (throttle(record, res, token, id)) return

    const place = resolve(route, params)
    if (route.on === 'repo') record.repo = place.repo?.fullName ?? `${params[0]}/${params[1]}`
    if (place.org) record.org = place.org.login
    if (route.scopeKind) record.scope = route.scopeKind
    if (place.environment !== undefined) record.environment = place.environment
    if (place.secretName !== undefined) record.secretName = place.secretName
    // GitHub hides repositories and organizations the token cannot see.
    if ((!place.repo && !place.org) || !canSee(token, place)) {
      reply(errorReply(404, 'Not Found', route.docs))
      return
    }
    if (!allows(token, route.need)) {
      const who = token.kind === 'pat' ? 'personal access token' : 'integration'
      reply(
        errorReply(403, `Resource not accessible by ${who}`, route.docs, {
          'x-accepted-github-permissions': `${route.need.permission}=${route.need.access}`
        })
      )
      return
    }

    const call: InterceptedCall = {
      route: route.name,
      method,
      path: url.pathname,
      token: auth?.[1] ?? ''
    }
    if (place.repo) call.repo = place.repo.fullName
    if (place.org) call.org = place.org.login
    if (route.scopeKind) call.scope = route.scopeKind
    if (place.environment !== undefined) call.environment = place.environment
    if (place.secretName !== undefined) call.secretName = place.secretName
    for (const interceptor of [...interceptors]) {
      const fault = await interceptor(call)
      if (!fault) continue
      if ('delayMs' in fault) {
        await sleep(fault.delayMs)
        continue
      }
      if ('reset' in fault) {
        req.socket.destroy()
        return
      }
      reply(faultReply(fault, route.docs, id))
      return
    }

    // A request delayed past close() must not change state any more.
    if (closed) return
    const origin = `http://${req.headers.host ?? '127.0.0.1'}`
    try {
      reply(handle(route, place, url, raw, origin))
    } catch (error) {
      if (error instanceof ReplyError) reply(error.reply)
      else throw error
    }
  }

  /** The repository, organization and scope a matched route names. */
  const resolve = (route: Route, params: string[]): Place => {
    if (route.on === 'org') {
      const [login = '', secretName] = params
      const org = orgs.get(login.toLowerCase())
      const place: Place = {}
      if (org) {
        place.org = org
        place.scope = orgScope(org, route.scopeKind)
      }
      if (secretName !== undefined) place.secretName = secretName
      return place
    }
    const [owner = '', name = '', ...rest] = params
    const repo = findRepo(`${owner}/${name}`)
    const place: Place = {}
    if (repo) place.repo = repo
    if (route.name === 'get-environment' || route.scopeKind === 'environment') {
      const [environment = '', secretName] = rest
      place.environment = environment
      if (secretName !== undefined) place.secretName = secretName
      const found = repo?.environments.get(environment.toLowerCase())
      if (found) place.scope = found.secrets
      return place
    }
    if (route.scopeKind) {
      const [secretName] = rest
      if (secretName !== undefined) place.secretName = secretName
      if (repo) place.scope = repoScope(repo, route.scopeKind)
    }
    return place
  }

  // The secondary rate limit: points per window on a scaled clock, and requests in flight.
  const limit = options.secondaryRateLimit
  let windowStart = 0
  let firstRequestAt = 0
  let windowPoints = 0
  let penaltyUntil = 0
  let lastRefusalSentAt = 0
  let inFlight = 0
  const rateReport: RateLimitReport = { throttled: 0, ignoredRetryAfter: 0 }

  /** Refuses a request as GitHub's secondary rate limit would; true when it did. */
  const throttle = (
    record: RequestRecord,
    res: ServerResponse,
    token: Token,
    id: string
  ): boolean => {
    if (!limit) return false
    const now = Date.now()
    inFlight += 1
    res.on('close', () => {
      inFlight -= 1
    })
    // A request sent well after the client was told to wait, before the wait was over.
    if (
      now < penaltyUntil &&
      lastRefusalSentAt > 0 &&
      now - lastRefusalSentAt > CLIENT_REACTION_MS
    ) {
      rateReport.ignoredRetryAfter += 1
    }
    // Windows start at the first request, so a run's first window is a whole one.
    if (firstRequestAt === 0) firstRequestAt = now
    const start =
      firstRequestAt + Math.floor((now - firstRequestAt) / limit.windowMs) * limit.windowMs
    if (start !== windowStart) {
      windowStart = start
      windowPoints = 0
    }
    const cost = record.method === 'GET' ? 1 : 5
    const overBudget = windowPoints + cost > limit.pointsPerWindow
    if (now >= penaltyUntil && !overBudget && inFlight <= limit.maxConcurrent) {
      windowPoints += cost
      return false
    }
    if (now >= penaltyUntil) {
      penaltyUntil = overBudget ? windowStart + limit.windowMs : now + 1000
    }
    rateReport.throttled += 1
    record.throttled = true
    const retryAfter = Math.max(1, Math.ceil((penaltyUntil - now) / 1000))
    res.on('finish', () => {
      lastRefusalSentAt = Math.max(lastRefusalSentAt, Date.now())
    })
    send(res, faultReply({ status: 403, retryAfterSeconds: retryAfter }, DOCS_RATE, id), token, id)
    return true
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      // A bug here (or in a test's interceptor) must answer, not crash the process.
      console.error('GitHub emulator: internal error', error)
      send(res, errorReply(500, 'Server Error', DOCS), undefined, requestId())
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo

  const emulator: GitHubEmulator = {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests,

    async close() {
      closed = true
      for (const entry of timers) {
        clearTimeout(entry.timer)
        entry.resolve()
      }
      timers.clear()
      const done = new Promise<void>(resolve => server.close(() => resolve()))
      // Keep-alive sockets would hold jest open.
      server.closeAllConnections()
      await done
    },

    addRepo(fullName) {
      const [owner, name] = splitFullName(fullName)
      if (findRepo(fullName)) throw new Error(`GitHub emulator: ${fullName} already exists`)
      nextRepoId += 1
      repos.set(fullName.toLowerCase(), {
        id: nextRepoId,
        owner,
        name,
        fullName: `${owner}/${name}`,
        actions: new SecretScope(),
        dependabot: new SecretScope(),
        codespaces: new SecretScope(),
        environments: new Map(),
        runs: new Map()
      })
    },

    addOrg(login) {
      if (orgs.has(login.toLowerCase())) throw new Error(`GitHub emulator: org ${login} exists`)
      nextRepoId += 1
      orgs.set(login.toLowerCase(), {
        id: nextRepoId,
        login,
        actions: new SecretScope(),
        dependabot: new SecretScope(),
        codespaces: new SecretScope()
      })
    },

    addEnvironment(repo, name) {
      nextRepoId += 1
      mustFindRepo(repo).environments.set(name.toLowerCase(), {
        name,
        id: nextRepoId,
        secrets: new SecretScope()
      })
    },

    repoId(repo) {
      return mustFindRepo(repo).id
    },

    scopeSecret(ref, name) {
      const stored = scopeOf(ref).read(name.toUpperCase())
      if (!stored) return undefined
      return {
        value: stored.value,
        createdAt: new Date(stored.createdAt),
        updatedAt: new Date(stored.updatedAt),
        ...(stored.access
          ? {
              access: {
                visibility: stored.access.visibility,
                selectedRepositoryIds: [...stored.access.selectedRepositoryIds]
              }
            }
          : {})
      }
    },

    setScopeSecret(ref, name, value, access) {
      const problem = nameProblem(name)
      if (problem) throw new Error(`GitHub emulator: ${problem}`)
      const isOrg = ref.kind.startsWith('org-')
      if (isOrg !== (access !== undefined)) {
        throw new Error('GitHub emulator: organization secrets, and only they, have an access')
      }
      scopeOf(ref).write(name.toUpperCase(), value, new Date(), access)
    },

    scopeHistory(ref, name) {
      return scopeOf(ref).history(name.toUpperCase())
    },

    rateLimitReport() {
      return { ...rateReport }
    },

    addToken(token, grant) {
      tokens.set(token, {
        grant: { ...grant, repos: grant.repos === '*' ? '*' : [...grant.repos] },
        kind: grant.kind ?? 'pat',
        used: 0,
        resetAt: Math.floor(Date.now() / 1000) + 3600
      })
    },

    secret(repo, name) {
      const stored = mustFindRepo(repo).actions.read(name.toUpperCase())
      if (!stored) return undefined
      return {
        value: stored.value,
        createdAt: new Date(stored.createdAt),
        updatedAt: new Date(stored.updatedAt)
      }
    },

    setSecret(repo, name, value) {
      const problem = nameProblem(name)
      if (problem) throw new Error(`GitHub emulator: ${problem}`)
      mustFindRepo(repo).actions.write(name.toUpperCase(), value, new Date())
    },

    history(repo, name) {
      return mustFindRepo(repo).actions.history(name.toUpperCase())
    },

    hasRepo(repo) {
      return findRepo(repo) !== undefined
    },

    setRun(repo, runId, attempt, status) {
      const found = findRepo(repo)
      if (!found) throw new Error(`GitHub emulator: no repository ${repo}`)
      found.runs.set(`${runId}.${attempt}`, status)
    },

    rotatePublicKey(repo) {
      mustFindRepo(repo).actions.rotateKey()
    },

    intercept(fn) {
      interceptors.push(fn)
      return () => {
        const index = interceptors.indexOf(fn)
        if (index >= 0) interceptors.splice(index, 1)
      }
    }
  }
  return emulator
}

/** GitHub's shape for an injected error; 403/429 with no message is a secondary rate limit. */
function faultReply(
  fault: {
    status: number
    message?: string
    retryAfterSeconds?: number
    headers?: Record<string, string>
  },
  docs: string,
  id: string
): Reply {
  const rateLimited = fault.status === 403 || fault.status === 429
  const message =
    fault.message ??
    (rateLimited
      ? `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${id}.`
      : (STATUS_CODES[fault.status] ?? 'Server Error'))
  const headers: Record<string, string> = {}
  if (fault.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(fault.retryAfterSeconds)
  Object.assign(headers, fault.headers)
  const reply = errorReply(fault.status, message, rateLimited && !fault.message ? DOCS_RATE : docs)
  reply.headers = headers
  return reply
}
