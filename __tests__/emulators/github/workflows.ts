/**
 * Workflows: a file in .github/workflows on the default branch registers one, active, with an
 * id of its own; "Get a workflow", "Enable a workflow" and "Create a workflow dispatch event"
 * (https://docs.github.com/rest/actions/workflows). A dispatch is validated in GitHub's order
 * against the workflow file at the ref it names (its workflow_dispatch trigger and inputs), then
 * starts a run (./runs.ts). GitHub disables a public repository's scheduled workflows after 60
 * days without activity (disabled_inactivity:
 * https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-workflow-runs/disabling-and-enabling-a-workflow).
 */
import { randomInt } from 'node:crypto'
import { parse as parseYaml } from 'yaml'
import type { GitHubEmulator } from '../github.js'
import { branchName, branchOrNew } from './contents.js'
import { DEFAULT_BRANCH, mustFindRepo, nextId, REPO_PATH, repoOf } from './hub.js'
import type { Hub, Repo, Route, RouteCall } from './hub.js'
import type { DispatchedRun, WorkflowOutcome } from './runs.js'
import { read, write } from './tokens.js'
import {
  errorReply,
  isoSeconds,
  isRecord,
  nodeId,
  notFound,
  parseJsonObject,
  randomSha,
  ReplyError,
  wrongType
} from './wire.js'
import type { Reply } from './wire.js'

/**
 * A workflow's state (GET a workflow: https://docs.github.com/en/rest/actions/workflows#get-a-workflow).
 * GitHub disables a public repository's scheduled workflows after 60 days without activity
 * (disabled_inactivity: https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-workflow-runs/disabling-and-enabling-a-workflow).
 */
export type WorkflowState = 'active' | 'disabled_manually' | 'disabled_inactivity'

export interface WorkflowOptions {
  /** The file's text. Default: a dispatchable smoke test with a required `rotation` input. */
  content?: string
  /** Default: active. */
  state?: WorkflowState
  /** The `name:` of the default content (default: the file name without extension). */
  name?: string
}

export interface Workflow {
  id: number
  file: string
  state: WorkflowState
  createdAt: Date
  updatedAt: Date
  outcome: WorkflowOutcome
  runCount: number
}

/** What a workflow file says about itself and its workflow_dispatch trigger. */
interface WorkflowFile {
  name?: string
  runName?: string
  /** Undefined: the file has no workflow_dispatch trigger. */
  dispatchInputs?: Map<string, DeclaredInput>
}

interface DeclaredInput {
  required: boolean
  default?: string
  /** A `choice` input's allowed values. */
  options?: string[]
}

const DOCS_WORKFLOWS = 'https://docs.github.com/rest/actions/workflows'
const MSG_DISABLED = "Cannot trigger a 'workflow_dispatch' on a disabled workflow"
const MSG_NO_TRIGGER = "Workflow does not have 'workflow_dispatch' trigger"
const WORKFLOWS_DIR = '.github/workflows'

/** The workflow file name of a path in .github/workflows, as GitHub registers workflows. */
function workflowFileOf(path: string): string | undefined {
  const match = /^\.github\/workflows\/([^/]+\.ya?ml)$/.exec(path)
  return match?.[1]
}

export const workflowPath = (workflow: Workflow): string => `${WORKFLOWS_DIR}/${workflow.file}`

function defaultWorkflowContent(name: string): string {
  return [
    `name: ${JSON.stringify(name)}`,
    'run-name: "Smoke test ${{ inputs.rotation }}"',
    'on:',
    '  workflow_dispatch:',
    '    inputs:',
    '      rotation:',
    '        description: The rotation that dispatched this run',
    '        required: true',
    '        type: string',
    'jobs:',
    '  smoke:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - run: echo "Smoke test for ${{ inputs.rotation }}"',
    ''
  ].join('\n')
}

/**
 * Reads what GitHub reads from a workflow file. `on` may be an event name, a list of them or a
 * map; YAML 1.2 (the yaml package's default) keeps the key `on` a string, as Actions does.
 */
