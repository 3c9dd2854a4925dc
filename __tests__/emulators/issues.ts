/**
 * GitHub issues for the GitHub emulator (./github.ts wires the routes): each repository's issues,
 * their labels and comments, the list's filters and paging, and the validation of the create,
 * update and comment bodies.
 *
 * Sources: GitHub's OpenAPI description (operations issues/list-for-repo, issues/create,
 * issues/update, issues/create-comment; schemas issue, issue-comment, label) and
 * https://docs.github.com/rest/issues/issues: the repository list returns pull requests too,
 * marked by a `pull_request` key; `labels` filters by every comma-separated name; issues
 * disabled on a repository answer 410 "Issues are disabled for this repo" on create, update and
 * comment (the list declares no 410, so it lists only pull requests then); a token without push
 * access gets a new issue without its labels ("Labels are silently dropped otherwise", the
 * create operation's description; ./github.ts decides push). Our readings, where
 * GitHub documents no rule: a label named on create that does not exist is created (grey, no
 * description), as GitHub's web flow does for someone with push access; a body may hold at most
 * 65,536 characters (GitHub's UI limit; the API answers 422 beyond it).
 */

export const MSG_ISSUES_DISABLED = 'Issues are disabled for this repo'
export const MAX_BODY = 65_536

export interface StoredComment {
  id: number
  body: string
  author: string
  createdAt: Date
}

export interface StoredIssue {
  number: number
  id: number
  title: string
  body: string
  state: 'open' | 'closed'
  labels: string[]
  author: string
  createdAt: Date
  updatedAt: Date
  closedAt: Date | null
  comments: StoredComment[]
  /** A pull request: the repository's issue list shows it, with a `pull_request` key. */
  pullRequest: boolean
}

interface StoredLabel {
  id: number
  name: string
  color: string
}

export interface IssueContext {
  /** https://host/api/v3/repos/owner/repo (or the api.github.com form). */
  apiUrl: string
  /** https://host/owner/repo */
  htmlUrl: string
  account: (login: string) => unknown
}

export type IssueRefusal = { status: number; message: string }

let nextId = 900_000

/** One repository's issues and labels. */
export class IssueStore {
  enabled = true
  readonly issues: StoredIssue[] = []
  private readonly labels = new Map<string, StoredLabel>()

  /** Every label name is kept as first written; lookups ignore case, as GitHub's do. */
  label(name: string): StoredLabel {
    const key = name.toLowerCase()
    const known = this.labels.get(key)
    if (known) return known
    const made = { id: nextId++, name, color: 'ededed' }
    this.labels.set(key, made)
    return made
  }

  open(fields: { title: string; body: string; labels: string[]; author: string }): StoredIssue {
    const now = new Date()
    const issue: StoredIssue = {
      number: this.issues.length + 1,
      id: nextId++,
      ...fields,
      labels: fields.labels.map(name => this.label(name).name),
      state: 'open',
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      comments: [],
      pullRequest: false
    }
    this.issues.push(issue)
    return issue
  }

  get(number: number): StoredIssue | undefined {
    return this.issues.find(issue => issue.number === number)
  }

  /** The list's filters: state (open by default), labels (all of them), newest first. */
  list(query: URLSearchParams): StoredIssue[] | IssueRefusal {
    const state = query.get('state') ?? 'open'
    if (!['open', 'closed', 'all'].includes(state)) {
      return { status: 422, message: 'Validation Failed' }
    }
    const wanted = (query.get('labels') ?? '')
      .split(',')
      .map(name => name.trim().toLowerCase())
      .filter(name => name !== '')
    return this.issues
      .filter(issue => state === 'all' || issue.state === state)
      .filter(issue =>
        wanted.every(name => issue.labels.some(label => label.toLowerCase() === name))
      )
      .sort((a, b) => b.number - a.number)
  }

