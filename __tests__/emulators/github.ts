/**
 * Wire-level emulator of GitHub's REST API for secrets: repository, environment, organization
 * and Dependabot scopes, with organization secret visibility and selected repositories, a
 * secondary rate limit on a scaled clock, and an optional base path (GitHub Enterprise Server).
 * It also serves repository files, workflows, workflow dispatch and the runs a dispatch starts,
 * and secret scanning alerts (./secret-scanning.ts).
 *
 * It holds real libsodium key pairs and opens every sealed box it receives, so a client that
 * encrypts wrongly fails here as it would on GitHub. Status codes, bodies and messages follow
 * GitHub's (see the messages below); anything GitHub rejects is rejected. Every exchange is
 * recorded, and openapiProblems() holds it to GitHub's own OpenAPI description (./openapi.ts).
 */
import { createServer, STATUS_CODES } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHash, randomBytes, randomInt } from 'node:crypto'
import sodium from 'libsodium-wrappers'
import { parse as parseYaml } from 'yaml'
import { validateExchange, type Description, type Exchange } from './openapi.js'
import {
  AlertStore,
  MSG_ORG_DISABLED,
  MSG_REPO_DISABLED,
  alertJson,
  applyUpdate,
  hideSecret,
  pageOf,
  parseUpdate,
  selectAlerts,
  type AlertContext,
  type Refusal,
  type StoredAlert
} from './secret-scanning.js'
import {
  addComment,
  applyIssueUpdate,
  commentJson,
  IssueStore,
  issueJson,
  MSG_ISSUES_DISABLED,
  parseNewIssue,
  type IssueContext,
  type IssueRefusal,
  type StoredIssue
} from './issues.js'

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

/**
 * GitHub's usual answer times, with jitter: tens to hundreds of milliseconds (our reading of
 * api.github.com from runners; GitHub documents no figure). The emulator's default.
 */
export const GITHUB_LATENCY_MS = { min: 30, max: 300 } as const
/** No latency: for tests about something else. */
export const INSTANT = { min: 0, max: 0 } as const

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
  /**
   * How a refusal says when to try again; GitHub documents all three (FACTS.md):
   * - 'retry-after' (default): a retry-after header, `retryAfterSeconds` if set (shorter than
   *   what the window needs), else until the window ends
   * - 'reset': no retry-after; x-ratelimit-remaining 0 and x-ratelimit-reset at the window's end
   * - 'silent': no header at all: the client must wait at least a minute (`minuteMs`, default
   *   `windowMs`, the emulated minute)
   */
  answer?: 'retry-after' | 'reset' | 'silent'
  retryAfterSeconds?: number
  minuteMs?: number
}

export type RunStatus = 'queued' | 'in_progress' | 'completed'
export type RunConclusion = 'success' | 'failure' | 'cancelled' | 'timed_out'

/**
 * How runs of a workflow behave: queued for queuedMs (default 50), in progress for durationMs
 * (default 200), then completed with the conclusion. `never`: queued, then in progress forever.
 */
export type WorkflowOutcome =
  { conclusion: RunConclusion; queuedMs?: number; durationMs?: number } | { never: true }

/**
 * A workflow's state (GET a workflow: https://docs.github.com/en/rest/actions/workflows#get-a-workflow).
 * GitHub disables a public repository's scheduled workflows after 60 days without activity
 * (disabled_inactivity: https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-workflow-runs/disabling-and-enabling-a-workflow).
 */
export type WorkflowState = 'active' | 'disabled_manually' | 'disabled_inactivity'

export interface WorkflowOptions {
  /** The file's text. Default: a dispatchable smoke test with a required `rotation` input. */
  content?: string
  /** Default: active. */
  state?: WorkflowState
  /** The `name:` of the default content (default: the file name without extension). */
  name?: string
}

/** A dispatched run, its status and conclusion as of the call. */
export interface WorkflowRunRecord {
  id: number
  workflowFile: string
  /** The branch it runs on (head_branch). */
  ref: string
  /** As the run got them: the dispatched values, and the workflow's defaults for the rest. */
  inputs: Record<string, string>
  displayTitle: string
  status: RunStatus
  conclusion: RunConclusion | null
  createdAt: number
}

export interface GitHubEmulatorOptions {
  /**
   * Serve the API under this path, as GitHub Enterprise Server does (/api/v3); as there, the
   * Codespaces secrets routes are then missing (404).
   */
  basePath?: string
  secondaryRateLimit?: SecondaryRateLimit
  /**
   * true: as on GitHub.com since February 2026, a dispatch may ask for return_run_details.
   * false: GitHub Enterprise Server before it, which rejects that key and allows 10 inputs
   * (GitHub.com allows 25 since December 2025). Default: false under a base path (the newest
   * GHES description, ghes-3.19, has no such key), else true.
   */
  dispatchRunDetails?: boolean
  /** A new run appears in run lists this long after its dispatch (default 0). */
  runListDelayMs?: number
  /**
   * How long GitHub takes to answer, drawn per request between min and max (jitter): a real
   * API answers in tens to hundreds of milliseconds (GITHUB_LATENCY_MS), which is what lets
   * requests pile up in flight. Default: GITHUB_LATENCY_MS. The test world answers at once
   * (INSTANT) unless a test asks for latency, so that hundreds of runs stay fast.
   */
  latencyMs?: { min: number; max: number }
  /**
   * GitHub's description that openapiProblems() holds every exchange to: by default 'ghes'
   * under a base path, else 'api.github.com'. false: nothing is recorded.
   */
  openapi?: Description | false
}

export type RouteName =
  | 'get-repo'
  | 'get-environment'
  | 'get-public-key'
  | 'put-secret'
  | 'get-secret'
  | 'list-secrets'
  | 'list-secret-repositories'
  | 'get-run-attempt'
  | 'get-workflow'
  | 'enable-workflow'
  | 'dispatch-workflow'
  | 'get-run'
  | 'list-workflow-runs'
  | 'get-content'
  | 'list-secret-scanning-alerts'
  | 'list-org-secret-scanning-alerts'
  | 'update-secret-scanning-alert'
  | 'list-issues'
  | 'create-issue'
  | 'update-issue'
  | 'create-issue-comment'

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
  /** The most requests the client had in flight at once, from arrival to answer. */
  peakInFlight: number
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
  /** Sets GitHub's time to answer, for requests from now on (see GitHubEmulatorOptions). */
  setLatency(latencyMs: { min: number; max: number }): void
  /** A workflow run attempt, as GET /repos/{o}/{r}/actions/runs/{id}/attempts/{n} shows it. */
  /**
   * A run attempt of the action's own workflow. `conclusion` counts once completed (default
   * failure: the run a test kills; GitHub shows a cancelled one as cancelled).
   */
  setRun(
    repo: string,
    runId: string,
    attempt: string,
    status: RunStatus,
    conclusion?: RunConclusion
  ): void
  /**
   * A workflow at .github/workflows/FILE on the default branch `main`, a file there as well.
   * Throws when it exists, or when both content and name are given (GitHub reads the name from
   * the file).
   */
  addWorkflow(repo: string, file: string, options?: WorkflowOptions): void
  /**
   * A file at a branch (default `main`, `refs/heads/` optional). A new branch starts as a copy of
   * `main`; a workflow file written to `main` registers the workflow, as a push would.
   */
  setFile(repo: string, path: string, content: string, ref?: string): void
  /** A branch, a copy of `main`. */
  addBranch(repo: string, name: string): void
  /** How runs of later dispatches of the workflow behave. Default: success, default times. */
  setWorkflowOutcome(repo: string, file: string, outcome: WorkflowOutcome): void
  /**
   * A workflow's state from now on, as GitHub or a person sets it (disabled_inactivity: 60 days
   * without activity in a public repository). The action's own workflow is
   * `rotate-aws-access-keys.yml`, registered by its first setRun.
   */
  setWorkflowState(repo: string, file: string, state: WorkflowState): void
  /** Every dispatched run of the repository, oldest first. */
  workflowRuns(repo: string): WorkflowRunRecord[]
  hasRepo(repo: string): boolean
  /** Turns secret scanning on or off for a repository (default off: its alert routes answer 404). */
  setSecretScanning(repo: string, enabled: boolean): void
  /** The repository's issues (pull requests included), oldest first. */
  issues(repo: string): StoredIssue[]
  /** Issues turned off in the repository's settings: its issue routes answer 410. */
  setIssuesEnabled(repo: string, enabled: boolean): void
  /** A pull request, which the repository's issue list also returns. */
  addPullRequest(repo: string, title: string, labels: string[]): void
  /** An open alert (or in the given state) in the repository; returns its number. Turns scanning on. */
  addSecretScanningAlert(
    repo: string,
    alert: {
      secretType: string
      secret: string
      state?: 'open' | 'resolved'
      resolution?: string
      createdAt?: Date
    }
  ): number
  /** The alert as GitHub would show it now (undefined if none): state, resolution, resolution_comment, resolved_by login. */
  secretScanningAlert(
    repo: string,
    number: number
  ):
    | {
        state: 'open' | 'resolved'
        resolution: string | null
        resolutionComment: string | null
        resolvedBy: string | null
      }
    | undefined
  /** Returns a function that removes the interceptor. */
  intercept(fn: Interceptor): () => void
  requests: RequestRecord[]
  /**
   * What GitHub's description (the `openapi` option) finds wrong with every request received
   * and response sent so far, deduplicated. Checked on demand, not while serving: a schema's
   * first compile takes 100-300 ms and would skew the rate-limit clock.
   */
  openapiProblems(): string[]
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
const DOCS_WORKFLOWS = 'https://docs.github.com/rest/actions/workflows'
const DOCS_RUNS = 'https://docs.github.com/rest/actions/workflow-runs'
const DOCS_SECRET_SCANNING = 'https://docs.github.com/rest/secret-scanning/secret-scanning'
const DOCS_ISSUES = 'https://docs.github.com/rest/issues/issues'
const DOCS_VERSIONS = 'https://docs.github.com/rest/about-the-rest-api/api-versions'
/** The REST API versions the emulator serves: the one the action sends (GitHub has others). */
const SUPPORTED_API_VERSIONS = ['2022-11-28']
/**
 * Who a token's changes are made by (an alert's resolved_by). Tokens carry no user here, so
 * every token acts as this one stable login.
 */