function readWorkflowFile(text: string): WorkflowFile {
  let document: unknown
  try {
    document = parseYaml(text)
  } catch {
    // An unparsable file has no trigger GitHub could act on.
    return {}
  }
  if (!isRecord(document)) return {}
  const file: WorkflowFile = {}
  if (typeof document.name === 'string') file.name = document.name
  if (typeof document['run-name'] === 'string') file.runName = document['run-name']
  const on = document.on
  const events: unknown[] =
    typeof on === 'string' ? [on] : Array.isArray(on) ? on : isRecord(on) ? Object.keys(on) : []
  if (!events.includes('workflow_dispatch')) return file
  const trigger = isRecord(on) ? on.workflow_dispatch : undefined
  const declared = isRecord(trigger) && isRecord(trigger.inputs) ? trigger.inputs : {}
  file.dispatchInputs = new Map(
    Object.entries(declared).map(([name, spec]) => {
      const input: DeclaredInput = { required: isRecord(spec) && spec.required === true }
      if (isRecord(spec) && spec.default !== undefined && spec.default !== null) {
        input.default = String(spec.default)
      }
      if (isRecord(spec) && spec.type === 'choice' && Array.isArray(spec.options)) {
        input.options = spec.options.map(String)
      }
      return [name, input]
    })
  )
  return file
}

