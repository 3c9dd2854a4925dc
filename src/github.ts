import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { sealForGitHub } from './crypto.js'
import { statusOf, TargetError } from './errors.js'
import { isoTime } from './format.js'
import { isRateLimit, Pacer, pointsOf, type LimitAnswer } from './pacing.js'
import { systemClock, type Clock } from './retry.js'
import { describeTarget, repositoryOf, type Target } from './targets.js'

type Octokit = ReturnType<typeof getOctokit>

/** A target whose repository and public key were read in preflight, before any AWS change. */
export interface PreparedTarget {
  readonly target: Target
  readonly name: string
  publicKey: { keyId: string; key: string }
}

export interface SecretValue {
  readonly name: string
  readonly value: string
}

/** GitHub secrets as the action needs them. The API base comes from GITHUB_API_URL. */
export interface Secrets {
  /** What the run cost on GitHub's side, for the log and the benchmark. */
  stats(): GitHubStats
  prepare(target: Target): Promise<PreparedTarget>
  write(prepared: PreparedTarget, secrets: readonly SecretValue[]): Promise<void>
  /** Whether a workflow run attempt is still going, as far as the token may see. */
  runState(repository: string, runId: string, attempt: string): Promise<RunState>
  /** The rate-limit-budget is spent: no new target should be started. */
  outOfTime(): boolean
  /** The Actions API calls of the smoke gate, on the same client (retries, rate limits). */
  readonly workflows: WorkflowsApi
}

/** Errors are Octokit's (with `status`); the smoke gate explains them. */
export interface WorkflowsApi {
  /** undefined: 404, no such workflow (or hidden from the token). */
  getWorkflow(repository: string, file: string): Promise<WorkflowInfo | undefined>
  defaultBranch(repository: string): Promise<string>
  /** The text of a file at a ref; undefined: 404. */
  readFile(repository: string, path: string, ref: string): Promise<string | undefined>
  /** Enabling an active workflow changes nothing; it proves the token has Actions write. */
  enable(repository: string, file: string): Promise<void>
  /** The run it started, when GitHub says (return_run_details); undefined when it answers 204. */
  dispatch(
    repository: string,
    file: string,
    request: { ref: string; inputs: Record<string, string>; returnRunDetails: boolean }
  ): Promise<{ runId: number } | undefined>
  getRun(repository: string, runId: number): Promise<WorkflowRun>
  /** workflow_dispatch runs of the workflow created at or after `since` (ms), newest first. */
  listDispatchedRuns(repository: string, file: string, since: number): Promise<WorkflowRun[]>
}

export interface WorkflowInfo {
  readonly id: number
  readonly name: string
  readonly path: string
  /** active, disabled_manually, disabled_inactivity, ... */
  readonly state: string
}

export interface WorkflowRun {
  readonly id: number
  /** queued, in_progress, completed, waiting, requested, pending */
  readonly status: string
  readonly conclusion: string | null
  readonly htmlUrl: string
  readonly displayTitle: string
}

export type RunState = 'running' | 'finished' | 'unknown'

export interface GitHubStats {
  /** HTTP requests sent, retries included. */
  requests: number
  /** Rate-limited answers that were waited out (or given up on). */
  rateLimited: number
  /** Wall time during which every request was held back after a rate limit, in ms. */
  pausedMs: number
}

export interface SecretsOptions {
  readonly token: string
  readonly requestTimeoutMs: number
  /** Visibility of an organization secret the action creates (an existing one keeps its own). */
  readonly orgSecretVisibility: 'private' | 'all'
  /** The API base, when the github-api-url input sets it. */
  readonly apiUrl?: string | undefined
  /** How long the run may wait on GitHub's rate limits in all. */
  readonly rateLimitBudgetMs: number
  readonly log: (message: string) => void
  readonly stats: GitHubStats
  readonly clock?: Clock
}

