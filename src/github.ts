import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import Bottleneck from 'bottleneck'
import { sealForGitHub } from './crypto.js'
import { describeTarget, type Target } from './targets.js'

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
  prepare(target: Target): Promise<PreparedTarget>
  write(prepared: PreparedTarget, secrets: readonly SecretValue[]): Promise<void>
  /** Whether a workflow run attempt is still going, as far as the token may see. */
  runState(repository: string, runId: string, attempt: string): Promise<RunState>
}

export type RunState = 'running' | 'finished' | 'unknown'

export class TargetError extends Error {
  constructor(
    readonly target: string,
    message: string,
    readonly status?: number
  ) {
    super(message)
    this.name = 'TargetError'
  }
}

/** How often a rate-limited request is waited out and sent again before the run gives up. */
const RATE_LIMIT_RETRIES = 4
/** A wait longer than this fails the run instead (the message says when to try again). */
const MAX_RATE_LIMIT_WAIT_S = 120

export function createSecrets(
  token: string,
  requestTimeoutMs: number,
  log: (message: string) => void
): Secrets {
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      options: { method?: string; url?: string },
      _octokit: unknown,
      retryCount: number
    ) => {
      const retrying = retryCount < RATE_LIMIT_RETRIES && retryAfter <= MAX_RATE_LIMIT_WAIT_S
      log(
        `GitHub ${kind} rate limit on ${options.method ?? ''} ${options.url ?? ''}: ${retrying ? `waiting ${retryAfter} s as GitHub asks, then retrying` : 'giving up'}.`
      )
      return retrying
    }
  // No baseUrl or request options here: getOctokit's defaults carry GITHUB_API_URL and the proxy.
  // plugin-retry retries 5xx, resets and timeouts (3 times, never 4xx such as 401/403/404/422).
  // plugin-throttling waits out 403/429 rate limits. Its default write pacing (one write a second,
  // one at a time) would also split the two PUTs of a target by a second: writes start at once here,
  // up to 4 in flight.
  const octokit: Octokit = getOctokit(
    token,
    {
      throttle: {
        Bottleneck,
        write: new Bottleneck.Group({ maxConcurrent: 4, minTime: 0 }),
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary')
      }
    },
    retry,
    throttling
  )
  // Octokit has no timeout of its own. Each attempt, retries included, gets a fresh one by
  // wrapping the (proxy-aware) fetch; a timed-out attempt fails as a 500 that plugin-retry retries.
  octokit.hook.before('request', options => {
    const inner = options.request?.fetch ?? globalThis.fetch
    options.request = {
      ...options.request,
      fetch: (url: string, init: RequestInit) =>
        inner(url, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) })
    }
  })
  return octokitSecrets(octokit)
}

function octokitSecrets(octokit: Octokit): Secrets {
  const readPublicKey = async (target: Target, name: string) => {
    try {
      const { data } = await octokit.rest.actions.getRepoPublicKey({
        owner: target.owner,
        repo: target.repo
      })
      return { keyId: data.key_id, key: data.key }
    } catch (error) {
      throw explain(name, error, 'read the secrets public key of')
    }
  }
  return {
    async runState(repository, runId, attempt) {
      const [owner, repo] = repository.split('/')
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
      try {
        await octokit.rest.repos.get({ owner: target.owner, repo: target.repo })
      } catch (error) {
        throw explain(name, error, 'read the repository')
      }
      return { target, name, publicKey: await readPublicKey(target, name) }
    },
    async write(prepared, secrets) {
      const { target, name } = prepared
      const putAll = async () => {
        const key = prepared.publicKey
        const sealed = await Promise.all(
          secrets.map(secret => sealForGitHub(secret.value, key.key))
        )
        // Both PUTs at once: a run queued between them would read a mismatched pair.
        await Promise.all(
          secrets.map((secret, index) =>
            octokit.rest.actions.createOrUpdateRepoSecret({
              owner: target.owner,
              repo: target.repo,
              secret_name: secret.name,
              encrypted_value: sealed[index] ?? '',
              key_id: key.keyId
            })
          )
        )
      }
      try {
        await putAll()
      } catch (error) {
        // A 422 can mean the repository's key pair changed since preflight: read it once more.
        if (statusOf(error) !== 422) throw explain(name, error, 'write secrets to')
        prepared.publicKey = await readPublicKey(target, name)
        try {
          await putAll()
        } catch (second) {
          throw explain(name, second, 'write secrets to')
        }
      }
    }
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status
  return typeof status === 'number' ? status : undefined
}

function explain(target: string, error: unknown, doing: string): TargetError {
  const status = statusOf(error)
  const message = error instanceof Error ? error.message : String(error)
  const fix =
    status === 401
      ? 'the github-token was rejected (expired or revoked?); create a new token and update the secret that holds it'
      : status === 403
        ? 'the github-token may not do this. It needs the repository permission "Secrets: read and write" ' +
          '(fine-grained PAT) or the secrets permission (GitHub App). The workflow GITHUB_TOKEN cannot write secrets'
        : status === 404
          ? "the repository does not exist or the github-token cannot see it; check the target and the token's repository access"
          : status === 422
            ? 'GitHub refused the encrypted value'
            : 'GitHub did not answer as expected'
  return new TargetError(
    target,
    `Could not ${doing} ${target} (${status ?? 'no response'}: ${message}): ${fix}.`,
    status
  )
}
