import { sealForGitHub } from '../crypto.js'
import { statusOf, TargetError } from '../errors.js'
import { isoTime } from '../format.js'
import { describeTarget, repositoryOf, type Target } from '../targets.js'
import { apiText } from '../untrusted.js'
import { PAIR, PutPair, RateLimitGiveUp, type Octokit } from './client.js'

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

/** Where a target's secrets live in the REST API, and what it takes to write them. */
interface Scope {
  /** The path of the secrets collection, e.g. /repos/{owner}/{repo}/actions/secrets. */
  readonly base: string
  readonly params: Record<string, string>
  /** Organization secrets carry a visibility and, for `selected`, a set of repositories. */
  readonly org: boolean
}

/**
 * GitHub's permission docs list Codespaces-secrets permissions for Apps, but its OpenAPI
 * description (@octokit/openapi 23) marks the public-key reads and every organization
 * Codespaces-secrets endpoint `enabledForGitHubApps: false`.
 */
const APPS_AND_CODESPACES =
  "but GitHub's API description says GitHub Apps cannot call some Codespaces-secrets endpoints: use a fine-grained PAT"

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
    app: `codespaces_secrets; ${APPS_AND_CODESPACES}`
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
    pat: 'organization permission "Organization codespaces secrets',
    app: `organization_codespaces_secrets; ${APPS_AND_CODESPACES}`
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

/** Preflight: the target's public key, read before anything in AWS changes. */
export async function prepareTarget(octokit: Octokit, target: Target): Promise<PreparedTarget> {
  const name = describeTarget(target)
  return { target, name, publicKey: await readPublicKey(octokit, { target, name }) }
}

async function readPublicKey(
  octokit: Octokit,
  prepared: { target: Target; name: string }
): Promise<PreparedTarget['publicKey']> {
  const scope = scopeOf(prepared.target)
  try {
    const { data } = await octokit.request(`GET ${scope.base}/public-key`, scope.params)
    const key = data as { key_id: string; key: string }
    return { keyId: key.key_id, key: key.key }
  } catch (error) {
    throw await explainMissing(
      octokit,
      prepared.target,
      prepared.name,
      error,
      'read the public key of'
    )
  }
}

/**
 * Why a read failed with 404: the repository, the environment or the organization is missing
 * or hidden from the token. One more read tells which, so the message can name it.
 */
async function explainMissing(
  octokit: Octokit,
  target: Target,
  name: string,
  error: unknown,
  doing: string
): Promise<TargetError> {
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

/**
 * Writes both secrets of a target. A 422 can mean the scope's key pair changed since preflight:
 * the key is read once more and the pair written again.
 */
export async function writeSecrets(
  octokit: Octokit,
  orgSecretVisibility: 'private' | 'all',
  prepared: PreparedTarget,
  secrets: readonly SecretValue[]
): Promise<void> {
  const putAll = () => putPair(octokit, orgSecretVisibility, prepared, secrets)
  try {
    await putAll()
  } catch (first) {
    if (statusOf(first) !== 422)
      throw explain(prepared.target, prepared.name, first, 'write secrets to')
    try {
      prepared.publicKey = await readPublicKey(octokit, prepared)
      await putAll()
    } catch (second) {
      // A secret either attempt wrote holds the new value; the others hold what they held.
      const written = [first, second].flatMap(error =>
        error instanceof HalfWritten ? error.written.split(', ') : []
      )
      // Each secret written by one attempt or the other: the target holds the whole new pair.
      if (secrets.every(secret => written.includes(secret.name))) return
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

/** Seals and PUTs both secrets with the target's current public key. */
async function putPair(
  octokit: Octokit,
  orgSecretVisibility: 'private' | 'all',
  prepared: PreparedTarget,
  secrets: readonly SecretValue[]
): Promise<void> {
  const scope = scopeOf(prepared.target)
  const key = prepared.publicKey
  // Sealed once per scope and public key, for both secrets.
  const sealed = await Promise.all(secrets.map(secret => sealForGitHub(secret.value, key.key)))
  const access = scope.org ? await orgAccessFor(octokit, orgSecretVisibility, scope, secrets) : []
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

/**
 * The access each organization secret of the pair is written with: its own, kept. A new
 * secret takes its partner's visibility, so both reach the same repositories; with neither,
 * org-secret-visibility decides.
 */
async function orgAccessFor(
  octokit: Octokit,
  orgSecretVisibility: 'private' | 'all',
  scope: Scope,
  secrets: readonly SecretValue[]
): Promise<OrgAccess[]> {
  const current = await Promise.all(
    secrets.map(secret => readOrgAccess(octokit, scope, secret.name))
  )
  const partner = current.find(found => found !== undefined)
  return current.map(found => found ?? partner ?? { visibility: orgSecretVisibility })
}

/** A secret's metadata (GET {collection}/{secret_name}, never a value); undefined: no such secret. */
async function readSecretMetadata(
  octokit: Octokit,
  scope: Scope,
  secretName: string
): Promise<Record<string, unknown> | undefined> {
  try {
    const { data } = await octokit.request(`GET ${scope.base}/{secret_name}`, {
      ...scope.params,
      secret_name: secretName
    })
    return data as Record<string, unknown>
  } catch (error) {
    if (statusOf(error) === 404) return undefined
    throw error
  }
}

/**
 * When a secret of the target was last written: GitHub's updated_at (ms). Undefined when the
 * secret does not exist; a read GitHub refuses, or an answer without a time, throws.
 */
export async function readSecretUpdatedAt(
  octokit: Octokit,
  target: Target,
  secretName: string
): Promise<number | undefined> {
  const found = await readSecretMetadata(octokit, scopeOf(target), secretName)
  if (!found) return undefined
  const updatedAt = typeof found.updated_at === 'string' ? Date.parse(found.updated_at) : NaN
  if (Number.isNaN(updatedAt)) throw new Error("GitHub's answer has no readable updated_at")
  return updatedAt
}

/** The visibility of an organization secret as it is now, so the write keeps it. */
async function readOrgAccess(
  octokit: Octokit,
  scope: Scope,
  secretName: string
): Promise<OrgAccess | undefined> {
  const found = await readSecretMetadata(octokit, scope, secretName)
  if (!found) return undefined
  const visibility = found.visibility as string
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

/** A target's failure in words: what failed, and what a person does about it. */
function explain(target: Target, name: string, error: unknown, doing: string): TargetError {
  if (error instanceof HalfWritten) {
    const inner = explain(target, name, error.cause, doing)
    // What the target holds in the end is the caller's to say: it may set the pair back.
    return new TargetError(
      name,
      `${inner.message} Only ${error.written} was written.`,
      inner.status,
      error.written
    )
  }
  const status = statusOf(error)
  // GitHub's own words, printed in the log and the summary.
  const message = apiText(error instanceof Error ? error.message : String(error))
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
