import { parseDuration } from './duration.js'
import { readAudit, type AuditSettings } from './audit/inputs.js'
import { InputError } from './errors.js'
import { INPUT_DEFAULTS } from './input-defaults.js'
import { LEAK_RESPONSES, type LeakResponse } from './leaks/scan.js'
import { redactUrl } from './redact.js'
import { partitionOf } from './regions.js'
import {
  describeTarget,
  feedsRepository,
  parseTargets,
  repositoryNameProblem,
  shortened,
  type Target
} from './targets.js'

/**
 * Every input, validated once. Only a run that fails before they are read (main.ts
 * summarizeFailure) reads one input again, the token, to keep it out of its summary.
 */
export interface Settings {
  readonly githubToken: string
  readonly targets: readonly Target[]
  readonly iamUserName: string | undefined
  readonly accessKeyIdSecretName: string
  readonly secretAccessKeySecretName: string
  readonly maxAgeMs: number
  readonly force: boolean
  readonly deactivateAfterMs: number
  readonly deleteAfterMs: number
  readonly verifyTimeoutMs: number
  readonly dryRun: boolean
  readonly awsRegion: string
  readonly expectedAccountId: string | undefined
  readonly exportCredentials: boolean
  /** Make the most recently retired key active again instead of rotating (manual dispatch). */
  readonly reactivatePrevious: boolean
  /** Visibility of an organization secret the action creates; existing ones keep theirs. */
  readonly orgSecretVisibility: 'private' | 'all'
  /** GitHub's REST API base; undefined: GITHUB_API_URL, as the runner sets it. */
  readonly githubApiUrl: string | undefined
  /** Per HTTP attempt, for AWS and GitHub; a timed-out attempt is retried. */
  readonly requestTimeoutMs: number
  /** A workflow dispatched after the targets are written; the old key goes only if it passes. */
  readonly smokeWorkflow: SmokeWorkflow | undefined
  /** From dispatch to the smoke run's completion, queue time included. */
  readonly smokeTimeoutMs: number
  /** How long the run may wait on GitHub's rate limits in all, before it stops starting targets. */
  readonly rateLimitBudgetMs: number
  /** What a run does about a key named in an open secret scanning alert. */
  readonly leakResponse: LeakResponse
  /** A run that needs a person opens (or updates) one issue; a run that heals closes it. */
  readonly issueOnFailure: boolean
  /** owner/repo of that issue; undefined: the workflow's repository. */
  readonly issueRepository: string | undefined
  /** Set: the run audits these users, and changes nothing. */
  readonly audit: AuditSettings | undefined
  /** Who is running: recorded in the marks so later runs can tell whose key is whose. */
  readonly run: RunIdentity
}

export interface SmokeWorkflow {
  readonly repository: string
  /** The file name under .github/workflows, as the Actions API names a workflow. */
  readonly file: string
  /** A branch or tag; undefined: the repository's default branch. */
  readonly ref: string | undefined
}

export interface RunIdentity {
  readonly repository: string
  readonly runId: string
  readonly attempt: string
}

export { INPUT_DEFAULTS }