  labelJson(name: string, context: IssueContext): unknown {
    const label = this.label(name)
    return {
      id: label.id,
      node_id: Buffer.from(`05:Label${label.id}`).toString('base64'),
      url: `${context.apiUrl}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      description: null,
      color: label.color,
      default: false
    }
  }
}

export function issueJson(store: IssueStore, issue: StoredIssue, context: IssueContext): unknown {
  const url = `${context.apiUrl}/issues/${issue.number}`
  const kind = issue.pullRequest ? 'pull' : 'issues'
  return {
    id: issue.id,
    node_id: Buffer.from(`05:Issue${issue.id}`).toString('base64'),
    url,
    repository_url: context.apiUrl,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${context.htmlUrl}/${kind}/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: issue.state === 'closed' ? 'completed' : null,
    title: issue.title,
    body: issue.body,
    user: context.account(issue.author),
    labels: issue.labels.map(name => store.labelJson(name, context)),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: issue.comments.length,
    closed_at: issue.closedAt ? isoSeconds(issue.closedAt) : null,
    created_at: isoSeconds(issue.createdAt),
    updated_at: isoSeconds(issue.updatedAt),
    author_association: 'NONE',
    ...(issue.pullRequest
      ? {
          pull_request: {
            url: `${context.apiUrl}/pulls/${issue.number}`,
            html_url: `${context.htmlUrl}/pull/${issue.number}`,
            diff_url: `${context.htmlUrl}/pull/${issue.number}.diff`,
            patch_url: `${context.htmlUrl}/pull/${issue.number}.patch`
          }
        }
      : {})
  }
}

export function commentJson(
  issue: StoredIssue,
  comment: StoredComment,
  context: IssueContext
): unknown {
  return {
    id: comment.id,
    node_id: Buffer.from(`012:IssueComment${comment.id}`).toString('base64'),
    url: `${context.apiUrl}/issues/comments/${comment.id}`,
    html_url: `${context.htmlUrl}/issues/${issue.number}#issuecomment-${comment.id}`,
    issue_url: `${context.apiUrl}/issues/${issue.number}`,
    body: comment.body,
    user: context.account(comment.author),
    created_at: isoSeconds(comment.createdAt),
    updated_at: isoSeconds(comment.createdAt),
    author_association: 'NONE'
  }
}

/** POST /issues: `title` required; `body` and `labels` (names) optional. */
export function parseNewIssue(
  body: Record<string, unknown>
): { title: string; body: string; labels: string[] } | IssueRefusal {
  const { title, labels } = body
  if (typeof title !== 'string' || title.trim() === '') {
    return { status: 422, message: 'Validation Failed' }
  }
  const text = body.body ?? ''
  if (typeof text !== 'string' || text.length > MAX_BODY) {
    return { status: 422, message: 'Validation Failed' }
  }
  const names = labels ?? []
  if (!Array.isArray(names) || names.some(name => typeof name !== 'string')) {
    return { status: 422, message: 'Validation Failed' }
  }
  return { title, body: text, labels: names as string[] }
}

/** PATCH /issues/{n}: state, body and title as given; anything else of ours is refused. */
export function applyIssueUpdate(
  issue: StoredIssue,
  body: Record<string, unknown>
): IssueRefusal | undefined {
  const { state, title } = body
  if (state !== undefined && state !== 'open' && state !== 'closed') {
    return { status: 422, message: 'Validation Failed' }
  }
  if (body.body !== undefined && (typeof body.body !== 'string' || body.body.length > MAX_BODY)) {
    return { status: 422, message: 'Validation Failed' }
  }
  if (title !== undefined && typeof title !== 'string') {
    return { status: 422, message: 'Validation Failed' }
  }
  const now = new Date()
  if (typeof body.body === 'string') issue.body = body.body
  if (typeof title === 'string') issue.title = title
  if (state === 'closed' && issue.state === 'open') issue.closedAt = now
  if (state === 'open') issue.closedAt = null
  if (state === 'open' || state === 'closed') issue.state = state
  issue.updatedAt = now
  return undefined
}

/** POST /issues/{n}/comments: `body` required. */
export function addComment(
  issue: StoredIssue,
  body: Record<string, unknown>,
  author: string
): StoredComment | IssueRefusal {
  const text = body.body
  if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_BODY) {
    return { status: 422, message: 'Validation Failed' }
  }
  const comment = { id: nextId++, body: text, author, createdAt: new Date() }
  issue.comments.push(comment)
  issue.updatedAt = comment.createdAt
  return comment
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
