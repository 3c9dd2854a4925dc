import { statusOf } from '../errors.js'
import { isoTime } from '../format.js'
import { apiText } from '../untrusted.js'
import { type Octokit, splitRepository } from './client.js'

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
  /** The workflow a run attempt belongs to (the audit: is it still scheduled?); 404: undefined. */
  workflowOfRun(
    repository: string,
    runId: string,
    attempt: string
  ): Promise<WorkflowInfo | undefined>
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

/** Whether a workflow run attempt is still going, as far as the token may see. */
export async function readRunState(
  octokit: Octokit,
  repository: string,
  runId: string,
  attempt: string
): Promise<RunState> {
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
}

/** A run as the gate reads it; what it prints (URL, status, conclusion) is made printable here. */
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
    status: apiText(run.status ?? 'queued'),
    conclusion: typeof run.conclusion === 'string' ? apiText(run.conclusion) : null,
    htmlUrl: apiText(run.html_url),
    displayTitle: run.display_title ?? ''
  }
}

const RUNS_PER_PAGE = 20

async function notFoundAsUndefined<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call()
  } catch (error) {
    if (statusOf(error) === 404) return undefined
    throw error
  }
}

/** The Actions API calls of the smoke gate. */
export function octokitWorkflows(octokit: Octokit): WorkflowsApi {
  return {
    getWorkflow: (repository, file) =>
      notFoundAsUndefined(async () => {
        const { data } = await octokit.request(
          'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}',
          { ...splitRepository(repository), workflow_id: file }
        )
        return { id: data.id, name: data.name, path: data.path, state: apiText(data.state) }
      }),
    async defaultBranch(repository) {
      const { data } = await octokit.request(
        'GET /repos/{owner}/{repo}',
        splitRepository(repository)
      )
      return data.default_branch
    },
    readFile: (repository, path, ref) => readFile(octokit, repository, path, ref),
    async enable(repository, file) {
      await octokit.request('PUT /repos/{owner}/{repo}/actions/workflows/{workflow_id}/enable', {
        ...splitRepository(repository),
        workflow_id: file
      })
    },
    dispatch: (repository, file, request) => dispatch(octokit, repository, file, request),
    async getRun(repository, runId) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', {
        ...splitRepository(repository),
        run_id: runId
      })
      return toRun(data)
    },
    workflowOfRun: (repository, runId, attempt) =>
      notFoundAsUndefined(async () => {
        const { data: run } = await octokit.request(
          'GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}',
          { ...splitRepository(repository), run_id: Number(runId), attempt_number: Number(attempt) }
        )
        const { data } = await octokit.request(
          'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}',
          { ...splitRepository(repository), workflow_id: run.workflow_id }
        )
        return { id: data.id, name: data.name, path: data.path, state: data.state }
      }),
    listDispatchedRuns: (repository, file, since) =>
      listDispatchedRuns(octokit, repository, file, since)
  }
}

function readFile(
  octokit: Octokit,
  repository: string,
  path: string,
  ref: string
): Promise<string | undefined> {
  return notFoundAsUndefined(async () => {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
      ...splitRepository(repository),
      path,
      ref
    })
    const file = data as { type?: string; content?: string; encoding?: string }
    if (file.type !== 'file' || file.encoding !== 'base64' || file.content === undefined)
      return undefined
    return Buffer.from(file.content, 'base64').toString('utf8')
  })
}

async function dispatch(
  octokit: Octokit,
  repository: string,
  file: string,
  request: { ref: string; inputs: Record<string, string>; returnRunDetails: boolean }
): Promise<{ runId: number } | undefined> {
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
}

async function listDispatchedRuns(
  octokit: Octokit,
  repository: string,
  file: string,
  since: number
): Promise<WorkflowRun[]> {
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