/** One PUT of a pair failed after the other succeeded. */
class HalfWritten extends Error {
  constructor(
    readonly written: string,
    override readonly cause: unknown
  ) {
    super(cause instanceof Error ? cause.message : String(cause))
    this.name = 'HalfWritten'
  }
  get status(): number | undefined {
    return statusOf(this.cause)
  }
}

/** The REST API version the action is written against; a newer one changes dispatch. */
const API_VERSION = '2022-11-28'
/**
 * Test and benchmark seam: how many times faster than real time rate-limit minutes pass (a
 * GitHub "minute" of 1 s at 60). Anything but a number from 1 to 600 means real time.
 */
const TIME_SCALE_VARIABLE = 'ROTATE_AWS_ACCESS_KEYS_TIME_SCALE'

function minuteMs(): number {
  const scale = Number(process.env[TIME_SCALE_VARIABLE])
  return scale >= 1 && scale <= 600 ? 60_000 / scale : 60_000
}

export function createSecrets(options: Omit<SecretsOptions, 'stats'>): Secrets {
  const stats: GitHubStats = { requests: 0, rateLimited: 0, pausedMs: 0 }
  const pacer = new Pacer({
    clock: options.clock ?? systemClock,
    minuteMs: minuteMs(),
    budgetMs: options.rateLimitBudgetMs,
    log: options.log
  })
  // The github-api-url input, else GITHUB_API_URL read now, not when @actions/github was loaded:
  // the same value on a runner, and right under tools that set the environment later
  // (@github/local-action). No request options: getOctokit's defaults carry the proxy settings.
  // plugin-retry retries 5xx, resets and timeouts (3 times, never 4xx); rate limits are the
  // pacer's alone (see pacing.ts for why not plugin-throttling).
  const apiUrl = options.apiUrl ?? process.env.GITHUB_API_URL
  const octokit: Octokit = getOctokit(
    options.token,
    {
      ...(apiUrl ? { baseUrl: apiUrl } : {}),
      retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] }
    },
    retry
  )
  // Octokit has no timeout of its own. Each attempt, retries included, gets a fresh one by
  // wrapping the (proxy-aware) fetch; a timed-out attempt fails as a 500 that plugin-retry retries.
  octokit.hook.before('request', requestOptions => {
    requestOptions.headers['x-github-api-version'] = API_VERSION
    const inner = requestOptions.request?.fetch ?? globalThis.fetch
    requestOptions.request = {
      ...requestOptions.request,
      fetch: async (url: string, init: RequestInit) => {
        stats.requests += 1
        return inner(url, { ...init, signal: AbortSignal.timeout(options.requestTimeoutMs) })
      }
    }
  })
  octokit.hook.wrap('request', async (send, requestOptions) => {
    const points = pointsOf(requestOptions.method)
    const pair = requestOptions.request?.[PAIR] as PairMember | undefined
    for (;;) {
      const sentAt = await pacer.admit(points)
      try {
        const response = await send(requestOptions)
        pacer.succeeded(points)
        pair?.pair.settle(pair.index, 'written')
        return response
      } catch (error) {
        const answer = limitAnswerOf(error)
        if (!answer || !isRateLimit(answer)) {
          pair?.pair.settle(pair.index, 'failed')
          throw error
        }
        const decision = await pacer.limitedAnswer(
          answer,
          sentAt,
          pair && (() => pair.pair.mayFinish(pair.index))
        )
        stats.rateLimited = pacer.limited
        stats.pausedMs = pacer.waitedMs
        if ('giveUp' in decision) {
          pair?.pair.settle(pair.index, 'failed')
          throw new RateLimitGiveUp(decision.giveUp, error)
        }
      }
    }
  })
  return octokitSecrets(octokit, { ...options, stats }, pacer)
}

/** Request option naming the PUT's place in its target's pair. */
const PAIR = 'rotatePair'
interface PairMember {
  readonly pair: PutPair
  readonly index: number
}