export type InputName = keyof typeof INPUT_DEFAULTS
export type ReadInput = (name: InputName) => string

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/
const ACCOUNT_ID = /^\d{12}$/
const MAX_VERIFY_TIMEOUT_MS = 30 * 60_000
export const MAX_SMOKE_TIMEOUT_MS = 6 * 3_600_000
const MAX_RATE_LIMIT_BUDGET_MS = 6 * 3_600_000
const WORKFLOW_FILE = /^[A-Za-z0-9_.-]+\.ya?ml$/
// git's rules for ref names, in short: no spaces, control characters, ~^:?*[\ or "..".
const REF = /^(?!.*\.\.)(?!\/)(?!.*\/$)[^\s~^:?*[\\]+$/

/** An input as the helpers read it: trimmed, with its default when empty. */
type Input = (name: InputName) => string

export function readSettings(readInput: ReadInput, env: NodeJS.ProcessEnv): Settings {
  rejectUnknownInputs(env)
  const input: Input = name => {
    const value = readInput(name).trim()
    return value === '' ? INPUT_DEFAULTS[name] : value
  }

  const githubToken = readGithubToken(input)
  const targets = readTargets(input, env)
  const iamUserName = readIamUserName(input)
  const [accessKeyIdSecretName, secretAccessKeySecretName] = readSecretNames(input)
  const verifyTimeoutMs = readVerifyTimeout(input)
  const requestTimeoutMs = readRequestTimeout(input)
  const awsRegion = readAwsRegion(input)
  const expectedAccountId = readExpectedAccountId(input)
  const reactivatePrevious = readReactivatePrevious(input)
  const orgSecretVisibility = readOrgSecretVisibility(input)
  const githubApiUrl = readGithubApiUrl(input, env)
  refuseCodespacesOnGhes(targets, githubApiUrl ?? env.GITHUB_API_URL)
  const smokeWorkflow = readSmokeWorkflow(input, env, targets)
  const smokeTimeoutMs = readSmokeTimeout(input)
  const rateLimitBudgetMs = readRateLimitBudget(input)
  const leakResponse = readLeakResponse(input)

  const settings: Settings = {
    githubToken,
    targets: Object.freeze(targets),
    iamUserName,
    accessKeyIdSecretName,
    secretAccessKeySecretName,
    maxAgeMs: duration(input, 'max-age'),
    force: boolean(input, 'force'),
    deactivateAfterMs: duration(input, 'deactivate-after'),
    deleteAfterMs: duration(input, 'delete-after'),
    verifyTimeoutMs,
    dryRun: boolean(input, 'dry-run'),
    awsRegion,
    expectedAccountId,
    exportCredentials: boolean(input, 'export-credentials'),
    reactivatePrevious,
    orgSecretVisibility,
    githubApiUrl,
    requestTimeoutMs,
    smokeWorkflow,
    smokeTimeoutMs,
    rateLimitBudgetMs,
    leakResponse,
    issueOnFailure: boolean(input, 'issue-on-failure'),
    issueRepository: readIssueRepository(input, env),
    audit: readAudit(input, iamUserName),
    run: runIdentity(env)
  }
  return Object.freeze(settings)
}

// The bounded durations, each read where readSettings always read it (the first bad input wins).
function readVerifyTimeout(input: Input): number {
  return durationWithin(
    input,
    'verify-timeout',
    5_000,
    MAX_VERIFY_TIMEOUT_MS,
    `must be between 5s and 30m (AWS usually accepts a new key within 5-10 seconds)`
  )
}

function readRequestTimeout(input: Input): number {
  return durationWithin(input, 'request-timeout', 1_000, 5 * 60_000, 'must be between 1s and 5m')
}

function readSmokeTimeout(input: Input): number {
  return durationWithin(
    input,
    'smoke-timeout',
    10_000,
    MAX_SMOKE_TIMEOUT_MS,
    'must be between 10s and 6h (a GitHub-hosted job stops after 6 hours anyway)'
  )
}

function readRateLimitBudget(input: Input): number {
  return durationWithin(
    input,
    'rate-limit-budget',
    0,
    MAX_RATE_LIMIT_BUDGET_MS,
    'must be at most 6h (0 fails at the first rate limit)'
  )
}

function runIdentity(env: NodeJS.ProcessEnv): RunIdentity {
  return Object.freeze({
    repository: env.GITHUB_REPOSITORY ?? 'local',
    runId: env.GITHUB_RUN_ID ?? '0',
    attempt: env.GITHUB_RUN_ATTEMPT ?? '1'
  })
}

function readGithubToken(input: Input): string {
  const githubToken = input('github-token')
  if (githubToken === '') {
    throw new InputError(
      'github-token',
      'is required: a fine-grained personal access token with the repository permission ' +
        '"Secrets: read and write", or a GitHub App installation token with the secrets permission. ' +
        "The workflow's GITHUB_TOKEN cannot write secrets."
    )
  }
  if (/\s/.test(githubToken)) {
    throw new InputError('github-token', 'contains whitespace; pass the token alone')
  }
  return githubToken
}

/** The targets, or the workflow's own repository when none are listed. */
function readTargets(input: Input, env: NodeJS.ProcessEnv): Target[] {
  const targetsText = input('targets') || (env.GITHUB_REPOSITORY ?? '')
  if (targetsText.trim() === '') {
    throw new InputError(
      'targets',
      'is empty and GITHUB_REPOSITORY is not set; list one owner/repo per line'
    )
  }
  const targets = parseTargets(targetsText)
  if ('error' in targets) throw new InputError('targets', targets.error)
  if (targets.length === 0) {
    throw new InputError('targets', 'lists no target (only blank lines or comments)')
  }
  return targets
}

function readIamUserName(input: Input): string | undefined {
  const iamUserName = input('iam-user-name') || undefined
  if (iamUserName !== undefined && !IAM_USER_NAME.test(iamUserName)) {
    throw new InputError(
      'iam-user-name',
      `'${shortened(iamUserName)}' is not an IAM user name (1-64 letters, digits and + = , . @ _ -)`
    )
  }
  return iamUserName
}

/** The two secret names: each valid, and not one name (GitHub stores names upper-case). */
function readSecretNames(input: Input): [string, string] {
  const accessKeyIdSecretName = secretName(input, 'access-key-id-secret-name')
  const secretAccessKeySecretName = secretName(input, 'secret-access-key-secret-name')
  if (accessKeyIdSecretName.toUpperCase() === secretAccessKeySecretName.toUpperCase()) {
    throw new InputError(
      'secret-access-key-secret-name',
      `must differ from access-key-id-secret-name (both are '${shortened(accessKeyIdSecretName)}'; GitHub stores names upper-case)`
    )
  }
  return [accessKeyIdSecretName, secretAccessKeySecretName]
}

function readAwsRegion(input: Input): string {
  const awsRegion = input('aws-region')
  if (partitionOf(awsRegion) === undefined) {
    throw new InputError(
      'aws-region',
      `'${shortened(awsRegion)}' is not an AWS region this version knows (for example us-east-1, eu-west-1, us-gov-west-1)`
    )
  }
  return awsRegion
}

function readExpectedAccountId(input: Input): string | undefined {
  const expectedAccountId = input('expected-account-id') || undefined
  if (expectedAccountId !== undefined && !ACCOUNT_ID.test(expectedAccountId)) {
    throw new InputError(
      'expected-account-id',
      `must be 12 digits, got '${shortened(expectedAccountId)}'`
    )
  }
  return expectedAccountId
}

function readReactivatePrevious(input: Input): boolean {
  const reactivatePrevious = boolean(input, 'reactivate-previous')
  if (reactivatePrevious && boolean(input, 'force')) {
    throw new InputError(
      'reactivate-previous',
      'cannot be combined with force: one undoes a rotation, the other starts one. Set only one of them.'
    )
  }
  return reactivatePrevious
}

function readOrgSecretVisibility(input: Input): 'private' | 'all' {
  const orgSecretVisibility = input('org-secret-visibility').toLowerCase()
  if (orgSecretVisibility !== 'private' && orgSecretVisibility !== 'all') {
    throw new InputError(
      'org-secret-visibility',
      orgSecretVisibility === 'selected'
        ? "'selected' needs a list of repositories: create the two organization secrets once with their selection, and the action keeps it on every write"
        : `must be private or all, got '${shortened(orgSecretVisibility)}'`
    )
  }
  return orgSecretVisibility
}

/** github-api-url, or undefined for the runner's GITHUB_API_URL: either must be safe for the token. */
function readGithubApiUrl(input: Input, env: NodeJS.ProcessEnv): string | undefined {
  const githubApiUrl = input('github-api-url') || undefined
  const apiUrlRule =
    'an https:// URL (http:// only for localhost) without a user name, password, query or fragment, such as https://HOST/api/v3'
  if (githubApiUrl !== undefined && !isSafeApiUrl(githubApiUrl)) {
    throw new InputError(
      'github-api-url',
      `must be ${apiUrlRule}; got '${shortened(redactUrl(githubApiUrl))}'. The token is sent there.`
    )
  }
  // The runner's own value is held to the same rule: the token goes there too.
  const runnerApiUrl = env.GITHUB_API_URL
  if (githubApiUrl === undefined && runnerApiUrl && !isSafeApiUrl(runnerApiUrl)) {
    throw new InputError(
      'github-api-url',
      `is not set, and GITHUB_API_URL ('${shortened(redactUrl(runnerApiUrl))}') is not ${apiUrlRule}. The token would be sent there; set github-api-url, or fix GITHUB_API_URL.`
    )
  }
  return githubApiUrl
}

/** GitHub Enterprise Server (an API at .../api/v3) has no Codespaces secrets. */
function refuseCodespacesOnGhes(targets: readonly Target[], apiUrl: string | undefined): void {
  const ghes = /\/api\/v3\/?$/.test(apiUrl ?? '')
  const codespaces = targets.find(
    target => target.kind === 'codespaces' || target.kind === 'codespaces-org'
  )
  if (ghes && codespaces) {
    throw new InputError(
      'targets',
      `${describeTarget(codespaces)}: GitHub Enterprise Server (the API at .../api/v3) has no Codespaces secrets API (GitHub's API descriptions for GHES 3.17 to 3.19 have none); use repository, environment or organization targets there`
    )
  }
}

/** The smoke workflow, in a repository one of the targets feeds (else its run proves nothing). */
function readSmokeWorkflow(
  input: Input,
  env: NodeJS.ProcessEnv,
  targets: readonly Target[]
): SmokeWorkflow | undefined {
  const smokeWorkflow = parseSmokeWorkflow(input('smoke-workflow'), env.GITHUB_REPOSITORY)
  if (smokeWorkflow && !targets.some(target => feedsRepository(target, smokeWorkflow.repository))) {
    throw new InputError(
      'smoke-workflow',
      `no target feeds ${smokeWorkflow.repository} (a repository, environment or organization secret it can read), so its run would not see the new key and would prove nothing. Add a target for it, or pick a workflow in a repository that one of the targets feeds.`
    )
  }
  return smokeWorkflow
}

/** Where the issue goes: the named repository, else the workflow's own. */
function readIssueRepository(input: Input, env: NodeJS.ProcessEnv): string | undefined {
  const text = input('issue-repository')
  if (text === '') return env.GITHUB_REPOSITORY?.includes('/') ? env.GITHUB_REPOSITORY : undefined
  const [owner = '', repo = '', ...rest] = text.split('/')
  const problem =
    rest.length > 0 || repo === '' ? 'write owner/repo' : repositoryNameProblem(owner, repo)
  if (problem) throw new InputError('issue-repository', `${problem}, got '${shortened(text)}'`)
  return text
}

function readLeakResponse(input: Input): LeakResponse {
  const leakResponse = input('leak-response').toLowerCase()
  if (!isLeakResponse(leakResponse)) {
    throw new InputError(
      'leak-response',
      `must be one of ${LEAK_RESPONSES.join(', ')}, got '${shortened(leakResponse)}'`
    )
  }
  return leakResponse
}

/** A duration input from `minMs` to `maxMs`; `rule` says the range when it is outside. */
function durationWithin(
  input: Input,
  name: InputName,
  minMs: number,
  maxMs: number,
  rule: string
): number {
  const ms = duration(input, name)
  if (ms < minMs || ms > maxMs) throw new InputError(name, rule)
  return ms
}

/**
 * The runner hands every `with:` key to the action as INPUT_<NAME>, declared or not, and only
 * warns; a misspelt `dryrun: true` would be ignored and the run would rotate for real.
 */
function rejectUnknownInputs(env: NodeJS.ProcessEnv): void {
  const unknown = Object.keys(env)
    .filter(variable => variable.startsWith('INPUT_'))
    .map(variable => variable.slice('INPUT_'.length).toLowerCase())
    .filter(name => !Object.hasOwn(INPUT_DEFAULTS, name))
    .sort()
  const [first, ...others] = unknown
  if (first === undefined) return
  const guesses = closestInputs(first)
  const hint =
    guesses.length > 0
      ? `did you mean ${guesses.join(' or ')}?`
      : 'known inputs are listed in action.yml and the README.'
  const also = others.length > 0 ? ` Also not inputs: ${others.join(', ')}.` : ''
  throw new InputError(
    first,
    `is not an input of this action (a with: key, or an INPUT_${first.toUpperCase()} environment variable); ${hint} ` +
      `Nothing was done: the runner passes undeclared inputs on with only a warning, and an ignored input could turn a dry run into a real rotation.${also}`
  )
}

/** Declared inputs a misspelling most likely meant, nearest first: at most three. */
function closestInputs(name: string): string[] {
  const wanted = bare(name)
  return Object.keys(INPUT_DEFAULTS)
    .map(known => ({ known, distance: typoDistance(wanted, bare(known)) }))
    .filter(({ known, distance }) => distance <= 2 || isPartOf(wanted, bare(known)))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 3)
    .map(({ known }) => known)
}

