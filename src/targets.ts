/** A place that holds the key as a pair of secrets. Later kinds: environments, orgs, Dependabot. */
export interface RepositoryTarget {
  readonly kind: 'repository'
  readonly owner: string
  readonly repo: string
}
export type Target = RepositoryTarget

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/
const REPO = /^[A-Za-z0-9._-]{1,100}$/
const LATER_FORMS = ['env:', 'org:', 'dependabot:', 'dependabot-org:']

export function describeTarget(target: Target): string {
  return `${target.owner}/${target.repo}`
}

/**
 * Parses the `targets` input: one per line, blank lines and `#` comments ignored.
 * Returns the targets or a message saying which line is wrong and what is allowed.
 */
export function parseTargets(text: string): Target[] | { error: string } {
  const targets: Target[] = []
  const seen = new Map<string, number>()
  const lines = text.split(/\r?\n/)
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim()
    if (line === '') continue
    const where = `line ${index + 1} ('${line}')`
    const later = LATER_FORMS.find(prefix => line.toLowerCase().startsWith(prefix))
    if (later) {
      return {
        error: `${where}: '${later}' targets are not supported by this version; use owner/repo`
      }
    }
    const parts = line.split('/')
    const [owner, repo] = parts
    if (parts.length !== 2 || owner === undefined || repo === undefined) {
      return { error: `${where} is not a target; write one 'owner/repo' per line` }
    }
    if (!OWNER.test(owner) || owner.endsWith('-')) {
      return { error: `${where}: '${owner}' is not a valid GitHub owner name` }
    }
    if (!REPO.test(repo) || repo === '.' || repo === '..') {
      return { error: `${where}: '${repo}' is not a valid repository name` }
    }
    const key = line.toLowerCase()
    const first = seen.get(key)
    if (first !== undefined) {
      return { error: `${where} repeats line ${first}; list each target once` }
    }
    seen.set(key, index + 1)
    targets.push({ kind: 'repository', owner, repo })
  }
  return targets
}
