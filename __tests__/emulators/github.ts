/**
 * Wire-level emulator of GitHub's REST API for secrets: repository, environment, organization
 * and Dependabot scopes, with organization secret visibility and selected repositories, a
 * secondary rate limit on a scaled clock, and an optional base path (GitHub Enterprise Server).
 * It also serves repository files, workflows, workflow dispatch and the runs a dispatch starts,
 * secret scanning alerts (./secret-scanning.ts) and issues (./issues.ts).
 *
 * It holds real libsodium key pairs and opens every sealed box it receives, so a client that
 * encrypts wrongly fails here as it would on GitHub. Status codes, bodies and messages follow
 * GitHub's (see the messages in each part); anything GitHub rejects is rejected. Every exchange
 * is recorded, and openapiProblems() holds it to GitHub's own OpenAPI description (./openapi.ts).
 *
 * This file is the emulator's face; each concern lives in ./github/: secrets.ts and
 * secret-scope.ts (secrets and public keys), workflows.ts and runs.ts, contents.ts (branches
 * and files), repos.ts (repositories, organizations, environments), alerts.ts (secret scanning
 * routes), issues.ts (issue routes), tokens.ts (tokens, permissions, the primary rate limit),
 * rate-limit.ts (the secondary rate limit and latency), http.ts (routing, the request's way
 * through, and the OpenAPI record), hub.ts (the state), wire.ts (GitHub's JSON on the wire).
 */
import sodium from 'libsodium-wrappers'
import { validateExchange, type Description, type Exchange } from './openapi.js'
import type { StoredIssue } from './issues.js'
import { alertControls } from './github/alerts.js'
import { contentControls } from './github/contents.js'
import type { Hub } from './github/hub.js'
import { listen, type HttpState, type Interceptor, type RequestRecord } from './github/http.js'
import { issueControls } from './github/issues.js'
import {
  createPacer,
  GITHUB_LATENCY_MS,
  type RateLimitReport,
  type SecondaryRateLimit
} from './github/rate-limit.js'
import { repoControls } from './github/repos.js'
import { firstRunId, runControls, type RunConclusion, type RunStatus } from './github/runs.js'
import type { WorkflowOutcome, WorkflowRunRecord } from './github/runs.js'
import { secretControls, type ScopeRef, type SecretState } from './github/secrets.js'
import type { OrgAccess } from './github/secret-scope.js'
import { tokenControls, type TokenGrant } from './github/tokens.js'
import { workflowControls, type WorkflowOptions, type WorkflowState } from './github/workflows.js'

export { GITHUB_LATENCY_MS, INSTANT } from './github/rate-limit.js'
export type { RateLimitReport, SecondaryRateLimit } from './github/rate-limit.js'
export type { Permission, SecretsAccess, TokenGrant, TokenKind } from './github/tokens.js'
export type { OrgAccess, ScopeKind } from './github/secret-scope.js'
export type { ScopeRef, SecretState } from './github/secrets.js'
export type { RunConclusion, RunStatus, WorkflowOutcome, WorkflowRunRecord } from './github/runs.js'
export type { WorkflowOptions, WorkflowState } from './github/workflows.js'
export type { RouteName } from './github/hub.js'
export type { InterceptedCall, Interception, Interceptor, RequestRecord } from './github/http.js'

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
  /**
   * Time passes: every secret's created_at, updated_at and history move `ms` into the past, as
   * the AWS emulator's shiftTime moves its keys. Runs, issues and alerts keep their times.
   */
  shiftSecretTimes(ms: number): void
  /** New key pair and key_id; writes sealed for the old key are then rejected. */
  rotatePublicKey(repo: string): void
  rateLimitReport(): RateLimitReport
  /** Sets GitHub's time to answer, for requests from now on (see GitHubEmulatorOptions). */
  setLatency(latencyMs: { min: number; max: number }): void
  /**
   * A run attempt of the action's own workflow, as GET
   * /repos/{o}/{r}/actions/runs/{id}/attempts/{n} shows it. `conclusion` counts once completed (default
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

export async function startGitHubEmulator(
  options: GitHubEmulatorOptions = {}
): Promise<GitHubEmulator> {
  await sodium.ready
  const basePath = (options.basePath ?? '').replace(/\/+$/, '')
  if (basePath !== '' && !basePath.startsWith('/')) {
    throw new Error(`GitHub emulator: basePath must start with "/", got "${basePath}"`)
  }
  const hub: Hub = {
    basePath,
    repos: new Map(),
    orgs: new Map(),
    tokens: new Map(),
    lastId: 100_000_000,
    lastRunId: firstRunId(),
    dispatchRunDetails: options.dispatchRunDetails ?? basePath === '',
    runListDelayMs: options.runListDelayMs ?? 0
  }
  const description = options.openapi ?? (basePath ? 'ghes' : 'api.github.com')
  const state: HttpState = {
    hub,
    pacer: createPacer(options.secondaryRateLimit, options.latencyMs ?? GITHUB_LATENCY_MS),
    interceptors: [],
    requests: [],
    exchanges: description === false ? undefined : [],
    pending: new WeakMap(),
    anonymous: { used: 0, resetAt: Math.floor(Date.now() / 1000) + 3600 },
    timers: new Set(),
    closed: false
  }
  const { server, port } = await listen(state)
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests: state.requests,
    openapiProblems: () => openapiProblems(description, state.exchanges ?? []),
    async close() {
      state.closed = true
      for (const entry of state.timers) {
        clearTimeout(entry.timer)
        entry.resolve()
      }
      state.timers.clear()
      const done = new Promise<void>(resolve => server.close(() => resolve()))
      // Keep-alive sockets would hold jest open.
      server.closeAllConnections()
      await done
    },
    rateLimitReport: () => state.pacer.report(),
    setLatency: latencyMs => state.pacer.setLatency(latencyMs),
    intercept(fn) {
      state.interceptors.push(fn)
      return () => {
        const index = state.interceptors.indexOf(fn)
        if (index >= 0) state.interceptors.splice(index, 1)
      }
    },
    ...repoControls(hub),
    ...tokenControls(hub.tokens),
    ...secretControls(hub),
    ...contentControls(hub),
    ...workflowControls(hub),
    ...runControls(hub),
    ...alertControls(hub),
    ...issueControls(hub)
  }
}

/** What GitHub's description finds wrong with the exchanges so far, deduplicated. */
function openapiProblems(description: Description | false, exchanges: Exchange[]): string[] {
  if (description === false) return []
  return [...new Set(exchanges.flatMap(exchange => validateExchange(description, exchange)))]
}
