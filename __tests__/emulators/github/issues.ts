/**
 * The issue routes ("REST API endpoints for issues": https://docs.github.com/rest/issues/issues;
 * comments: https://docs.github.com/rest/issues/comments#create-an-issue-comment): the
 * repository's list, a new issue, its update, and a comment. The issues themselves, their JSON
 * and the bodies' validation are ../issues.ts; this part decides push access, which keeps a new
 * issue's labels.
 */
import type { GitHubEmulator } from '../github.js'
import {
  addComment,
  applyIssueUpdate,
  commentJson,
  issueJson,
  MSG_ISSUES_DISABLED,
  parseNewIssue,
  type IssueContext,
  type IssueRefusal,
  type StoredIssue
} from '../issues.js'
import { mustFindRepo, REPO_PATH, repoOf } from './hub.js'
import type { Hub, Route, RouteCall } from './hub.js'
import { repoLinks } from './repos.js'
import { allows, CALLER_LOGIN, read, write } from './tokens.js'
import { errorReply, notFound, pageArray, parseJsonObject, refusalReply } from './wire.js'
import type { Reply } from './wire.js'

const DOCS_ISSUES = 'https://docs.github.com/rest/issues/issues'

const refuse = (call: RouteCall, refusal: IssueRefusal): Reply =>
  refusalReply(refusal, call.route.docs)

const issueContext = (call: RouteCall): IssueContext => repoLinks(call, repoOf(call))

/** With issues turned off, every route but the list answers 410. */
function enabled(answer: (call: RouteCall) => Reply) {
  return (call: RouteCall): Reply =>
    repoOf(call).issues.enabled
      ? answer(call)
      : errorReply(410, MSG_ISSUES_DISABLED, call.route.docs)
}

/** The list declares no 410: with issues off it still lists pull requests (our reading). */
function listIssues(call: RouteCall): Reply {
  const store = repoOf(call).issues
  const chosen = store.list(call.url.searchParams)
  if (!Array.isArray(chosen)) return refuse(call, chosen)
  const context = issueContext(call)
  const shown = chosen
    .filter(issue => store.enabled || issue.pullRequest)
    .map(issue => issueJson(store, issue, context))
  return pageArray(shown, call.url, call.origin)
}

function createIssue(call: RouteCall): Reply {
  const store = repoOf(call).issues
  const fields = parseNewIssue(parseJsonObject(call.raw, call.route.docs))
  if ('status' in fields) return refuse(call, fields)
  // "Only users with push access can set labels for new issues. Labels are silently
  // dropped otherwise" (the create operation's description): push is Contents: write.
  const push = allows(call.token, write('contents'))
  const labels = push ? fields.labels : []
  const issue = store.open({ ...fields, labels, author: CALLER_LOGIN })
  return { status: 201, body: issueJson(store, issue, issueContext(call)) }
}

/** The issue the path names (a 404 without one), after the body parses. */
function withIssue(
  answer: (call: RouteCall, body: Record<string, unknown>, issue: StoredIssue) => Reply
) {
  return enabled(call => {
    const body = parseJsonObject(call.raw, call.route.docs)
    const number = call.place.issueNumber ?? ''
    const issue = /^\d+$/.test(number) ? repoOf(call).issues.get(Number(number)) : undefined
    return issue ? answer(call, body, issue) : notFound(call.route.docs)
  })
}

function updateIssue(call: RouteCall, body: Record<string, unknown>, issue: StoredIssue): Reply {
  const refusal = applyIssueUpdate(issue, body)
  if (refusal) return refuse(call, refusal)
  return { status: 200, body: issueJson(repoOf(call).issues, issue, issueContext(call)) }
}

function commentIssue(call: RouteCall, body: Record<string, unknown>, issue: StoredIssue): Reply {
  const comment = addComment(issue, body, CALLER_LOGIN)
  if ('status' in comment) return refuse(call, comment)
  return { status: 201, body: commentJson(issue, comment, issueContext(call)) }
}

export const ISSUE_ROUTES: Route[] = [
  {
    name: 'list-issues',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/issues$`),
    on: 'repo',
    need: read('issues'),
    docs: `${DOCS_ISSUES}#list-repository-issues`,
    answer: listIssues
  },
  {
    name: 'create-issue',
    method: 'POST',
    pattern: new RegExp(`^${REPO_PATH}/issues$`),
    on: 'repo',
    need: write('issues'),
    docs: `${DOCS_ISSUES}#create-an-issue`,
    answer: enabled(createIssue)
  },
  {
    name: 'update-issue',
    method: 'PATCH',
    pattern: new RegExp(`^${REPO_PATH}/issues/([^/]+)$`),
    on: 'repo',
    param: 'issueNumber',
    need: write('issues'),
    docs: `${DOCS_ISSUES}#update-an-issue`,
    answer: withIssue(updateIssue)
  },
  {
    name: 'create-issue-comment',
    method: 'POST',
    pattern: new RegExp(`^${REPO_PATH}/issues/([^/]+)/comments$`),
    on: 'repo',
    param: 'issueNumber',
    need: write('issues'),
    docs: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
    answer: withIssue(commentIssue)
  }
]

type IssueControls = Pick<GitHubEmulator, 'issues' | 'setIssuesEnabled' | 'addPullRequest'>

export function issueControls(hub: Hub): IssueControls {
  return {
    issues: repo => mustFindRepo(hub, repo).issues.issues,
    setIssuesEnabled(repo, enabled) {
      mustFindRepo(hub, repo).issues.enabled = enabled
    },
    addPullRequest(repo, title, labels) {
      const issue = mustFindRepo(hub, repo).issues.open({
        title,
        body: '',
        labels,
        author: 'someone'
      })
      issue.pullRequest = true
    }
  }
}
