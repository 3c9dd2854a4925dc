/** A place that holds the key as a pair of secrets: one GitHub secret scope. */
export type Target =
  | { readonly kind: 'repository'; readonly owner: string; readonly repo: string }
  | {
      readonly kind: 'environment'
      readonly owner: string
      readonly repo: string
      readonly environment: string
    }
  | { readonly kind: 'organization'; readonly org: string }
  | { readonly kind: 'dependabot'; readonly owner: string; readonly repo: string }
  | { readonly kind: 'dependabot-org'; readonly org: string }
  | { readonly kind: 'codespaces'; readonly owner: string; readonly repo: string }
  | { readonly kind: 'codespaces-org'; readonly org: string }

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/
const REPO = /^[A-Za-z0-9._-]{1,100}$/
// GitHub allows up to 255 characters and documents no character set ("/" is sent as %2F); a
// target line is trimmed, so no spaces at either end, and control characters are refused.
const ENVIRONMENT = /^[^\s\p{Cc}](?:[^\p{Cc}]{0,253}[^\s\p{Cc}])?$/u
const FORMS =
  "write 'owner/repo', 'env:owner/repo/ENVIRONMENT', 'org:ORG', 'dependabot:owner/repo', 'dependabot-org:ORG', 'codespaces:owner/repo' or 'codespaces-org:ORG'"

export function describeTarget(target: Target): string {
  switch (target.kind) {
    case 'repository':
      return `${target.owner}/${target.repo}`
    case 'environment':
      return `env:${target.owner}/${target.repo}/${target.environment}`
    case 'organization':
      return `org:${target.org}`
    case 'dependabot':
      return `dependabot:${target.owner}/${target.repo}`
    case 'dependabot-org':
      return `dependabot-org:${target.org}`
    case 'codespaces':
      return `codespaces:${target.owner}/${target.repo}`
    case 'codespaces-org':
      return `codespaces-org:${target.org}`
  }
}

/** The repository a target belongs to, when it belongs to one. */
export function repositoryOf(target: Target): string | undefined {
  return 'repo' in target ? `${target.owner}/${target.repo}` : undefined
}

/**
 * Whether a workflow in `repository` may read its AWS secrets from this target: the target's
 * repository or environment secrets, or its organization's secrets. Dependabot and Codespaces
 * secrets are only given to Dependabot's runs and to codespaces.
 */
export function feedsRepository(target: Target, repository: string): boolean {
  const wanted = repository.toLowerCase()
  switch (target.kind) {
    case 'repository':
    case 'environment':
      return `${target.owner}/${target.repo}`.toLowerCase() === wanted
    case 'organization':
      return wanted.startsWith(`${target.org.toLowerCase()}/`)
    default:
      return false
  }
}

/** A line as echoed in an error: a pasted blob is cut, not printed whole. */
export function shortened(line: string): string {
  return line.length <= ECHO_MAX ? line : `${line.slice(0, ECHO_MAX)}… (${line.length} characters)`
}
const ECHO_MAX = 100

/**
 * Parses the `targets` input: one per line, blank lines and `#` comments ignored.
 * Returns the targets or a message saying which line is wrong and what is allowed.
 */
export function parseTargets(text: string): Target[] | { error: string } {
  const targets: Target[] = []
  const seen = new Map<string, number>()
  const lines = targetLines(text)
  if ('error' in lines) return lines
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim()
    if (line === '') continue
    const where = `line ${index + 1} ('${shortened(line)}')`
    const parsed = parseLine(line)
    if (typeof parsed === 'string') {
      // A long name is cut inside its quotes, which stay; one cut already ends at its "…".
      return { error: `${where}: ${parsed.replace(/[^\s'…]{101,}/g, shortened)}` }
    }
    // GitHub names are case-insensitive: two spellings reach the same secrets.
    // Stryker disable next-line MethodExpression: upper-casing finds the same duplicates
    const scope = describeTarget(parsed).toLowerCase()
    const first = seen.get(scope)
    if (first !== undefined) {
      return {
        error: `${where} reaches the same secrets as line ${first}; list each target once`
      }
    }
    seen.set(scope, index + 1)
    targets.push(parsed)
  }
  return targets
}