/** A run-name with its input expressions replaced; an input without a value is empty. */
function fillRunName(template: string, inputs: Record<string, string>): string {
  return template.replace(
    /\$\{\{\s*(?:github\.event\.)?inputs\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g,
    (_expression, name: string) => inputs[name] ?? ''
  )
}

/** A workflow GitHub now knows, active, with an id of its own. */
export function registerWorkflow(hub: Hub, repo: Repo, file: string): Workflow {
  const now = new Date()
  const workflow: Workflow = {
    id: nextId(hub),
    file,
    state: 'active',
    createdAt: now,
    updatedAt: now,
    outcome: { conclusion: 'success' },
    runCount: 0
  }
  repo.workflows.set(file, workflow)
  return workflow
}

/** A commit writing one file; on the default branch a workflow file registers its workflow. */
function writeFile(hub: Hub, repo: Repo, path: string, content: string, ref: string): void {
  if (!/^[^/]+(?:\/[^/]+)*$/.test(path) || path.split('/').some(part => /^\.\.?$/.test(part))) {
    throw new Error(`GitHub emulator: "${path}" is not a file path`)
  }
  const branch = branchOrNew(repo, ref)
  branch.files.set(path, content)
  branch.headSha = randomSha()
  repo.pushedAt = new Date()
  const file = workflowFileOf(path)
  if (branchName(ref) !== DEFAULT_BRANCH || file === undefined || repo.workflows.has(file)) return
  registerWorkflow(hub, repo, file)
}

function findWorkflow(repo: Repo, idOrFile: string): Workflow | undefined {
  return (
    repo.workflows.get(idOrFile) ??
    (/^\d+$/.test(idOrFile)
      ? [...repo.workflows.values()].find(workflow => workflow.id === Number(idOrFile))
      : undefined)
  )
}

/** A route's answer for the workflow its path names (by file name or id); 404 without one. */
export function withWorkflow(
  answer: (call: RouteCall, repo: Repo, workflow: Workflow) => Reply
): (call: RouteCall) => Reply {
  return call => {
    const repo = repoOf(call)
    const workflow = findWorkflow(repo, call.place.workflow ?? '')
    return workflow ? answer(call, repo, workflow) : notFound(call.route.docs)
  }
}

/** As GitHub names a workflow: the `name:` on the default branch, else its path. */
function workflowName(repo: Repo, workflow: Workflow): string {
  const text = repo.branches.get(DEFAULT_BRANCH)?.files.get(workflowPath(workflow))
  return (text === undefined ? undefined : readWorkflowFile(text).name) ?? workflowPath(workflow)
}

function workflowJson(call: RouteCall, repo: Repo, workflow: Workflow) {
  const { origin } = call
  const name = workflowName(repo, workflow)
  return {
    id: workflow.id,
    node_id: nodeId('Workflow', workflow.id),
    name,
    path: workflowPath(workflow),
    state: workflow.state,
    created_at: isoSeconds(workflow.createdAt),
    updated_at: isoSeconds(workflow.updatedAt),
    url: `${origin}${call.hub.basePath}/repos/${repo.fullName}/actions/workflows/${workflow.id}`,
    html_url: `${origin}/${repo.fullName}/blob/${DEFAULT_BRANCH}/${workflowPath(workflow)}`,
    badge_url: `${origin}/${repo.fullName}/workflows/${encodeURIComponent(name)}/badge.svg`
  }
}

/** A dispatch's body, validated as GitHub validates it. */
interface Dispatch {
  ref: string
  inputs: Record<string, string>
  returnRunDetails: boolean
}

/** GitHub's 422 for a dispatch it refuses, thrown. */
const invalid = (message: string, docs: string) => new ReplyError(errorReply(422, message, docs))

function dispatchBody(hub: Hub, raw: Buffer, docs: string): Dispatch {
  const body = parseJsonObject(raw, docs)
  if (body.ref === undefined) throw invalid('Invalid request.\n\n"ref" wasn\'t supplied.', docs)
  const permitted = hub.dispatchRunDetails
    ? ['ref', 'inputs', 'return_run_details']
    : ['ref', 'inputs']
  const extra = Object.keys(body).find(key => !permitted.includes(key))
  if (extra !== undefined) {
    throw invalid(`Invalid request.\n\n"${extra}" is not a permitted key.`, docs)
  }
  if (typeof body.ref !== 'string') throw wrongType('ref', body.ref, 'a string', docs)
  const given = body.inputs ?? {}
  if (!isRecord(given)) throw wrongType('inputs', given, 'an object', docs)
  for (const [name, value] of Object.entries(given)) {
    if (typeof value !== 'string') throw wrongType(name, value, 'a string', docs)
  }
  const returnRunDetails = body.return_run_details ?? false
  if (typeof returnRunDetails !== 'boolean') {
    throw wrongType('return_run_details', returnRunDetails, 'a boolean', docs)
  }
  return { ref: body.ref, inputs: given as Record<string, string>, returnRunDetails }
}

/** The run's inputs: the dispatched values, the declared defaults for the rest. */
function dispatchInputs(
  hub: Hub,
  declared: Map<string, DeclaredInput>,
  inputs: Record<string, string>,
  docs: string
): Record<string, string> {
  // GitHub.com allows 25 inputs since December 2025; GitHub Enterprise Server 10.
  const max = hub.dispatchRunDetails ? 25 : 10
  if (Object.keys(inputs).length > max || declared.size > max) {
    throw invalid(
      `you may only define up to ${max} \`inputs\` for a \`workflow_dispatch\` event`,
      docs
    )
  }
  const unexpected = Object.keys(inputs).filter(name => !declared.has(name))
  if (unexpected.length > 0) {
    const list = unexpected.map(name => JSON.stringify(name)).join(', ')
    throw invalid(`Unexpected inputs provided: [${list}]`, docs)
  }
  const values: Record<string, string> = {}
  for (const [name, input] of declared) {
    const value = inputs[name] ?? input.default
    if (value === undefined) {
      if (input.required) throw invalid(`Required input '${name}' not provided`, docs)
      continue
    }
    if (input.options && !input.options.includes(value)) {
      throw invalid(
        `Provided value '${value}' for input '${name}' not in the list of allowed values`,
        docs
      )
    }
    values[name] = value
  }
  return values
}

/** Validates a dispatch in GitHub's order, then starts a run. */
function dispatchReply(call: RouteCall, repo: Repo, workflow: Workflow): Reply {
  const { hub, route, origin } = call
  const dispatch = dispatchBody(hub, call.raw, route.docs)
  const branch = branchName(dispatch.ref)
  const head = branch === undefined ? undefined : repo.branches.get(branch)
  if (branch === undefined || !head) throw invalid(`No ref found for: ${dispatch.ref}`, route.docs)
  if (workflow.state !== 'active') throw invalid(MSG_DISABLED, route.docs)
  // The trigger and inputs are those of the file at the ref, not the default branch.
  const text = head.files.get(workflowPath(workflow))
  const file = text === undefined ? {} : readWorkflowFile(text)
  if (!file.dispatchInputs) throw invalid(MSG_NO_TRIGGER, route.docs)
  const inputs = dispatchInputs(hub, file.dispatchInputs, dispatch.inputs, route.docs)
  const run = startRun(hub, workflow, file, { branch, headSha: head.headSha }, inputs)
  repo.dispatchedRuns.push(run)
  if (!dispatch.returnRunDetails) return { status: 204 }
  const path = `/repos/${repo.fullName}/actions/runs/${run.id}`
  return {
    status: 200,
    body: {
      workflow_run_id: run.id,
      run_url: `${origin}${hub.basePath}${path}`,
      html_url: `${origin}/${repo.fullName}/actions/runs/${run.id}`
    }
  }
}

/** A dispatched run of the workflow file at the ref, with the next run number and id. */
function startRun(
  hub: Hub,
  workflow: Workflow,
  file: ReturnType<typeof readWorkflowFile>,
  ref: { branch: string; headSha: string },
  inputs: Record<string, string>
): DispatchedRun {
  workflow.runCount += 1
  // Ids of other repositories' runs fall in between.
  hub.lastRunId += randomInt(1, 1000)
  const name = file.name ?? workflowPath(workflow)
  return {
    id: hub.lastRunId,
    workflow,
    runNumber: workflow.runCount,
    ...ref,
    inputs,
    name,
    displayTitle: file.runName === undefined ? name : fillRunName(file.runName, inputs),
    createdAt: Date.now(),
    outcome: { ...workflow.outcome }
  }
}

export const WORKFLOW_ROUTES: Route[] = [
  {
    name: 'get-workflow',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/actions/workflows/([^/]+)$`),
    on: 'repo',
    param: 'workflow',
    need: read('actions'),
    docs: `${DOCS_WORKFLOWS}#get-a-workflow`,
    answer: withWorkflow((call, repo, workflow) => ({
      status: 200,
      body: workflowJson(call, repo, workflow)
    }))
  },
  {
    name: 'enable-workflow',
    method: 'PUT',
    pattern: new RegExp(`^${REPO_PATH}/actions/workflows/([^/]+)/enable$`),
    on: 'repo',
    param: 'workflow',
    need: write('actions'),
    docs: `${DOCS_WORKFLOWS}#enable-a-workflow`,
    answer: withWorkflow((_call, _repo, workflow) => {
      if (workflow.state !== 'active') {
        workflow.state = 'active'
        workflow.updatedAt = new Date()
      }
      return { status: 204 }
    })
  },
  {
    name: 'dispatch-workflow',
    method: 'POST',
    pattern: new RegExp(`^${REPO_PATH}/actions/workflows/([^/]+)/dispatches$`),
    on: 'repo',
    param: 'workflow',
    need: write('actions'),
    docs: `${DOCS_WORKFLOWS}#create-a-workflow-dispatch-event`,
    answer: withWorkflow(dispatchReply)
  }
]

export function mustFindWorkflow(hub: Hub, repo: string, file: string): Workflow {
  const workflow = mustFindRepo(hub, repo).workflows.get(file)
  if (!workflow) throw new Error(`GitHub emulator: no workflow ${file} in ${repo}`)
  return workflow
}

type WorkflowControls = Pick<
  GitHubEmulator,
  'addWorkflow' | 'setFile' | 'setWorkflowState' | 'setWorkflowOutcome'
>

export function workflowControls(hub: Hub): WorkflowControls {
  return {
    addWorkflow(repo, file, workflowOptions = {}) {
      const found = mustFindRepo(hub, repo)
      if (!/^[^/]+\.ya?ml$/.test(file)) {
        throw new Error(`GitHub emulator: workflow file "${file}" must be a .yml or .yaml name`)
      }
      if (found.workflows.has(file)) throw new Error(`GitHub emulator: workflow ${file} exists`)
      const { content, name, state } = workflowOptions
      if (content !== undefined && name !== undefined) {
        throw new Error('GitHub emulator: a workflow takes its name from its content')
      }
      const text = content ?? defaultWorkflowContent(name ?? file.replace(/\.ya?ml$/, ''))
      writeFile(hub, found, `${WORKFLOWS_DIR}/${file}`, text, DEFAULT_BRANCH)
      if (state) mustFindWorkflow(hub, repo, file).state = state
    },
    setFile(repo, path, content, ref = DEFAULT_BRANCH) {
      writeFile(hub, mustFindRepo(hub, repo), path, content, ref)
    },
    setWorkflowState(repo, file, state) {
      const workflow = mustFindWorkflow(hub, repo, file)
      workflow.state = state
      workflow.updatedAt = new Date()
    },
    setWorkflowOutcome(repo, file, outcome) {
      if ('conclusion' in outcome) {
        for (const ms of [outcome.queuedMs, outcome.durationMs]) {
          if (ms !== undefined && !(ms >= 0)) {
            throw new Error(`GitHub emulator: run times must be at least 0, got ${ms}`)
          }
        }
      }
      mustFindWorkflow(hub, repo, file).outcome = { ...outcome }
    }
  }
}