/** `max_age`, `Max Age` and `max-age` are one name to a reader. */
function bare(name: string): string {
  return name.toLowerCase().replace(/[-_ ]/g, '')
}

/** `token` for github-token, `timeout` for the three timeouts; short words match too much. */
function isPartOf(wanted: string, known: string): boolean {
  return wanted.length >= 4 && (known.startsWith(wanted) || known.endsWith(wanted))
}

/** Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`. */
function typoDistance(a: string, b: string): number {
  let before: number[] = []
  let last = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const replace = (last[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      const swapped = j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]
      const swap = swapped ? (before[j - 2] ?? 0) + 1 : Infinity
      row.push(Math.min((last[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, replace, swap))
    }
    before = last
    last = row
  }
  return last[b.length] ?? 0
}

/** `FILE`, `owner/repo/FILE`, either with `@REF`; FILE is a name under .github/workflows. */
function parseSmokeWorkflow(
  text: string,
  currentRepository: string | undefined
): SmokeWorkflow | undefined {
  if (text === '') return undefined
  const at = text.indexOf('@')
  const place = at === -1 ? text : text.slice(0, at)
  const ref = at === -1 ? undefined : text.slice(at + 1)
  const parts = place.split('/')
  const file = parts.at(-1) ?? ''
  const repository = parts.length === 1 ? currentRepository : parts.slice(0, -1).join('/')
  const form = 'write FILE.yml or owner/repo/FILE.yml, optionally @REF (a branch or tag)'
  if (!WORKFLOW_FILE.test(file)) {
    throw new InputError(
      'smoke-workflow',
      `'${shortened(text)}' does not name a workflow file (.yml or .yaml) of .github/workflows: ${form}`
    )
  }
  if (parts.length !== 1 && parts.length !== 3) {
    throw new InputError('smoke-workflow', `'${shortened(text)}' is not in a known form: ${form}`)
  }
  if (repository === undefined) {
    throw new InputError(
      'smoke-workflow',
      `'${shortened(text)}' names no repository and GITHUB_REPOSITORY is not set: write owner/repo/${shortened(file)}`
    )
  }
  const [owner = '', repo = ''] = repository.split('/')
  const problem = repositoryNameProblem(owner, repo)
  if (problem) throw new InputError('smoke-workflow', `${problem}: ${form}`)
  if (ref !== undefined && !REF.test(ref)) {
    throw new InputError(
      'smoke-workflow',
      `'@${shortened(ref)}' is not a branch or tag name: ${form}`
    )
  }
  return Object.freeze({ repository, file, ref })
}

function secretName(input: Input, name: InputName): string {
  const value = input(name)
  if (!SECRET_NAME.test(value) || value.toUpperCase().startsWith('GITHUB_')) {
    throw new InputError(
      name,
      `'${shortened(value)}' is not a valid secret name: letters, digits and underscore, not starting with a digit or GITHUB_`
    )
  }
  return value
}

function duration(input: Input, name: InputName): number {
  const value = input(name)
  const ms = parseDuration(value)
  if (ms === undefined) {
    throw new InputError(
      name,
      `'${shortened(value)}' is not a duration; write 0 or a number with d, h, m or s, in that order (90d, 1d12h, 30m)`
    )
  }
  return ms
}

// The YAML 1.2 core schema words, as @actions/core's getBooleanInput accepts them.
const TRUE_WORDS = new Set(['true', 'True', 'TRUE'])
const FALSE_WORDS = new Set(['false', 'False', 'FALSE'])

function boolean(input: Input, name: InputName): boolean {
  const value = input(name)
  if (TRUE_WORDS.has(value)) return true
  if (FALSE_WORDS.has(value)) return false
  throw new InputError(name, `'${shortened(value)}' is not a boolean; write true or false`)
}

function isSafeApiUrl(text: string): boolean {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return false
  }
  if (url.username || url.password || url.search || url.hash) return false
  // `https://user:2024/pass@host` parses as host `user`, port 2024: a credential misread. No
  // API base holds an @.
  if (url.pathname.includes('@')) return false
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  return url.protocol === 'https:' || (url.protocol === 'http:' && local)
}

function isLeakResponse(text: string): text is LeakResponse {
  return (LEAK_RESPONSES as readonly string[]).includes(text)
}