/**
 * The two PUTs of a target, sent together. Past the rate-limit budget a limited PUT is still
 * finished when its partner was written, so no target is left holding half a pair; when
 * neither was written, both give up.
 */
export class PutPair {
  private readonly states: Array<'pending' | 'written' | 'limited' | 'failed'>
  private waiters: Array<() => void> = []
  constructor(size: number) {
    this.states = Array.from({ length: size }, () => 'pending' as const)
  }
  member(index: number): PairMember {
    return { pair: this, index }
  }
  settle(index: number, state: 'written' | 'failed'): void {
    this.states[index] = state
    for (const wake of this.waiters.splice(0)) wake()
  }
  /** Whether the limited PUT `index` must be sent again: waits for a partner still in flight. */
  async mayFinish(index: number): Promise<boolean> {
    for (;;) {
      const others = this.states.filter((_, i) => i !== index)
      if (others.includes('written')) {
        this.states[index] = 'pending'
        return true
      }
      if (others.every(state => state === 'failed' || state === 'limited')) {
        this.settle(index, 'failed')
        return false
      }
      this.states[index] = 'limited'
      await new Promise<void>(wake => this.waiters.push(wake))
    }
  }
}

/** The run stopped waiting for a rate limit: its budget is spent. */
class RateLimitGiveUp extends Error {
  constructor(
    message: string,
    override readonly cause: unknown
  ) {
    super(message)
    this.name = 'RateLimitGiveUp'
  }
  get status(): number | undefined {
    return statusOf(this.cause)
  }
}

function limitAnswerOf(error: unknown): LimitAnswer | undefined {
  const failure = error as {
    status?: number
    message?: string
    response?: { headers?: Record<string, string | undefined> }
  }
  if (failure?.status === undefined) return undefined
  return {
    status: failure.status,
    message: failure.message ?? '',
    headers: failure.response?.headers ?? {}
  }
}

/** Where a target's secrets live in the REST API, and what it takes to write them. */
interface Scope {
  /** The path of the secrets collection, e.g. /repos/{owner}/{repo}/actions/secrets. */
  readonly base: string
  readonly params: Record<string, string>
  /** Organization secrets carry a visibility and, for `selected`, a set of repositories. */
  readonly org: boolean
}

/**
 * Each kind of target: its secrets collection in the REST API, and the permission a token needs
 * there (fine-grained PAT name, GitHub App name).
 */
const KINDS: Record<Target['kind'], { base: string; pat: string; app: string }> = {
  repository: {
    base: '/repos/{owner}/{repo}/actions/secrets',
    pat: 'repository permission "Secrets',
    app: 'secrets'
  },
  // Octokit percent-encodes each parameter, so any environment name is one path segment.
  environment: {
    base: '/repos/{owner}/{repo}/environments/{environment_name}/secrets',
    pat: 'repository permission "Environments',
    app: 'environments'
  },
  dependabot: {
    base: '/repos/{owner}/{repo}/dependabot/secrets',
    pat: 'repository permission "Dependabot secrets',
    app: 'dependabot_secrets'
  },
  codespaces: {
    base: '/repos/{owner}/{repo}/codespaces/secrets',
    pat: 'repository permission "Codespaces secrets',
    app: 'codespaces_secrets'
  },
  organization: {
    base: '/orgs/{org}/actions/secrets',
    pat: 'organization permission "Secrets',
    app: 'organization_secrets'
  },
  'dependabot-org': {
    base: '/orgs/{org}/dependabot/secrets',
    pat: 'organization permission "Organization dependabot secrets',
    app: 'organization_dependabot_secrets'
  },
  'codespaces-org': {
    base: '/orgs/{org}/codespaces/secrets',
    pat: 'organization permission "Codespaces secrets',
    app: 'organization_codespaces_secrets'
  }
}