const CALLER_LOGIN = 'rotation-bot'
const MSG_DISABLED = "Cannot trigger a 'workflow_dispatch' on a disabled workflow"
const MSG_NO_TRIGGER = "Workflow does not have 'workflow_dispatch' trigger"
const DEFAULT_BRANCH = 'main'
const WORKFLOWS_DIR = '.github/workflows'
const DEFAULT_QUEUED_MS = 50
const DEFAULT_DURATION_MS = 200
const DAY_MS = 86_400_000
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
  createdAt: Date
  /** The last write to any branch. */
  pushedAt: Date
  actions: SecretScope
  dependabot: SecretScope
  codespaces: SecretScope
  /** By lower-cased name: GitHub's environment names are case-insensitive. */
  environments: Map<string, { name: string; id: number; createdAt: Date; secrets: SecretScope }>
  /** Attempts set by setRun, by `runId.attempt`. */
  runs: Map<
    string,
    { status: RunStatus; conclusion: RunConclusion; createdAt: number; updatedAt: number }
  >
  branches: Map<string, Branch>
  /** By file name (smoke.yml); registered by a file on the default branch. */
  workflows: Map<string, Workflow>
  /** Runs started by dispatches, oldest first. */
  dispatchedRuns: DispatchedRun[]
  secretScanning: AlertStore
  issues: IssueStore
}

interface Branch {
  /** By path, the text of each file. */
  files: Map<string, string>
  /** The head commit; every write is a new one. */
  headSha: string
}

interface Workflow {
  id: number
  file: string
  state: WorkflowState
  createdAt: Date
  updatedAt: Date
  outcome: WorkflowOutcome
  runCount: number
}

interface DispatchedRun {
  id: number
  workflow: Workflow
  runNumber: number
  branch: string
  headSha: string
  inputs: Record<string, string>
  name: string
  displayTitle: string
  createdAt: number
  outcome: WorkflowOutcome
}

/** What a workflow run attempt shows, for a dispatched run and for the action's own. */
interface RunView {
  id: number
  attempt: number
  name: string
  workflowId: number
  path: string
  branch: string
  headSha: string
  displayTitle: string
  runNumber: number
  event: string
  status: RunStatus
  conclusion: RunConclusion | null
  createdAt: number
  updatedAt: number
}

/** The workflow the action's own runs (setRun) belong to. */
const ROTATION_WORKFLOW_NAME = 'Rotate AWS access keys'
const ROTATION_WORKFLOW_PATH = '.github/workflows/rotate-aws-access-keys.yml'

/** What a workflow file says about itself and its workflow_dispatch trigger. */
interface WorkflowFile {
  name?: string
  runName?: string
  /** Undefined: the file has no workflow_dispatch trigger. */
  dispatchInputs?: Map<string, DeclaredInput>
}

interface DeclaredInput {
  required: boolean
  default?: string
  /** A `choice` input's allowed values. */
  options?: string[]
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
  /** A workflow's file name or numeric id, as the path gives it. */
  workflow?: string
  runId?: string
  /** A path in the repository (contents); '' is its root. */
  filePath?: string
  /** A secret scanning alert's number, as the path gives it. */
  alertNumber?: string
  /** An issue's number, as the path gives it. */
  issueNumber?: string
}

interface Route {
  name: RouteName
  method: string
  pattern: RegExp
  /** Repository routes capture owner and repo first; organization routes the org. */
  on: 'repo' | 'org'
  scopeKind?: ScopeKind
  /** The Place field that the capture after owner and repo fills. */
  param?: 'workflow' | 'runId' | 'filePath' | 'alertNumber' | 'issueNumber'
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
    docs: `${DOCS_RUNS}#get-a-workflow-run-attempt`
  },
  {
    name: 'get-run',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/actions/runs/(\\d+)$`),
    on: 'repo',
    param: 'runId',
    need: read('actions'),
    docs: `${DOCS_RUNS}#get-a-workflow-run`
  },
  {
    name: 'get-workflow',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/actions/workflows/([^/]+)$`),
    on: 'repo',
    param: 'workflow',
    need: read('actions'),
    docs: `${DOCS_WORKFLOWS}#get-a-workflow`
  },
  {
    name: 'enable-workflow',
    method: 'PUT',
    pattern: new RegExp(`^${REPO_PATH}/actions/workflows/([^/]+)/enable$`),
    on: 'repo',
    param: 'workflow',
    need: write('actions'),
    docs: `${DOCS_WORKFLOWS}#enable-a-workflow`
  },
  {
    name: 'dispatch-workflow',
    method: 'POST',
    pattern: new RegExp(`^${REPO_PATH}/actions/workflows/([^/]+)/dispatches$`),
    on: 'repo',
    param: 'workflow',
    need: write('actions'),
    docs: `${DOCS_WORKFLOWS}#create-a-workflow-dispatch-event`
  },
  {
    name: 'list-workflow-runs',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/actions/workflows/([^/]+)/runs$`),
    on: 'repo',
    param: 'workflow',
    need: read('actions'),
    docs: `${DOCS_RUNS}#list-workflow-runs-for-a-workflow`
  },
  {
    name: 'get-content',
    method: 'GET',
    // The path keeps its slashes; without one it is the repository's root.
    pattern: new RegExp(`^${REPO_PATH}/contents(?:/(.*))?$`),
    on: 'repo',
    param: 'filePath',
    need: read('contents'),
    docs: 'https://docs.github.com/rest/repos/contents#get-repository-content'
  },
  {
    name: 'list-secret-scanning-alerts',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/secret-scanning/alerts$`),
    on: 'repo',
    need: read('secret_scanning_alerts'),
    docs: `${DOCS_SECRET_SCANNING}#list-secret-scanning-alerts-for-a-repository`
  },
  {
    name: 'list-org-secret-scanning-alerts',
    method: 'GET',
    pattern: new RegExp(`^${ORG_PATH}/secret-scanning/alerts$`),
    on: 'org',
    need: read('secret_scanning_alerts'),
    docs: `${DOCS_SECRET_SCANNING}#list-secret-scanning-alerts-for-an-organization`
  },
  {
    name: 'update-secret-scanning-alert',
    method: 'PATCH',
    pattern: new RegExp(`^${REPO_PATH}/secret-scanning/alerts/([^/]+)$`),
    on: 'repo',
    param: 'alertNumber',
    need: write('secret_scanning_alerts'),
    docs: `${DOCS_SECRET_SCANNING}#update-a-secret-scanning-alert`
  },
  {
    name: 'list-issues',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/issues$`),
    on: 'repo',
    need: read('issues'),
    docs: `${DOCS_ISSUES}#list-repository-issues`
  },
  {
    name: 'create-issue',
    method: 'POST',
    pattern: new RegExp(`^${REPO_PATH}/issues$`),
    on: 'repo',
    need: write('issues'),
    docs: `${DOCS_ISSUES}#create-an-issue`
  },
  {
    name: 'update-issue',
    method: 'PATCH',
    pattern: new RegExp(`^${REPO_PATH}/issues/([^/]+)$`),
    on: 'repo',
    param: 'issueNumber',
    need: write('issues'),
    docs: `${DOCS_ISSUES}#update-an-issue`
  },
  {
    name: 'create-issue-comment',
    method: 'POST',
    pattern: new RegExp(`^${REPO_PATH}/issues/([^/]+)/comments$`),
    on: 'repo',
    param: 'issueNumber',
    need: write('issues'),
    docs: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment'
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

/** GitHub's legacy global node id: base64 of "0<length of type>:<type><id>", e.g. 010:Repository1. */
function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64')
}

