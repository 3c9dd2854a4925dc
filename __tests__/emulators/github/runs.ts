/**
 * Workflow runs: the runs a dispatch starts (queued, in progress, then completed, computed when
 * read), the action's own run attempts that tests set, "Get a workflow run", "Get a workflow run
 * attempt" and "List workflow runs for a workflow" with its event, branch, status and created
 * filters (https://docs.github.com/rest/actions/workflow-runs; the created qualifier's syntax:
 * https://docs.github.com/search-github/getting-started-with-searching-on-github/understanding-the-search-syntax#query-for-dates).
 */
import { createHash, randomInt } from 'node:crypto'
import type { GitHubEmulator } from '../github.js'
import { DEFAULT_BRANCH, findRepo, mustFindRepo, REPO_PATH, repoOf } from './hub.js'
import type { Hub, Repo, Route, RouteCall } from './hub.js'
import { repositoryJson } from './repos.js'
import { read } from './tokens.js'
import { isoSeconds, nodeId, notFound, page, randomSha } from './wire.js'
import type { Reply } from './wire.js'
import { registerWorkflow, withWorkflow, workflowPath } from './workflows.js'
import type { Workflow } from './workflows.js'

export type RunStatus = 'queued' | 'in_progress' | 'completed'
export type RunConclusion = 'success' | 'failure' | 'cancelled' | 'timed_out'

/**
 * How runs of a workflow behave: queued for queuedMs (default 50), in progress for durationMs
 * (default 200), then completed with the conclusion. `never`: queued, then in progress forever.
 */
export type WorkflowOutcome =
  { conclusion: RunConclusion; queuedMs?: number; durationMs?: number } | { never: true }

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

/** An attempt of the action's own run, as setRun left it. */
export interface RunAttempt {
  status: RunStatus
  conclusion: RunConclusion
  createdAt: number
  updatedAt: number
}

export interface DispatchedRun {
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

const DOCS_RUNS = 'https://docs.github.com/rest/actions/workflow-runs'
const DEFAULT_QUEUED_MS = 50
const DEFAULT_DURATION_MS = 200
const DAY_MS = 86_400_000
/** The workflow the action's own runs (setRun) belong to. */
const ROTATION_WORKFLOW_NAME = 'Rotate AWS access keys'
const ROTATION_WORKFLOW_PATH = '.github/workflows/rotate-aws-access-keys.yml'

/** The first run id: ids on GitHub.com are past ten billion, beyond 32 bits. */
export const firstRunId = () => randomInt(10_000_000_000, 20_000_000_000)

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

const findDispatchedRun = (repo: Repo, runId: string): DispatchedRun | undefined =>
  /^\d+$/.test(runId) ? repo.dispatchedRuns.find(run => run.id === Number(runId)) : undefined

function dispatchedRunView(run: DispatchedRun, now: number): RunView {
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

/** The workflow of the action's own runs (setRun): registered, no file needed. */
function rotationWorkflow(hub: Hub, repo: Repo): Workflow {
  const file = ROTATION_WORKFLOW_PATH.split('/').at(-1) ?? ''
  return repo.workflows.get(file) ?? registerWorkflow(hub, repo, file)
}

/** The action's own run: a scheduled run of its workflow, concluded as the test set it. */
function ownRunView(hub: Hub, repo: Repo, runId: string, attempt: string, set: RunAttempt) {
  return {
    id: Number(runId),
    attempt: Number(attempt),
    name: ROTATION_WORKFLOW_NAME,
    workflowId: rotationWorkflow(hub, repo).id,
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
}

/** A workflow run attempt (workflow-run); its head commit is the one the run checked out. */
function runJson(call: RouteCall, repo: Repo, run: RunView) {
  const { origin } = call
  const api = `${origin}${call.hub.basePath}/repos/${repo.fullName}`
  const runUrl = `${api}/actions/runs/${run.id}`
  const created = isoSeconds(new Date(run.createdAt))
  const author = { name: repo.owner, email: `${repo.owner}@users.noreply.github.com` }
  const repository = repositoryJson(call.hub, repo, origin)
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

/** A run attempt: the action's own (setRun), or a dispatched run's only one. */
function runAttemptReply(call: RouteCall): Reply {
  const repo = repoOf(call)
  const [runId = '', attempt = ''] = call.url.pathname
    .split('/')
    .slice(-3)
    .filter((_, i) => i !== 1)
  const set = repo.runs.get(`${runId}.${attempt}`)
  // A dispatched run has one attempt.
  const dispatched = attempt === '1' ? findDispatchedRun(repo, runId) : undefined
  if (!set && dispatched) {
    return { status: 200, body: runJson(call, repo, dispatchedRunView(dispatched, Date.now())) }
  }
  if (!set) return notFound(call.route.docs)
  return { status: 200, body: runJson(call, repo, ownRunView(call.hub, repo, runId, attempt, set)) }
}

/** A workflow's runs, newest first, filtered by event, branch, status and created. */
function listRunsReply(call: RouteCall, repo: Repo, workflow: Workflow): Reply {
  const { url } = call
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
    if (run.workflow !== workflow || now < run.createdAt + call.hub.runListDelayMs) return false
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
    newestFirst.map(run => runJson(call, repo, dispatchedRunView(run, now))),
    'workflow_runs',
    url,
    call.origin
  )
}

export const RUN_ROUTES: Route[] = [
  {
    name: 'get-run-attempt',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/actions/runs/(\\d+)/attempts/(\\d+)$`),
    on: 'repo',
    need: read('actions'),
    docs: `${DOCS_RUNS}#get-a-workflow-run-attempt`,
    answer: runAttemptReply
  },
  {
    name: 'get-run',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/actions/runs/(\\d+)$`),
    on: 'repo',
    param: 'runId',
    need: read('actions'),
    docs: `${DOCS_RUNS}#get-a-workflow-run`,
    answer(call) {
      const repo = repoOf(call)
      const run = findDispatchedRun(repo, call.place.runId ?? '')
      if (!run) return notFound(call.route.docs)
      return { status: 200, body: runJson(call, repo, dispatchedRunView(run, Date.now())) }
    }
  },
  {
    name: 'list-workflow-runs',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/actions/workflows/([^/]+)/runs$`),
    on: 'repo',
    param: 'workflow',
    need: read('actions'),
    docs: `${DOCS_RUNS}#list-workflow-runs-for-a-workflow`,
    answer: withWorkflow(listRunsReply)
  }
]

export function runControls(hub: Hub): Pick<GitHubEmulator, 'setRun' | 'workflowRuns'> {
  return {
    setRun(repo, runId, attempt, status, conclusion = 'failure') {
      const found = findRepo(hub, repo)
      if (!found) throw new Error(`GitHub emulator: no repository ${repo}`)
      const now = Date.now()
      const key = `${runId}.${attempt}`
      rotationWorkflow(hub, found)
      found.runs.set(key, {
        status,
        conclusion,
        createdAt: found.runs.get(key)?.createdAt ?? now,
        updatedAt: now
      })
    },
    workflowRuns(repo) {
      const now = Date.now()
      return mustFindRepo(hub, repo).dispatchedRuns.map(run => {
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
    }
  }
}