/**
 * The lines of the input. A JSON array of strings (a matrix entry passed through toJSON) is
 * taken as its items. An array passed as it is reaches the action as the word GitHub writes
 * for it, 'Array': say how to pass it.
 */
function targetLines(text: string): string[] | { error: string } {
  const trimmed = text.trim()
  if (trimmed === 'Array' || trimmed === 'Object') {
    return {
      error: `is '${trimmed}', which is what GitHub writes for an ${trimmed === 'Array' ? 'array' : 'object'} in \${{ }}: pass a list as \${{ join(matrix.entry.targets, '\\n') }} or \${{ toJSON(matrix.entry.targets) }}`
    }
  }
  if (!trimmed.startsWith('[')) return text.split(/\r?\n/)
  let items: unknown
  try {
    items = JSON.parse(trimmed)
  } catch {
    return { error: 'starts with [ but is not a JSON array of strings; write one target per line' }
  }
  if (!Array.isArray(items) || !items.every(item => typeof item === 'string')) {
    return { error: 'is JSON, but not an array of strings; write one target per line' }
  }
  return items.flatMap(item => item.split(/\r?\n/))
}

function parseLine(line: string): Target | string {
  const colon = /^([a-z-]+):(.*)$/i.exec(line)
  // Stryker disable next-line OptionalChaining: when the pattern matched, so did its first group
  const prefix = colon?.[1]?.toLowerCase()
  const rest = colon?.[2] ?? line
  switch (prefix) {
    case undefined:
      return parseRepository(line, 'repository')
    case 'dependabot':
    case 'codespaces':
      return parseRepository(rest, prefix)
    case 'org':
    case 'dependabot-org':
    case 'codespaces-org': {
      const org = rest
      if (!OWNER.test(org) || org.endsWith('-')) {
        return `'${org}' is not a valid GitHub organization name; ${FORMS}`
      }
      return prefix === 'org' ? { kind: 'organization', org } : { kind: prefix, org }
    }
    case 'env': {
      const [owner = '', repo = '', ...environmentParts] = rest.split('/')
      const environment = environmentParts.join('/')
      const problem = repositoryNameProblem(owner, repo)
      if (problem !== undefined) return problem
      // No parts after the repository join to '' too.
      if (environment === '') {
        return `an environment target names the environment after the repository: 'env:owner/repo/ENVIRONMENT'`
      }
      // "." and ".." would leave the environment's path in the API URL.
      if (!ENVIRONMENT.test(environment) || environment === '.' || environment === '..') {
        return `'${environment}' is not a valid environment name (1 to 255 characters, no control characters)`
      }
      return { kind: 'environment', owner, repo, environment }
    }
    default:
      return `'${prefix}:' is not a kind of target; ${FORMS}`
  }
}

function parseRepository(
  text: string,
  kind: 'repository' | 'dependabot' | 'codespaces'
): Extract<Target, { kind: 'repository' | 'dependabot' | 'codespaces' }> | string {
  const parts = text.split('/')
  const [owner, repo] = parts
  // Stryker disable next-line ConditionalExpression,LogicalOperator: two parts are both defined
  if (parts.length !== 2 || owner === undefined || repo === undefined) {
    return `not a target; ${FORMS}, one per line`
  }
  return repositoryNameProblem(owner, repo) ?? { kind, owner, repo }
}

/** Why owner/repo is not a name GitHub allows, or undefined when it is one. */
export function repositoryNameProblem(owner: string, repo: string): string | undefined {
  if (!OWNER.test(owner) || owner.endsWith('-')) {
    return `'${shortened(owner)}' is not a valid GitHub owner name`
  }
  if (!REPO.test(repo) || repo === '.' || repo === '..') {
    return `'${shortened(repo)}' is not a valid repository name`
  }
  return undefined
}