/** The URLs a repository object carries after its API URL (RFC 6570 templates, as GitHub's). */
const REPO_URLS: Record<string, string> = {
  archive_url: '/{archive_format}{/ref}',
  assignees_url: '/assignees{/user}',
  blobs_url: '/git/blobs{/sha}',
  branches_url: '/branches{/branch}',
  collaborators_url: '/collaborators{/collaborator}',
  comments_url: '/comments{/number}',
  commits_url: '/commits{/sha}',
  compare_url: '/compare/{base}...{head}',
  contents_url: '/contents/{+path}',
  contributors_url: '/contributors',
  deployments_url: '/deployments',
  downloads_url: '/downloads',
  events_url: '/events',
  forks_url: '/forks',
  git_commits_url: '/git/commits{/sha}',
  git_refs_url: '/git/refs{/sha}',
  git_tags_url: '/git/tags{/sha}',
  hooks_url: '/hooks',
  issue_comment_url: '/issues/comments{/number}',
  issue_events_url: '/issues/events{/number}',
  issues_url: '/issues{/number}',
  keys_url: '/keys{/key_id}',
  labels_url: '/labels{/name}',
  languages_url: '/languages',
  merges_url: '/merges',
  milestones_url: '/milestones{/number}',
  notifications_url: '/notifications{?since,all,participating}',
  pulls_url: '/pulls{/number}',
  releases_url: '/releases{/id}',
  stargazers_url: '/stargazers',
  statuses_url: '/statuses/{sha}',
  subscribers_url: '/subscribers',
  subscription_url: '/subscription',
  tags_url: '/tags',
  teams_url: '/teams',
  trees_url: '/git/trees{/sha}'
}

/** The URLs an account object (simple-user) carries after its API URL. */
const ACCOUNT_URLS: Record<string, string> = {
  followers_url: '/followers',
  following_url: '/following{/other_user}',
  gists_url: '/gists{/gist_id}',
  starred_url: '/starred{/owner}{/repo}',
  subscriptions_url: '/subscriptions',
  organizations_url: '/orgs',
  repos_url: '/repos',
  events_url: '/events{/privacy}',
  received_events_url: '/received_events'
}

/** What a full repository object adds for a new private repository: nothing counted yet. */
const NEW_REPO_FIELDS = {
  homepage: null,
  language: null,
  mirror_url: null,
  license: null,
  size: 0,
  forks: 0,
  forks_count: 0,
  open_issues: 0,
  open_issues_count: 0,
  watchers: 0,
  watchers_count: 0,
  stargazers_count: 0,
  network_count: 0,
  subscribers_count: 0,
  has_issues: true,
  has_projects: true,
  has_wiki: false,
  has_pages: false,
  has_discussions: false,
  archived: false,
  disabled: false,
  visibility: 'private',
  default_branch: DEFAULT_BRANCH
}

const withUrls = (base: string, suffixes: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(suffixes).map(([key, suffix]) => [key, `${base}${suffix}`]))