function scopeOf(target: Target): Scope {
  const base = KINDS[target.kind].base
  if ('org' in target) return { base, params: { org: target.org }, org: true }
  return {
    base,
    params: {
      owner: target.owner,
      repo: target.repo,
      ...(target.kind === 'environment' ? { environment_name: target.environment } : {})
    },
    org: false
  }
}

/** GitHub's largest page. */
const REPOSITORIES_PER_PAGE = 100

interface OrgAccess {
  visibility: string
  selected_repository_ids?: number[]
}

function octokitSecrets(octokit: Octokit, options: SecretsOptions, pacer: Pacer): Secrets {
  const readPublicKey = async (prepared: { target: Target; name: string }) => {
    const scope = scopeOf(prepared.target)
    try {
      const { data } = await octokit.request(`GET ${scope.base}/public-key`, scope.params)
      const key = data as { key_id: string; key: string }
      return { keyId: key.key_id, key: key.key }
    } catch (error) {
      throw await explainMissing(prepared.target, prepared.name, error, 'read the public key of')
    }
  }

  /**
   * Why a read failed with 404: the repository, the environment or the organization is missing
   * or hidden from the token. One more read tells which, so the message can name it.
   */
  const explainMissing = async (
    target: Target,
    name: string,
    error: unknown,
    doing: string
  ): Promise<TargetError> => {
    if (statusOf(error) !== 404 || target.kind !== 'environment') {
      return explain(target, name, error, doing)
    }
    try {
      await octokit.rest.repos.get({ owner: target.owner, repo: target.repo })
    } catch {
      return explain(target, name, error, doing)
    }
    return new TargetError(
      name,
      `Environment '${target.environment}' does not exist in ${target.owner}/${target.repo} (404). ` +
        'The action does not create environments: create it in the repository settings, or fix the target.',
      404
    )
  }

  /** The visibility of an organization secret as it is now, so the write keeps it. */
  const readOrgAccess = async (
    scope: Scope,
    secretName: string
  ): Promise<OrgAccess | undefined> => {
    let visibility: string
    try {
      const { data } = await octokit.request(`GET ${scope.base}/{secret_name}`, {
        ...scope.params,
        secret_name: secretName
      })
      visibility = (data as { visibility: string }).visibility
    } catch (error) {
      if (statusOf(error) === 404) return undefined
      throw error
    }
    if (visibility !== 'selected') return { visibility }
    // Every page: a PUT with a partial list would drop the rest of the selection.
    const ids: number[] = []
    for (let page = 1; ; page++) {
      const { data } = await octokit.request(`GET ${scope.base}/{secret_name}/repositories`, {
        ...scope.params,
        secret_name: secretName,
        per_page: REPOSITORIES_PER_PAGE,
        page
      })
      const { total_count: total, repositories } = data as {
        total_count: number
        repositories: Array<{ id: number }>
      }
      ids.push(...repositories.map(repo => repo.id))
      if (repositories.length < REPOSITORIES_PER_PAGE || ids.length >= total) break
    }
    return { visibility, selected_repository_ids: ids }
  }

  return {
    stats: () => ({ ...options.stats }),
    outOfTime: () => pacer.exhausted(),
    workflows: octokitWorkflows(octokit),
    async runState(repository, runId, attempt) {
      const { owner, repo } = splitRepository(repository)
      if (!owner || !repo) return 'unknown'
      try {
        const { data } = await octokit.request(
          'GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}',
          { owner, repo, run_id: Number(runId), attempt_number: Number(attempt) }
        )
        return data.status === 'completed' ? 'finished' : 'running'
      } catch {
        // No Actions read permission, another repository, or a deleted run: the lease decides.
        return 'unknown'
      }
    },
    async prepare(target) {
      const name = describeTarget(target)
      return { target, name, publicKey: await readPublicKey({ target, name }) }
    },
    async write(prepared, secrets) {
      const scope = scopeOf(prepared.target)
      const putAll = async () => {
        const key = prepared.publicKey
        // Sealed once per scope and public key, for both secrets.
        const sealed = await Promise.all(
          secrets.map(secret => sealForGitHub(secret.value, key.key))
        )
        let access: OrgAccess[] = []
        if (scope.org) {
          const current = await Promise.all(
            secrets.map(secret => readOrgAccess(scope, secret.name))
          )
          // A new secret of the pair takes its partner's visibility, so both reach the same
          // repositories; with neither, org-secret-visibility decides.
          const partner = current.find(found => found !== undefined)
          access = current.map(
            found => found ?? partner ?? { visibility: options.orgSecretVisibility }
          )
        }
        // Both PUTs at once: a run queued between them would read a mismatched pair.
        const pair = new PutPair(secrets.length)
        const outcomes = await Promise.allSettled(
          secrets.map((secret, index) =>
            octokit.request(`PUT ${scope.base}/{secret_name}`, {
              ...scope.params,
              secret_name: secret.name,
              encrypted_value: sealed[index] ?? '',
              key_id: key.keyId,
              ...access[index],
              request: { [PAIR]: pair.member(index) }
            })
          )
        )
        const failed = outcomes.find(outcome => outcome.status === 'rejected')
        if (!failed) return
        const written = secrets.filter((_, index) => outcomes[index]?.status === 'fulfilled')
        if (written.length > 0)
          throw new HalfWritten(written.map(secret => secret.name).join(', '), failed.reason)
        throw failed.reason
      }
      try {
        await putAll()
      } catch (first) {
        // A 422 can mean the scope's key pair changed since preflight: read it once more.
        if (statusOf(first) !== 422)
          throw explain(prepared.target, prepared.name, first, 'write secrets to')
        try {
          prepared.publicKey = await readPublicKey(prepared)
          await putAll()
        } catch (second) {
          // A secret either attempt wrote is still there: the target holds a mismatched pair.
          const written = [first, second].flatMap(error =>
            error instanceof HalfWritten ? error.written.split(', ') : []
          )
          if (written.length > 0) {
            const cause = second instanceof HalfWritten ? second.cause : second
            const halfWritten = new HalfWritten([...new Set(written)].join(', '), cause)
            throw explain(prepared.target, prepared.name, halfWritten, 'write secrets to')
          }
          if (second instanceof TargetError) throw second
          throw explain(prepared.target, prepared.name, second, 'write secrets to')
        }
      }
    }
  }
}

function splitRepository(repository: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = repository.split('/')
  return { owner, repo }
}

function toRun(data: unknown): WorkflowRun {
  const run = data as {
    id: number
    status: string | null
    conclusion: string | null
    html_url: string
    display_title?: string
  }
  return {
    id: run.id,
    status: run.status ?? 'queued',
    conclusion: run.conclusion,
    htmlUrl: run.html_url,
    displayTitle: run.display_title ?? ''
  }
}

const RUNS_PER_PAGE = 20

function octokitWorkflows(octokit: Octokit): WorkflowsApi {
  const notFoundAsUndefined = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call()
    } catch (error) {
      if (statusOf(error) === 404) return undefined
      throw error
    }
  }
  return {
    getWorkflow: (repository, file) =>
      notFoundAsUndefined(async () => {
        const { data } = await octokit.request(
          'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}',
          { ...splitRepository(repository), workflow_id: file }
        )
        return { id: data.id, name: data.name, path: data.path, state: data.state }
      }),
    async defaultBranch(repository) {
      const { data } = await octokit.request(
        'GET /repos/{owner}/{repo}',
        splitRepository(repository)
      )
      return data.default_branch
    },
    readFile: (repository, path, ref) =>
      notFoundAsUndefined(async () => {
        const { data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
          ...splitRepository(repository),
          path,
          ref
        })
        const file = data as { type?: string; content?: string; encoding?: string }
        if (file.type !== 'file' || file.encoding !== 'base64' || file.content === undefined)
          return undefined
        return Buffer.from(file.content, 'base64').toString('utf8')
      }),
    async enable(repository, file) {
      await octokit.request('PUT /repos/{owner}/{repo}/actions/workflows/{workflow_id}/enable', {
        ...splitRepository(repository),
        workflow_id: file
      })
    },
    async dispatch(repository, file, request) {
      // plugin-retry may send this again after a 5xx or a timeout: at worst a second smoke run,
      // which proves the same thing; the action follows the one GitHub names.
      const response = await octokit.request(
        'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
        {
          ...splitRepository(repository),
          workflow_id: file,
          ref: request.ref,
          inputs: request.inputs,
          ...(request.returnRunDetails ? { return_run_details: true } : {})
        }
      )
      const runId = (response.data as { workflow_run_id?: unknown } | undefined)?.workflow_run_id
      return typeof runId === 'number' ? { runId } : undefined
    },
    async getRun(repository, runId) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', {
        ...splitRepository(repository),
        run_id: runId
      })
      return toRun(data)
    },
    async listDispatchedRuns(repository, file, since) {
      const created = isoTime(since)
      const { data } = await octokit.request(
        'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
        {
          ...splitRepository(repository),
          workflow_id: file,
          event: 'workflow_dispatch',
          created: `>=${created}`,
          per_page: RUNS_PER_PAGE
        }
      )
      return data.workflow_runs.map(toRun)
    }
  }
}