/** GitHub's time format: ISO 8601 without milliseconds. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** A commit id: 40 hexadecimal digits. */
function randomSha(): string {
  return randomBytes(20).toString('hex')
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

/** A JSON object body, or the 400 GitHub sends for anything else. */
function parseJsonObject(raw: Buffer, docs: string): Record<string, unknown> {
  let body: unknown
  const text = raw.toString('utf8')
  try {
    // GitHub reads an empty body as no parameters.
    body = text.trim() === '' ? {} : JSON.parse(text)
  } catch {
    throw new ReplyError(errorReply(400, 'Problems parsing JSON', docs))
  }
  if (!isRecord(body)) throw new ReplyError(errorReply(400, 'Problems parsing JSON', docs))
  return body
}

/** A request body as the OpenAPI check takes it: JSON when it parses, else the text. */
function parseOrText(raw: Buffer): unknown {
  const text = raw.toString('utf8')
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** GitHub's 422 for a body field of the wrong JSON type. */
function wrongType(field: string, value: unknown, type: string, docs: string): ReplyError {
  const shown = JSON.stringify(value)
  return new ReplyError(
    errorReply(422, `Invalid request.\n\nFor 'properties/${field}', ${shown} is not ${type}.`, docs)
  )
}

/** Validates a PUT body as GitHub does; returns the fields or throws the 422/400 GitHub sends. */
function parsePutBody(
  raw: Buffer,
  docs: string,
  org: unknown
): { encrypted: string; keyId: string; access?: OrgAccess } {
  const fields = parseJsonObject(raw, docs)
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

/** `main` for `main` and `refs/heads/main`; undefined for tags and other refs (never branches). */
function branchName(ref: string): string | undefined {
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length) || undefined
  return ref.startsWith('refs/') || ref === '' ? undefined : ref
}

/** The workflow file name of a path in .github/workflows, as GitHub registers workflows. */
function workflowFileOf(path: string): string | undefined {
  const match = /^\.github\/workflows\/([^/]+\.ya?ml)$/.exec(path)
  return match?.[1]
}

function defaultWorkflowContent(name: string): string {
  return [
    `name: ${JSON.stringify(name)}`,
    'run-name: "Smoke test ${{ inputs.rotation }}"',
    'on:',
    '  workflow_dispatch:',
    '    inputs:',
    '      rotation:',
    '        description: The rotation that dispatched this run',
    '        required: true',
    '        type: string',
    'jobs:',
    '  smoke:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - run: echo "Smoke test for ${{ inputs.rotation }}"',
    ''
  ].join('\n')
}

/**
 * Reads what GitHub reads from a workflow file. `on` may be an event name, a list of them or a
 * map; YAML 1.2 (the yaml package's default) keeps the key `on` a string, as Actions does.
 */
function readWorkflowFile(text: string): WorkflowFile {
  let document: unknown
  try {
    document = parseYaml(text)
  } catch {
    // An unparsable file has no trigger GitHub could act on.
    return {}
  }
  if (!isRecord(document)) return {}
  const file: WorkflowFile = {}
  if (typeof document.name === 'string') file.name = document.name
  if (typeof document['run-name'] === 'string') file.runName = document['run-name']
  const on = document.on
  const events: unknown[] =
    typeof on === 'string' ? [on] : Array.isArray(on) ? on : isRecord(on) ? Object.keys(on) : []
  if (!events.includes('workflow_dispatch')) return file
  const trigger = isRecord(on) ? on.workflow_dispatch : undefined
  const declared = isRecord(trigger) && isRecord(trigger.inputs) ? trigger.inputs : {}
  file.dispatchInputs = new Map(
    Object.entries(declared).map(([name, spec]) => {
      const input: DeclaredInput = { required: isRecord(spec) && spec.required === true }
      if (isRecord(spec) && spec.default !== undefined && spec.default !== null) {
        input.default = String(spec.default)
      }
      if (isRecord(spec) && spec.type === 'choice' && Array.isArray(spec.options)) {
        input.options = spec.options.map(String)
      }
      return [name, input]
    })
  )
  return file
}

/** A run-name with its input expressions replaced; an input without a value is empty. */
function fillRunName(template: string, inputs: Record<string, string>): string {
  return template.replace(
    /\$\{\{\s*(?:github\.event\.)?inputs\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g,
    (_expression, name: string) => inputs[name] ?? ''
  )
}

/** Base64 as GitHub's contents API sends it: a line feed after every 60 characters. */
function wrapBase64(bytes: Buffer): string {
  const lines = bytes.toString('base64').match(/.{1,60}/g) ?? []
  return lines.map(line => `${line}\n`).join('')
}

/** The git object id of a blob: what GitHub shows as a file's sha. */
function gitBlobSha(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex')
}

/** A run's status, conclusion and last change at `now`: computed when read, no timers. */
function runProgress(
  run: DispatchedRun,
  now: number
): { status: RunStatus; conclusion: RunConclusion | null; updatedAt: number } {
  const { outcome } = run
  const queuedMs = 'never' in outcome ? DEFAULT_QUEUED_MS : (outcome.queuedMs ?? DEFAULT_QUEUED_MS)
  const startedAt = run.createdAt + queuedMs
  if (now < startedAt) return { status: 'queued', conclusion: null, updatedAt: run.createdAt }
  if ('never' in outcome) return { status: 'in_progress', conclusion: null, updatedAt: startedAt }
  const endedAt = startedAt + (outcome.durationMs ?? DEFAULT_DURATION_MS)
  if (now < endedAt) return { status: 'in_progress', conclusion: null, updatedAt: startedAt }
  return { status: 'completed', conclusion: outcome.conclusion, updatedAt: endedAt }
}

/**
 * GitHub's `created` qualifier (>=T, >T, <=T, <T, A..B, or a date or time alone) as a test of a
 * run's creation time, compared at the whole seconds GitHub shows. A date alone is its whole
 * day. Undefined when it does not parse; the filter is then not applied.
 */
function createdFilter(qualifier: string): ((createdMs: number) => boolean) | undefined {
  // [from, until) of a date (its day) or an instant (that millisecond).
  const span = (text: string): [number, number] | undefined => {
    if (text === '*') return [-Infinity, Infinity]
    const ms = Date.parse(text)
    if (Number.isNaN(ms)) return undefined
    return [ms, ms + (/^\d{4}-\d\d-\d\d$/.test(text) ? DAY_MS : 1)]
  }
  const shown = (ms: number): number => Math.floor(ms / 1000) * 1000
  const operator = /^(>=|<=|>|<)(.+)$/.exec(qualifier)
  if (operator) {
    const bounds = span(operator[2] ?? '')
    if (!bounds) return undefined
    const [from, until] = bounds
    switch (operator[1]) {
      case '>=':
        return ms => shown(ms) >= from
      case '>':
        return ms => shown(ms) >= until
      case '<=':
        return ms => shown(ms) < until
      default:
        return ms => shown(ms) < from
    }
  }
  const [first = '', last] = qualifier.split('..')
  const start = span(first)
  const end = last === undefined ? start : span(last)
  if (!start || !end) return undefined
  return ms => shown(ms) >= start[0] && shown(ms) < end[1]
}

/** How long after a rate-limit refusal a client may still send requests it had already started. */
const CLIENT_REACTION_MS = 100

export async function startGitHubEmulator(
  options: GitHubEmulatorOptions = {}
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
  // Run ids on GitHub.com are past ten billion, beyond 32 bits.
  let nextRunId = randomInt(10_000_000_000, 20_000_000_000)
  const dispatchRunDetails = options.dispatchRunDetails ?? basePath === ''
  const runListDelayMs = options.runListDelayMs ?? 0
  const maxDispatchInputs = dispatchRunDetails ? 25 : 10
  let anonymousUsed = 0
  let closed = false
  const description = options.openapi ?? (basePath ? 'ghes' : 'api.github.com')
  const exchanges: Exchange[] = []
  /** Requests awaiting their answer, recorded by send(). */
  const pending = new WeakMap<ServerResponse, Omit<Exchange, 'status' | 'responseBody'>>()
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

  /** The branch, created as a copy of the default branch when it does not exist. */
  const branchOrNew = (repo: Repo, ref: string): Branch => {
    const name = branchName(ref)
    if (name === undefined) throw new Error(`GitHub emulator: "${ref}" is not a branch`)
    const existing = repo.branches.get(name)
    if (existing) return existing
    const base = repo.branches.get(DEFAULT_BRANCH)
    const created = { files: new Map(base?.files), headSha: base?.headSha ?? randomSha() }
    repo.branches.set(name, created)
    return created
  }

  /** A commit writing one file; on the default branch a workflow file registers its workflow. */
  const writeFile = (repo: Repo, path: string, content: string, ref: string): void => {
    if (!/^[^/]+(?:\/[^/]+)*$/.test(path) || path.split('/').some(part => /^\.\.?$/.test(part))) {
      throw new Error(`GitHub emulator: "${path}" is not a file path`)
    }
    const branch = branchOrNew(repo, ref)
    branch.files.set(path, content)
    branch.headSha = randomSha()
    repo.pushedAt = new Date()
    const file = workflowFileOf(path)
    if (branchName(ref) !== DEFAULT_BRANCH || file === undefined || repo.workflows.has(file)) return
    registerWorkflow(repo, file)
  }

  /** A workflow GitHub now knows, active, with an id of its own. */
  const registerWorkflow = (repo: Repo, file: string): Workflow => {
    const now = new Date()
    nextRepoId += 1
    const workflow: Workflow = {
      id: nextRepoId,
      file,
      state: 'active',
      createdAt: now,
      updatedAt: now,
      outcome: { conclusion: 'success' },
      runCount: 0
    }
    repo.workflows.set(file, workflow)
    return workflow
  }

  /** The workflow of the action's own runs (setRun): registered, no file needed. */
  const rotationWorkflow = (repo: Repo): Workflow => {
    const file = ROTATION_WORKFLOW_PATH.split('/').at(-1) ?? ''
    return repo.workflows.get(file) ?? registerWorkflow(repo, file)
  }

  const mustFindWorkflow = (repo: string, file: string): Workflow => {
    const workflow = mustFindRepo(repo).workflows.get(file)
    if (!workflow) throw new Error(`GitHub emulator: no workflow ${file} in ${repo}`)
    return workflow
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
    // The workflow's GITHUB_TOKEN reads its repository's code and has no secrets permission.
    if (token.kind === 'github-token') return permission === 'contents' ? 'read' : 'none'
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
    const request = pending.get(res)
    if (request) exchanges.push({ ...request, status: reply.status, responseBody: reply.body })
    res.end(payload)
  }

  /** Answers a request that passed auth and interception. */
  const handle = (
    route: Route,
    place: Place,
    url: URL,
    raw: Buffer,
    origin: string,
    token: Token
  ): Reply => {
    const { repo, secretName } = place
    if (route.name.includes('secret-scanning')) {
      return secretScanningReply(route, place, url, raw, origin, token)
    }
    if (route.name.includes('issue') && repo) {
      // "Only users with push access can set labels for new issues. Labels are silently
      // dropped otherwise" (the create operation's description): push is Contents: write.
      const push = allows(token, write('contents'))
      return issuesReply(route, repo, place, url, raw, origin, push)
    }
    if (route.name === 'get-repo' && repo) {
      return { status: 200, body: fullRepositoryJson(repo, origin) }
    }
    if (route.name === 'get-environment' && repo) {
      const environment = repo.environments.get((place.environment ?? '').toLowerCase())
      if (!environment) return errorReply(404, 'Not Found', route.docs)
      const created = isoSeconds(environment.createdAt)
      return {
        status: 200,
        body: {
          id: environment.id,
          node_id: nodeId('Environment', environment.id),
          name: environment.name,
          url: `${origin}${basePath}/repos/${repo.fullName}/environments/${encodeURIComponent(environment.name)}`,
          html_url: `${origin}/${repo.fullName}/deployments/activity_log?environments_filter=${encodeURIComponent(environment.name)}`,
          created_at: created,
          updated_at: created,
          protection_rules: []
        }
      }
    }
    if (route.name === 'get-run-attempt' && repo) {
      const [runId = '', attempt = ''] = url.pathname
        .split('/')
        .slice(-3)
        .filter((_, i) => i !== 1)
      const set = repo.runs.get(`${runId}.${attempt}`)
      // A dispatched run has one attempt.
      const dispatched = attempt === '1' ? findDispatchedRun(repo, runId) : undefined
      if (!set && dispatched) {
        return {
          status: 200,
          body: runJson(repo, dispatchedRunView(dispatched, Date.now()), origin)
        }
      }
      if (!set) return errorReply(404, 'Not Found', route.docs)
      // The action's own run: a scheduled run of its workflow, concluded as the test set it.
      const view: RunView = {
        id: Number(runId),
        attempt: Number(attempt),
        name: ROTATION_WORKFLOW_NAME,
        workflowId: rotationWorkflow(repo).id,
        path: ROTATION_WORKFLOW_PATH,
        branch: DEFAULT_BRANCH,
        headSha: repo.branches.get(DEFAULT_BRANCH)?.headSha ?? randomSha(),
        displayTitle: ROTATION_WORKFLOW_NAME,
        runNumber: 1,
        event: 'schedule',
        status: set.status,
        conclusion: set.status === 'completed' ? set.conclusion : null,
        createdAt: set.createdAt,
        updatedAt: set.updatedAt
      }
      return { status: 200, body: runJson(repo, view, origin) }
    }
    if (repo && route.param) return handleRepoActions(route, repo, place, url, raw, origin)
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
          selected.map(found => repositoryJson(found, origin)),
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

  /** Answers the workflow, run and contents routes. */
  const handleRepoActions = (
    route: Route,
    repo: Repo,
    place: Place,
    url: URL,
    raw: Buffer,
    origin: string
  ): Reply => {
    const notFound = errorReply(404, 'Not Found', route.docs)
    if (route.name === 'get-content')
      return contentReply(route, repo, place.filePath ?? '', url, origin)
    if (route.name === 'get-run') {
      const run = findDispatchedRun(repo, place.runId ?? '')
      return run
        ? { status: 200, body: runJson(repo, dispatchedRunView(run, Date.now()), origin) }
        : notFound
    }
    const workflow = findWorkflow(repo, place.workflow ?? '')
    if (!workflow) return notFound
    switch (route.name) {
      case 'get-workflow':
        return { status: 200, body: workflowJson(repo, workflow, origin) }
      case 'enable-workflow':
        if (workflow.state !== 'active') {
          workflow.state = 'active'
          workflow.updatedAt = new Date()
        }
        return { status: 204 }
      case 'dispatch-workflow':
        return dispatchReply(route, repo, workflow, raw, origin)
      case 'list-workflow-runs':
        return listRunsReply(repo, workflow, url, origin)
      default:
        throw new Error(`GitHub emulator: route ${route.name} has no handler`)
    }
  }

  const findWorkflow = (repo: Repo, idOrFile: string): Workflow | undefined =>
    repo.workflows.get(idOrFile) ??
    (/^\d+$/.test(idOrFile)
      ? [...repo.workflows.values()].find(workflow => workflow.id === Number(idOrFile))
      : undefined)

  const findDispatchedRun = (repo: Repo, runId: string): DispatchedRun | undefined =>
    /^\d+$/.test(runId) ? repo.dispatchedRuns.find(run => run.id === Number(runId)) : undefined

  const workflowPath = (workflow: Workflow): string => `${WORKFLOWS_DIR}/${workflow.file}`

  /** As GitHub names a workflow: the `name:` on the default branch, else its path. */
  const workflowName = (repo: Repo, workflow: Workflow): string => {
    const text = repo.branches.get(DEFAULT_BRANCH)?.files.get(workflowPath(workflow))
    return (text === undefined ? undefined : readWorkflowFile(text).name) ?? workflowPath(workflow)
  }

  const workflowJson = (repo: Repo, workflow: Workflow, origin: string) => {
    const name = workflowName(repo, workflow)
    return {
      id: workflow.id,
      node_id: nodeId('Workflow', workflow.id),
      name,
      path: workflowPath(workflow),
      state: workflow.state,
      created_at: isoSeconds(workflow.createdAt),
      updated_at: isoSeconds(workflow.updatedAt),
      url: `${origin}${basePath}/repos/${repo.fullName}/actions/workflows/${workflow.id}`,
      html_url: `${origin}/${repo.fullName}/blob/${DEFAULT_BRANCH}/${workflowPath(workflow)}`,
      badge_url: `${origin}/${repo.fullName}/workflows/${encodeURIComponent(name)}/badge.svg`
    }
  }

  /** An account as GitHub shows one (simple-user): an organization if one was added, else a user. */
  const accountJson = (login: string, origin: string) => {
    const org = orgs.get(login.toLowerCase())
    // A user is not modelled: an id derived from the login keeps it stable.
    const id = org?.id ?? createHash('sha1').update(login.toLowerCase()).digest().readUInt32BE(0)
    const api = `${origin}${basePath}/users/${login}`
    return {
      login,
      id,
      node_id: nodeId(org ? 'Organization' : 'User', id),
      avatar_url: `${origin}/avatars/u/${id}?v=4`,
      gravatar_id: '',
      url: api,
      html_url: `${origin}/${login}`,
      ...withUrls(api, ACCOUNT_URLS),
      type: org ? 'Organization' : 'User',
      site_admin: false
    }
  }

  /** A repository as lists and runs show it (minimal-repository). */
  const repositoryJson = (repo: Repo, origin: string) => {
    const api = `${origin}${basePath}/repos/${repo.fullName}`
    return {
      id: repo.id,
      node_id: nodeId('Repository', repo.id),
      name: repo.name,
      full_name: repo.fullName,
      owner: accountJson(repo.owner, origin),
      private: true,
      html_url: `${origin}/${repo.fullName}`,
      description: null,
      fork: false,
      url: api,
      ...withUrls(api, REPO_URLS)
    }
  }

  /** A repository as GET /repos/{owner}/{repo} shows it (full-repository). */
  const fullRepositoryJson = (repo: Repo, origin: string) => {
    const host = new URL(origin).host
    return {
      ...repositoryJson(repo, origin),
      ...NEW_REPO_FIELDS,
      git_url: `git://${host}/${repo.fullName}.git`,
      ssh_url: `git@${host}:${repo.fullName}.git`,
      clone_url: `${origin}/${repo.fullName}.git`,
      svn_url: `${origin}/${repo.fullName}`,
      created_at: isoSeconds(repo.createdAt),
      updated_at: isoSeconds(repo.createdAt),
      pushed_at: isoSeconds(repo.pushedAt)
    }
  }

  const dispatchedRunView = (run: DispatchedRun, now: number): RunView => {
    const progress = runProgress(run, now)
    return {
      id: run.id,
      attempt: 1,
      name: run.name,
      workflowId: run.workflow.id,
      path: workflowPath(run.workflow),
      branch: run.branch,
      headSha: run.headSha,
      displayTitle: run.displayTitle,
      runNumber: run.runNumber,
      event: 'workflow_dispatch',
      status: progress.status,
      conclusion: progress.conclusion,
      createdAt: run.createdAt,
      updatedAt: progress.updatedAt
    }
  }

  /** A workflow run attempt (workflow-run); its head commit is the one the run checked out. */
  const runJson = (repo: Repo, run: RunView, origin: string) => {
    const api = `${origin}${basePath}/repos/${repo.fullName}`
    const runUrl = `${api}/actions/runs/${run.id}`
    const created = isoSeconds(new Date(run.createdAt))
    const author = { name: repo.owner, email: `${repo.owner}@users.noreply.github.com` }
    const repository = repositoryJson(repo, origin)
    return {
      id: run.id,
      name: run.name,
      node_id: nodeId('WorkflowRun', run.id),
      head_branch: run.branch,
      head_sha: run.headSha,
      path: run.path,
      display_title: run.displayTitle,
      run_number: run.runNumber,
      run_attempt: run.attempt,
      event: run.event,
      status: run.status,
      conclusion: run.conclusion,
      workflow_id: run.workflowId,
      url: runUrl,
      html_url: `${origin}/${repo.fullName}/actions/runs/${run.id}`,
      pull_requests: [],
      created_at: created,
      updated_at: isoSeconds(new Date(run.updatedAt)),
      run_started_at: created,
      jobs_url: `${runUrl}/jobs`,
      logs_url: `${runUrl}/logs`,
      check_suite_url: `${api}/check-suites/${run.id + 1}`,
      artifacts_url: `${runUrl}/artifacts`,
      cancel_url: `${runUrl}/cancel`,
      rerun_url: `${runUrl}/rerun`,
      previous_attempt_url: run.attempt > 1 ? `${runUrl}/attempts/${run.attempt - 1}` : null,
      workflow_url: `${api}/actions/workflows/${run.workflowId}`,
      head_commit: {
        id: run.headSha,
        tree_id: createHash('sha1').update(run.headSha).digest('hex'),
        message: `Update ${run.path}`,
        timestamp: created,
        author,
        committer: author
      },
      repository,
      head_repository: repository
    }
  }

  /** Validates a dispatch in GitHub's order, then starts a run. */
  const dispatchReply = (
    route: Route,
    repo: Repo,
    workflow: Workflow,
    raw: Buffer,
    origin: string
  ): Reply => {
    const body = parseJsonObject(raw, route.docs)
    const invalid = (message: string) => errorReply(422, message, route.docs)
    if (body.ref === undefined) return invalid('Invalid request.\n\n"ref" wasn\'t supplied.')
    const permitted = dispatchRunDetails
      ? ['ref', 'inputs', 'return_run_details']
      : ['ref', 'inputs']
    const extra = Object.keys(body).find(key => !permitted.includes(key))
    if (extra !== undefined)
      return invalid(`Invalid request.\n\n"${extra}" is not a permitted key.`)
    if (typeof body.ref !== 'string') throw wrongType('ref', body.ref, 'a string', route.docs)
    const given = body.inputs ?? {}
    if (!isRecord(given)) throw wrongType('inputs', given, 'an object', route.docs)
    for (const [name, value] of Object.entries(given)) {
      if (typeof value !== 'string') throw wrongType(name, value, 'a string', route.docs)
    }
    const inputs = given as Record<string, string>
    const returnRunDetails = body.return_run_details ?? false
    if (typeof returnRunDetails !== 'boolean') {
      throw wrongType('return_run_details', returnRunDetails, 'a boolean', route.docs)
    }

    const branch = branchName(body.ref)
    const head = branch === undefined ? undefined : repo.branches.get(branch)
    if (branch === undefined || !head) return invalid(`No ref found for: ${body.ref}`)
    if (workflow.state !== 'active') return invalid(MSG_DISABLED)
    // The trigger and inputs are those of the file at the ref, not the default branch.
    const text = head.files.get(workflowPath(workflow))
    const file = text === undefined ? {} : readWorkflowFile(text)
    const declared = file.dispatchInputs
    if (!declared) return invalid(MSG_NO_TRIGGER)
    if (Object.keys(inputs).length > maxDispatchInputs || declared.size > maxDispatchInputs) {
      return invalid(
        `you may only define up to ${maxDispatchInputs} \`inputs\` for a \`workflow_dispatch\` event`
      )
    }
    const unexpected = Object.keys(inputs).filter(name => !declared.has(name))
    if (unexpected.length > 0) {
      const list = unexpected.map(name => JSON.stringify(name)).join(', ')
      return invalid(`Unexpected inputs provided: [${list}]`)
    }
    const values: Record<string, string> = {}
    for (const [name, input] of declared) {
      const value = inputs[name] ?? input.default
      if (value === undefined) {
        if (input.required) return invalid(`Required input '${name}' not provided`)
        continue
      }
      if (input.options && !input.options.includes(value)) {
        return invalid(
          `Provided value '${value}' for input '${name}' not in the list of allowed values`
        )
      }
      values[name] = value
    }

    workflow.runCount += 1
    // Ids of other repositories' runs fall in between.
    nextRunId += randomInt(1, 1000)
    const name = file.name ?? workflowPath(workflow)
    const run: DispatchedRun = {
      id: nextRunId,
      workflow,
      runNumber: workflow.runCount,
      branch,
      headSha: head.headSha,
      inputs: values,
      name,
      displayTitle: file.runName === undefined ? name : fillRunName(file.runName, values),
      createdAt: Date.now(),
      outcome: { ...workflow.outcome }
    }
    repo.dispatchedRuns.push(run)
    if (!returnRunDetails) return { status: 204 }
    return {
      status: 200,
      body: {
        workflow_run_id: run.id,
        run_url: `${origin}${basePath}/repos/${repo.fullName}/actions/runs/${run.id}`,
        html_url: `${origin}/${repo.fullName}/actions/runs/${run.id}`
      }
    }
  }

  /** A workflow's runs, newest first, filtered by event, branch, status and created. */
  const listRunsReply = (repo: Repo, workflow: Workflow, url: URL, origin: string): Reply => {
    const now = Date.now()
    const query = (name: string): string | undefined => url.searchParams.get(name) || undefined
    const event = query('event')
    const branch = query('branch')
    const status = query('status')
    const createdQualifier = query('created')
    const created = createdQualifier === undefined ? undefined : createdFilter(createdQualifier)
    // `status` takes a status or a conclusion.
    const isStatus = ['queued', 'in_progress', 'completed', 'requested', 'waiting', 'pending']
    const runs = repo.dispatchedRuns.filter(run => {
      if (run.workflow !== workflow || now < run.createdAt + runListDelayMs) return false
      const progress = runProgress(run, now)
      if (event !== undefined && event !== 'workflow_dispatch') return false
      if (branch !== undefined && branch !== run.branch) return false
      if (status !== undefined) {
        const actual = isStatus.includes(status) ? progress.status : progress.conclusion
        if (actual !== status) return false
      }
      return !created || created(run.createdAt)
    })
    const newestFirst = [...runs].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
    return page(
      newestFirst.map(run => runJson(repo, dispatchedRunView(run, now), origin)),
      'workflow_runs',
      url,
      origin
    )
  }

  /** A file (base64, as GitHub sends it) or a directory listing, at `?ref=` or the default branch. */
  const contentReply = (
    route: Route,
    repo: Repo,
    requested: string,
    url: URL,
    origin: string
  ): Reply => {
    const ref = url.searchParams.get('ref') || DEFAULT_BRANCH
    const branch = branchName(ref)
    const head = branch === undefined ? undefined : repo.branches.get(branch)
    if (branch === undefined || !head) {
      return errorReply(404, `No commit found for the ref ${ref}`, route.docs)
    }
    const path = requested.replace(/^\/+|\/+$/g, '')
    const entry = (entryPath: string, type: 'file' | 'dir', sha: string, size: number) => {
      const encoded = entryPath.split('/').map(encodeURIComponent).join('/')
      const self = `${origin}${basePath}/repos/${repo.fullName}/contents/${encoded}?ref=${encodeURIComponent(branch)}`
      const git = `${origin}${basePath}/repos/${repo.fullName}/git/${type === 'file' ? 'blobs' : 'trees'}/${sha}`
      const html = `${origin}/${repo.fullName}/${type === 'file' ? 'blob' : 'tree'}/${branch}/${encoded}`
      return {
        type,
        size,
        name: entryPath.split('/').at(-1) ?? '',
        path: entryPath,
        sha,
        url: self,
        git_url: git,
        html_url: html,
        download_url:
          type === 'file' ? `${origin}/${repo.fullName}/raw/${branch}/${encoded}` : null,
        _links: { self, git, html }
      }
    }
    const text = head.files.get(path)
    if (text !== undefined) {
      const bytes = Buffer.from(text, 'utf8')
      return {
        status: 200,
        body: {
          ...entry(path, 'file', gitBlobSha(bytes), bytes.length),
          encoding: 'base64',
          content: wrapBase64(bytes)
        }
      }
    }
    // A directory: the files and directories directly in it.
    const prefix = path === '' ? '' : `${path}/`
    const children = new Map<string, 'file' | 'dir'>()
    for (const filePath of head.files.keys()) {
      if (!filePath.startsWith(prefix)) continue
      const [child = '', ...deeper] = filePath.slice(prefix.length).split('/')
      children.set(child, deeper.length > 0 ? 'dir' : 'file')
    }
    if (children.size === 0) return errorReply(404, 'Not Found', route.docs)
    const listing = [...children.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([child, type]) => {
        const childPath = `${prefix}${child}`
        const text = head.files.get(childPath)
        if (type === 'file' && text !== undefined) {
          const bytes = Buffer.from(text, 'utf8')
          return entry(childPath, 'file', gitBlobSha(bytes), bytes.length)
        }
        // Stands in for the tree's object id: stable while the directory's files are.
        const files = [...head.files.entries()].filter(([p]) => p.startsWith(`${childPath}/`))
        const treeSha = createHash('sha1').update(JSON.stringify(files)).digest('hex')
        return entry(childPath, 'dir', treeSha, 0)
      })
    return { status: 200, body: listing }
  }

  /** One page of a list, with GitHub's per_page rules, total_count and Link header. */
  const page = (items: unknown[], key: string, url: URL, origin: string): Reply => {
    // GitHub caps per_page at 100 and falls back to defaults for junk; links keep the filters.
    const { start, end, link } = pageOf(items.length, url, origin)
    const reply: Reply = {
      status: 200,
      body: { total_count: items.length, [key]: items.slice(start, end) }
    }
    if (link !== undefined) reply.headers = { link }
    return reply
  }

  /** A list answered as a bare JSON array (secret scanning alerts), paged by its Link header. */
  const pageArray = (items: unknown[], url: URL, origin: string): Reply => {
    const { start, end, link } = pageOf(items.length, url, origin)
    const reply: Reply = { status: 200, body: items.slice(start, end) }
    if (link !== undefined) reply.headers = { link }
    return reply
  }

  /** The secret scanning routes: both lists and the alert update. */
  const secretScanningReply = (
    route: Route,
    place: Place,
    url: URL,
    raw: Buffer,
    origin: string,
    token: Token
  ): Reply => {
    const refuse = (refusal: Refusal): Reply =>
      errorReply(refusal.status, refusal.message, route.docs)
    const ghes = basePath !== ''
    const context = (repo: Repo, withRepository: boolean): AlertContext => ({
      apiUrl: `${origin}${basePath}/repos/${repo.fullName}`,
      htmlUrl: `${origin}/${repo.fullName}`,
      hideSecret: hideSecret(url.searchParams),
      ghes,
      account: login => accountJson(login, origin),
      ...(withRepository ? { repository: repositoryJson(repo, origin) } : {})
    })
    if (route.name === 'list-org-secret-scanning-alerts' && place.org) {
      if ((token.grant.orgRole ?? 'owner') === 'member') {
        return errorReply(403, 'Resource not accessible by personal access token', route.docs)
      }
      const login = place.org.login.toLowerCase()
      const scanned = [...repos.values()].filter(
        r => r.owner.toLowerCase() === login && r.secretScanning.enabled
      )
      if (scanned.length === 0) return errorReply(404, MSG_ORG_DISABLED, route.docs)
      // Only the repositories the token may see (a fine-grained PAT's selection).
      const entries = scanned
        .filter(r => canSee(token, { repo: r }))
        .flatMap(r => r.secretScanning.all().map(alert => ({ alert, repoId: r.id, repo: r })))
      const chosen = selectAlerts(entries, url.searchParams)
      if (!Array.isArray(chosen)) return refuse(chosen)
      return pageArray(
        chosen.map(({ alert, repo: r }) => alertJson(alert, context(r, true))),
        url,
        origin
      )
    }
    const repo = place.repo
    if (!repo) return errorReply(404, 'Not Found', route.docs)
    if (!repo.secretScanning.enabled) return errorReply(404, MSG_REPO_DISABLED, route.docs)
    if (route.name === 'list-secret-scanning-alerts') {
      const entries = repo.secretScanning.all().map(alert => ({ alert, repoId: repo.id }))
      const chosen = selectAlerts(entries, url.searchParams)
      if (!Array.isArray(chosen)) return refuse(chosen)
      return pageArray(
        chosen.map(({ alert }) => alertJson(alert, context(repo, false))),
        url,
        origin
      )
    }
    // update-secret-scanning-alert: the body's schema, then the alert, then what it asks.
    const update = parseUpdate(parseJsonObject(raw, route.docs), ghes)
    if ('status' in update) return refuse(update)
    const number = place.alertNumber ?? ''
    const alert: StoredAlert | undefined = /^\d+$/.test(number)
      ? repo.secretScanning.get(Number(number))
      : undefined
    if (!alert) return errorReply(404, 'Not Found', route.docs)
    const refusal = applyUpdate(alert, update, CALLER_LOGIN, new Date())
    if (refusal) return refuse(refusal)
    return { status: 200, body: alertJson(alert, context(repo, false)) }
  }

  /** The issues routes: the list, a new issue, its update, and a comment. */
  const issuesReply = (
    route: Route,
    repo: Repo,
    place: Place,
    url: URL,
    raw: Buffer,
    origin: string,
    push: boolean
  ): Reply => {
    const store = repo.issues
    // The list declares no 410: with issues off it still lists pull requests (our reading).
    const listing = route.name === 'list-issues'
    if (!store.enabled && !listing) return errorReply(410, MSG_ISSUES_DISABLED, route.docs)
    const refuse = (refusal: IssueRefusal): Reply =>
      errorReply(refusal.status, refusal.message, route.docs)
    const context: IssueContext = {
      apiUrl: `${origin}${basePath}/repos/${repo.fullName}`,
      htmlUrl: `${origin}/${repo.fullName}`,
      account: login => accountJson(login, origin)
    }
    if (listing) {
      const chosen = store.list(url.searchParams)
      if (!Array.isArray(chosen)) return refuse(chosen)
      return pageArray(
        chosen
          .filter(issue => store.enabled || issue.pullRequest)
          .map(issue => issueJson(store, issue, context)),
        url,
        origin
      )
    }
    const body = parseJsonObject(raw, route.docs)
    if (route.name === 'create-issue') {
      const fields = parseNewIssue(body)
      if ('status' in fields) return refuse(fields)
      const labels = push ? fields.labels : []
      const issue = store.open({ ...fields, labels, author: CALLER_LOGIN })
      return { status: 201, body: issueJson(store, issue, context) }
    }
    const number = place.issueNumber ?? ''
    const issue = /^\d+$/.test(number) ? store.get(Number(number)) : undefined
    if (!issue) return errorReply(404, 'Not Found', route.docs)
    if (route.name === 'update-issue') {
      const refusal = applyIssueUpdate(issue, body)
      if (refusal) return refuse(refusal)
      return { status: 200, body: issueJson(store, issue, context) }
    }
    const comment = addComment(issue, body, CALLER_LOGIN)
    if ('status' in comment) return refuse(comment)
    return { status: 201, body: commentJson(issue, comment, context) }
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

    arrive(res)
    const raw = await readBody(req)
    if (raw === undefined) {
      reply(errorReply(413, 'Payload Too Large', DOCS))
      return
    }
    await answerDelay()

    // Match the path under the base path; a known path with another method is a 404 as on GitHub.
    let route: Route | undefined
    let params: string[] = []
    const inBase = basePath === '' || url.pathname.startsWith(`${basePath}/`)
    if (description !== false && inBase) {
      pending.set(res, {
        method,
        path: url.pathname.slice(basePath.length),
        query: Object.fromEntries(url.searchParams),
        // Without the token: nothing recorded may hold one.
        requestHeaders: Object.fromEntries(
          Object.entries(req.headers).filter(([name]) => name !== 'authorization')
        ),
        requestBody: raw.length > 0 ? parseOrText(raw) : undefined
      })
    }
    if (inBase) {
      const path = url.pathname.slice(basePath.length)
      for (const candidate of ROUTES) {
        // GitHub Enterprise Server (3.17 to 3.19) has no Codespaces secrets endpoints.
        if (basePath !== '' && candidate.scopeKind?.endsWith('codespaces')) continue
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
    // GitHub answers a version it does not support with 400; none given means 2022-11-28
    // (https://docs.github.com/rest/about-the-rest-api/api-versions).
    const version = req.headers['x-github-api-version']
    if (version !== undefined && !SUPPORTED_API_VERSIONS.includes(String(version))) {
      reply(errorReply(400, `API version ${String(version)} is not supported.`, DOCS_VERSIONS))
      return
    }
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
      reply(handle(route, place, url, raw, origin, token))
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
    if (route.param) place[route.param] = rest[0] ?? ''
    return place
  }

  // The secondary rate limit: points per window on a scaled clock, and requests in flight.
  const limit = options.secondaryRateLimit
  let windowStart = 0
  let firstRequestAt = 0
  let windowPoints = 0
  let penaltyUntil = 0
  /** The end of the longest wait a refusal has told the client about. */
  let waitUntil = 0
  let lastRefusalSentAt = 0
  let inFlight = 0
  /** The most requests the client has had in flight at once. */
  let peakInFlight = 0
  /** Requests that arrived during the pause, past the reaction time, since the last refusal. */
  let lateSinceRefusal = 0
  const rateReport: RateLimitReport = { throttled: 0, ignoredRetryAfter: 0, peakInFlight: 0 }
  let latency: { min: number; max: number } = options.latencyMs ?? GITHUB_LATENCY_MS

  /** How many were in flight when each request arrived: the concurrency limit counts then. */
  const concurrentAtArrival = new WeakMap<ServerResponse, number>()
  /** A request counts as in flight from its arrival to its answer, as GitHub counts them. */
  const arrive = (res: ServerResponse): void => {
    inFlight += 1
    concurrentAtArrival.set(res, inFlight)
    peakInFlight = Math.max(peakInFlight, inFlight)
    rateReport.peakInFlight = peakInFlight
    res.on('close', () => {
      inFlight -= 1
    })
  }

  /** GitHub's time to answer, with jitter. */
  const answerDelay = async (): Promise<void> => {
    const ms = latency.min + Math.random() * Math.max(0, latency.max - latency.min)
    if (ms > 0) await new Promise(resolve => setTimeout(resolve, ms))
  }

  /** Refuses a request as GitHub's secondary rate limit would; true when it did. */
  const throttle = (
    record: RequestRecord,
    res: ServerResponse,
    token: Token,
    id: string
  ): boolean => {
    if (!limit) return false
    const now = Date.now()
    // A request sent well after the client was told to wait, before the wait was over. On a
    // loaded machine the requests the client had already sent beside the refused one can arrive
    // late: those are excused, whatever the delay; one more means it kept sending.
    if (now < waitUntil && lastRefusalSentAt > 0 && now - lastRefusalSentAt > CLIENT_REACTION_MS) {
      lateSinceRefusal += 1
      if (lateSinceRefusal >= peakInFlight) rateReport.ignoredRetryAfter += 1
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
    const concurrent = concurrentAtArrival.get(res) ?? inFlight
    if (now >= penaltyUntil && !overBudget && concurrent <= limit.maxConcurrent) {
      windowPoints += cost
      return false
    }
    if (now >= penaltyUntil) {
      penaltyUntil = overBudget ? windowStart + limit.windowMs : now + 1000
    }
    rateReport.throttled += 1
    record.throttled = true
    const { headers, toldUntil } = refusalHeaders(limit, now, penaltyUntil)
    waitUntil = Math.max(waitUntil, toldUntil)
    res.on('finish', () => {
      lastRefusalSentAt = Math.max(lastRefusalSentAt, Date.now())
      lateSinceRefusal = 0
    })
    send(res, faultReply({ status: 403, headers }, DOCS_RATE, id), token, id)
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

    openapiProblems() {
      if (description === false) return []
      return [...new Set(exchanges.flatMap(exchange => validateExchange(description, exchange)))]
    },

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
        createdAt: new Date(),
        pushedAt: new Date(),
        actions: new SecretScope(),
        dependabot: new SecretScope(),
        codespaces: new SecretScope(),
        environments: new Map(),
        runs: new Map(),
        branches: new Map([[DEFAULT_BRANCH, { files: new Map(), headSha: randomSha() }]]),
        workflows: new Map(),
        dispatchedRuns: [],
        secretScanning: new AlertStore(),
        issues: new IssueStore()
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
        createdAt: new Date(),
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

    setLatency(latencyMs) {
      latency = latencyMs
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

    setRun(repo, runId, attempt, status, conclusion = 'failure') {
      const found = findRepo(repo)
      if (!found) throw new Error(`GitHub emulator: no repository ${repo}`)
      const now = Date.now()
      const key = `${runId}.${attempt}`
      rotationWorkflow(found)
      found.runs.set(key, {
        status,
        conclusion,
        createdAt: found.runs.get(key)?.createdAt ?? now,
        updatedAt: now
      })
    },

    rotatePublicKey(repo) {
      mustFindRepo(repo).actions.rotateKey()
    },

    addWorkflow(repo, file, workflowOptions = {}) {
      const found = mustFindRepo(repo)
      if (!/^[^/]+\.ya?ml$/.test(file)) {
        throw new Error(`GitHub emulator: workflow file "${file}" must be a .yml or .yaml name`)
      }
      if (found.workflows.has(file)) throw new Error(`GitHub emulator: workflow ${file} exists`)
      const { content, name, state } = workflowOptions
      if (content !== undefined && name !== undefined) {
        throw new Error('GitHub emulator: a workflow takes its name from its content')
      }
      const text = content ?? defaultWorkflowContent(name ?? file.replace(/\.ya?ml$/, ''))
      writeFile(found, `${WORKFLOWS_DIR}/${file}`, text, DEFAULT_BRANCH)
      if (state) mustFindWorkflow(repo, file).state = state
    },

    setFile(repo, path, content, ref = DEFAULT_BRANCH) {
      writeFile(mustFindRepo(repo), path, content, ref)
    },

    addBranch(repo, name) {
      const found = mustFindRepo(repo)
      const branch = branchName(name)
      if (branch !== undefined && found.branches.has(branch)) {
        throw new Error(`GitHub emulator: branch ${branch} exists`)
      }
      branchOrNew(found, name)
    },

    setWorkflowState(repo, file, state) {
      const workflow = mustFindWorkflow(repo, file)
      workflow.state = state
      workflow.updatedAt = new Date()
    },

    setWorkflowOutcome(repo, file, outcome) {
      if ('conclusion' in outcome) {
        for (const ms of [outcome.queuedMs, outcome.durationMs]) {
          if (ms !== undefined && !(ms >= 0)) {
            throw new Error(`GitHub emulator: run times must be at least 0, got ${ms}`)
          }
        }
      }
      mustFindWorkflow(repo, file).outcome = { ...outcome }
    },

    workflowRuns(repo) {
      const now = Date.now()
      return mustFindRepo(repo).dispatchedRuns.map(run => {
        const progress = runProgress(run, now)
        return {
          id: run.id,
          workflowFile: run.workflow.file,
          ref: run.branch,
          inputs: { ...run.inputs },
          displayTitle: run.displayTitle,
          status: progress.status,
          conclusion: progress.conclusion,
          createdAt: run.createdAt
        }
      })
    },

    issues(repo) {
      return mustFindRepo(repo).issues.issues
    },
    setIssuesEnabled(repo, enabled) {
      mustFindRepo(repo).issues.enabled = enabled
    },
    addPullRequest(repo, title, labels) {
      const issue = mustFindRepo(repo).issues.open({ title, body: '', labels, author: 'someone' })
      issue.pullRequest = true
    },
    setSecretScanning(repo, enabled) {
      mustFindRepo(repo).secretScanning.enabled = enabled
    },

    addSecretScanningAlert(repo, alert) {
      return mustFindRepo(repo).secretScanning.add(alert)
    },

    secretScanningAlert(repo, number) {
      const alert = mustFindRepo(repo).secretScanning.get(number)
      if (!alert) return undefined
      return {
        state: alert.state,
        resolution: alert.resolution,
        resolutionComment: alert.resolutionComment,
        resolvedBy: alert.resolvedBy
      }
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

/** The headers of a secondary-limit refusal under each documented answer, and the wait it tells. */
function refusalHeaders(
  limit: SecondaryRateLimit,
  now: number,
  penaltyUntil: number
): { headers: Record<string, string>; toldUntil: number } {
  const answer = limit.answer ?? 'retry-after'
  if (answer === 'reset') {
    const reset = Math.ceil(penaltyUntil / 1000)
    return {
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      toldUntil: reset * 1000
    }
  }
  if (answer === 'silent') {
    return { headers: {}, toldUntil: now + (limit.minuteMs ?? limit.windowMs) }
  }
  const seconds = limit.retryAfterSeconds ?? Math.max(1, Math.ceil((penaltyUntil - now) / 1000))
  return { headers: { 'retry-after': String(seconds) }, toldUntil: now + seconds * 1000 }
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