/** What the token needs for a target: the fine-grained PAT permission and the GitHub App one. */
function permissionFor(target: Target): string {
  const { pat, app } = KINDS[target.kind]
  return `the ${pat}: read and write" (fine-grained PAT; GitHub App: ${app})`
}

/** A primary limit names its reset time; a secondary one was waited out up to 4 times. */
function rateLimitAdvice(error: unknown): string {
  const headers = (error as { response?: { headers?: Record<string, string | undefined> } })
    .response?.headers
  const reset = Number(headers?.['x-ratelimit-reset'])
  if (headers?.['x-ratelimit-remaining'] === '0' && reset > 0) {
    return `the token's hourly API budget is spent until ${isoTime(reset * 1000)}, longer than the action waits; run again after that, or use a GitHub App token (higher limits)`
  }
  if (error instanceof RateLimitGiveUp) {
    return `${error.message}; the next run writes what is left (raise rate-limit-budget, or use one organization secret instead of many repository secrets)`
  }
  return 'GitHub kept rate-limiting the token after the action waited as asked; run again later, or spread the targets over more runs'
}

function explain(target: Target, name: string, error: unknown, doing: string): TargetError {
  if (error instanceof HalfWritten) {
    const inner = explain(target, name, error.cause, doing)
    return new TargetError(
      name,
      `${inner.message} Only ${error.written} was written: ${name} holds a mismatched pair.`,
      inner.status,
      error.written
    )
  }
  const status = statusOf(error)
  const message = error instanceof Error ? error.message : String(error)
  const where =
    'org' in target ? `organization ${target.org}` : `repository ${repositoryOf(target) ?? ''}`
  const fix =
    status === 401
      ? 'the github-token was rejected (expired or revoked?); create a new token and update the secret that holds it'
      : error instanceof RateLimitGiveUp ||
          ((status === 403 || status === 429) && /rate limit/i.test(message))
        ? rateLimitAdvice(error)
        : status === 403
          ? `the github-token may not do this. It needs ${permissionFor(target)}. The workflow GITHUB_TOKEN cannot write secrets`
          : status === 404
            ? `the ${where} does not exist or the github-token cannot see it; check the target and the token's access`
            : status === 422
              ? 'GitHub refused the encrypted value'
              : 'GitHub did not answer as expected'
  return new TargetError(
    name,
    `Could not ${doing} ${name} (${status ?? 'no response'}: ${message}): ${fix}.`,
    status
  )
}
