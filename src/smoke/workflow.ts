import { parse } from 'yaml'
import { formatDuration } from '../duration.js'
import { describeError, statusOf } from '../errors.js'
import type { WorkflowRun, WorkflowsApi } from '../github.js'
import { type Clock } from '../clock.js'
import { backoff } from '../retry.js'
import type { SmokeWorkflow } from '../settings.js'
import { apiText } from '../untrusted.js'

/**
 * The smoke gate: a workflow that uses the rotated secrets, dispatched after every target holds
 * the new key and before the previous key is deactivated. This module checks it in preflight
 * and runs it; what the outcome means for the keys is the planner's and apply's business.
 */

/** The one input the action passes: it says which rotation started the run. */
const ROTATION_INPUT = 'rotation'

export interface CheckedSmokeWorkflow extends SmokeWorkflow {
  readonly ref: string
  /** `owner/repo/.github/workflows/FILE@REF`, for messages. */
  readonly name: string
  readonly warnings: readonly string[]
}

/** Why the gate cannot run; raised in preflight, before anything changes. */
export class SmokeProblem extends Error {
  constructor(message: string) {
    super(`smoke-workflow: ${message}`)
    this.name = 'SmokeProblem'
  }
}

const PERMISSIONS =
  'The github-token needs, on that repository, the permissions "Actions: read and write" and "Contents: read" (fine-grained PAT; GitHub App: actions write, contents read).'

/**
 * Preflight: the workflow exists and is enabled, declares a workflow_dispatch trigger with the
 * `rotation` input and no other required input, and the token may read it, dispatch it and read
 * its runs. (That some target feeds its repository is an input check, in settings.)
 */
export async function checkSmokeWorkflow(
  api: WorkflowsApi,
  workflow: SmokeWorkflow,
  /** false in a dry run: the probe is a (no-op) write, and a dry run writes nothing. */
  probeDispatch = true
): Promise<CheckedSmokeWorkflow> {
  const { repository, file } = workflow
  const path = `.github/workflows/${file}`
  const where = `${repository}/${path}`
  const denied = (doing: string, error: unknown): SmokeProblem =>
    new SmokeProblem(
      statusOf(error) === 403
        ? `the github-token may not ${doing} in ${repository} (${describeError(error)}). ${PERMISSIONS}`
        : `could not ${doing} in ${repository}: ${describeError(error)}`
    )
  const found = await api.getWorkflow(repository, file).catch((error: unknown) => {
    throw denied('read workflows', error)
  })
  if (!found) {
    throw new SmokeProblem(
      `${where} does not exist, or the github-token cannot see ${repository}. Check the file name (the action looks under .github/workflows) and the token's repository access.`
    )
  }
  if (found.state !== 'active') {
    throw new SmokeProblem(
      `${where} is ${spaced(found.state)}; GitHub does not dispatch a disabled workflow. Enable it in the repository's Actions tab.`
    )
  }
  const ref =
    workflow.ref ??
    (await api.defaultBranch(repository).catch((error: unknown) => {
      throw denied('read the repository', error)
    }))
  const text = await api.readFile(repository, path, ref).catch((error: unknown) => {
    throw denied('read the workflow file (Contents: read)', error)
  })
  if (text === undefined) {
    throw new SmokeProblem(
      `${path} does not exist on ${apiText(ref)} in ${repository}; GitHub runs the workflow file of the dispatched ref.`
    )
  }
  // The default branch is GitHub's text: printable in the name, as it is in requests.
  const name = `${where}@${apiText(ref)}`
  const warnings = checkWorkflowText(text, name)
  // Enabling an enabled workflow changes nothing; it answers 403 without Actions write, which a
  // dispatch would need.
  if (probeDispatch) {
    await api.enable(repository, file).catch((error: unknown) => {
      throw denied('dispatch workflows (Actions: write)', error)
    })
  }
  return Object.freeze({ ...workflow, ref, name, warnings: Object.freeze(warnings) })
}

/** What the workflow file must say; returns warnings for what it should say. */
export function checkWorkflowText(text: string, name: string): string[] {
  let document: unknown
  try {
    document = parse(text)
  } catch (error) {
    throw new SmokeProblem(`${name} is not valid YAML: ${describeError(error)}`)
  }
  const workflow = (document ?? {}) as Record<string, unknown>
  const triggers = workflow.on ?? workflow.true // YAML 1.1 readers turn a bare `on` into true
  const dispatch = triggerConfig(triggers, 'workflow_dispatch')
  if (dispatch === undefined) {
    throw new SmokeProblem(
      `${name} has no workflow_dispatch trigger, so it cannot be dispatched. Add "on: workflow_dispatch" with the input "${ROTATION_INPUT}".`
    )
  }
  const inputs = ((dispatch ?? {}) as { inputs?: Record<string, unknown> }).inputs ?? {}
  if (!(ROTATION_INPUT in inputs)) {
    throw new SmokeProblem(
      `${name} does not declare the workflow_dispatch input "${ROTATION_INPUT}", which the action passes (GitHub refuses undeclared inputs). Add: inputs: { ${ROTATION_INPUT}: { type: string } }.`
    )
  }
  const required = Object.entries(inputs).flatMap(([input, config]) => {
    const { required: isRequired, default: fallback } = (config ?? {}) as {
      required?: unknown
      default?: unknown
    }
    return input !== ROTATION_INPUT && isRequired === true && fallback === undefined ? [input] : []
  })
  if (required.length > 0) {
    throw new SmokeProblem(
      `${name} has required inputs the action cannot fill: ${required.map(apiText).join(', ')}. Give them defaults or make them optional.`
    )
  }
  const mentionsRotation = new RegExp(`inputs\\.${ROTATION_INPUT}\\b`)
  const runName = typeof workflow['run-name'] === 'string' ? workflow['run-name'] : ''
  const warnings: string[] = []
  if (!mentionsRotation.test(runName)) {
    warnings.push(
      `${name} has no run-name with \${{ inputs.${ROTATION_INPUT} }}: readers of its run list cannot tell why it ran, and on GitHub Enterprise Server versions that do not return the run's id the action cannot find its run.`
    )
  }
  if (!mentionsRotation.test(JSON.stringify(workflow.jobs ?? {}))) {
    warnings.push(
      `${name} never compares the key it signs in with to inputs.${ROTATION_INPUT}: while both keys are active, a secret that still holds the previous key passes the gate too. See examples/smoke-test.yml for the check.`
    )
  }
  return warnings
}

function triggerConfig(triggers: unknown, event: string): unknown {
  if (triggers === event) return null
  if (Array.isArray(triggers)) return triggers.includes(event) ? null : undefined
  if (triggers && typeof triggers === 'object' && event in triggers) {
    return (triggers as Record<string, unknown>)[event] ?? null
  }
  return undefined
}

/** Dispatches the smoke workflow for a rotation and waits for its run. */
export type SmokeGate = (rotation: string) => Promise<SmokeOutcome>

/** How the gate ended. Only `success` lets the previous key go. */
export interface SmokeOutcome {
  /** A run's conclusion, or: timeout, not-found (the run never showed), cancelled-here. */
  readonly conclusion: string
  readonly run: { readonly id: number; readonly htmlUrl: string } | undefined
  readonly elapsedMs: number
  /** Why it failed, in words, when it did. */
  readonly reason: string | undefined
}

export interface SmokeContext {
  readonly api: WorkflowsApi
  readonly workflow: CheckedSmokeWorkflow
  readonly timeoutMs: number
  readonly clock: Clock
  readonly log: (message: string) => void
  readonly cancelled: () => boolean
}

// Polling: first look after half a second, each wait 1.3 times the last, at most 10 s. Measured
// (npm run bench): the gate adds 1.7 s to a 20 s smoke run, where x1.5 up to 15 s added 5 s; a
// 15-minute wait costs about 100 requests, far below any rate limit.
const FIRST_POLL_MS = 500
const POLL_GROWTH = 1.3
const MAX_POLL_MS = 10_000
const NAP_MS = 1_000
// Progress lines while nothing changes.
const PROGRESS_EVERY_MS = 60_000
// Clock skew between the runner and GitHub when listing runs created since the dispatch.
const LIST_SKEW_MS = 60_000

/** Dispatches the workflow, finds its run and waits for it to end. Never throws. */
export async function runSmokeGate(context: SmokeContext, rotation: string): Promise<SmokeOutcome> {
  const { api, workflow, clock, log } = context
  const startedAt = clock.now()
  const end = ender(clock, startedAt)
  let runId: number | undefined
  let detailsRefused: boolean
  try {
    ;({ runId, detailsRefused } = await dispatch(api, workflow, rotation))
  } catch (error) {
    return end(
      'not-dispatched',
      undefined,
      `dispatching ${workflow.name} failed: ${describeError(error)}`
    )
  }
  log(
    `Dispatched ${workflow.name} (input ${ROTATION_INPUT}: ${rotation})${detailsRefused ? '; this GitHub does not return the run, so the action looks for it by its title' : ''}.`
  )
  return followRun(context, end, {
    rotation,
    startedAt,
    deadline: startedAt + context.timeoutMs,
    detailsRefused,
    runId,
    run: undefined,
    lastReadError: undefined,
    lastStatus: '',
    lastProgressAt: startedAt
  })
}

/** Ends the gate: the outcome, timed from the start of the gate. */
type End = (
  conclusion: string,
  run: WorkflowRun | undefined,
  reason: string | undefined
) => SmokeOutcome

function ender(clock: Clock, startedAt: number): End {
  return (conclusion, run, reason) => ({
    conclusion,
    run: run ? { id: run.id, htmlUrl: run.htmlUrl } : undefined,
    elapsedMs: clock.now() - startedAt,
    reason
  })
}

/** What the gate knows of the dispatched run while it waits; each poll updates it. */
interface Watch {
  readonly rotation: string
  readonly startedAt: number
  readonly deadline: number
  /** GitHub did not name the run: it is found by its title. */
  readonly detailsRefused: boolean
  runId: number | undefined
  run: WorkflowRun | undefined
  lastReadError: string | undefined
  lastStatus: string
  lastProgressAt: number
}

/** Polls the run until it completes, the gate times out or the run is cancelled. */
async function followRun(context: SmokeContext, end: End, watch: Watch): Promise<SmokeOutcome> {
  const { clock, log } = context
  for (let poll = 0; ; poll++) {
    try {
      await lookForRun(context, watch)
    } catch (error) {
      // A failed poll is not the smoke run failing: keep looking until the deadline.
      watch.lastReadError = describeError(error)
      log(`Could not read the smoke run (${watch.lastReadError}); trying again.`)
    }
    const { run } = watch
    if (run?.status === 'completed') {
      const conclusion = run.conclusion ?? 'unknown'
      log(
        `Smoke run ${run.htmlUrl} ended: ${conclusion} after ${formatDuration(clock.now() - watch.startedAt)}.`
      )
      return end(
        conclusion,
        run,
        conclusion === 'success' ? undefined : `the smoke run ended with "${conclusion}"`
      )
    }
    const now = clock.now()
    logProgress(context, watch, now)
    if (context.cancelled()) {
      return end('cancelled-here', run, 'this run was cancelled while it waited for the smoke run')
    }
    if (now >= watch.deadline) return gaveUp(context, end, watch)
    await napBeforePoll(context, poll, now, watch.deadline)
  }
}

/**
 * One look at the run: by its id, or, when GitHub did not name it, among the runs dispatched
 * since the gate started, by the rotation in its title. A failed read throws and leaves the
 * last run seen in place.
 */
async function lookForRun(context: SmokeContext, watch: Watch): Promise<void> {
  const { api, workflow, log } = context
  if (watch.runId !== undefined) {
    watch.run = await api.getRun(workflow.repository, watch.runId)
    return
  }
  const runs = await api.listDispatchedRuns(
    workflow.repository,
    workflow.file,
    watch.startedAt - LIST_SKEW_MS
  )
  watch.run = runs.find(candidate => candidate.displayTitle.includes(watch.rotation))
  if (watch.run) {
    watch.runId = watch.run.id
    log(`Found the smoke run ${watch.run.htmlUrl} by its title.`)
  }
}

/** A line when the run's status changes, and every so often while it does not. */
function logProgress(context: SmokeContext, watch: Watch, now: number): void {
  const { run } = watch
  if (run && (run.status !== watch.lastStatus || now - watch.lastProgressAt >= PROGRESS_EVERY_MS)) {
    context.log(
      `Smoke run ${run.htmlUrl}: ${spaced(run.status)} (${formatDuration(now - watch.startedAt)} of smoke-timeout ${formatDuration(context.timeoutMs)}).`
    )
    watch.lastStatus = run.status
    watch.lastProgressAt = now
  }
}

/** smoke-timeout passed: a run left unfinished, or no run found (and why it may not be). */
function gaveUp(context: SmokeContext, end: End, watch: Watch): SmokeOutcome {
  const { run } = watch
  return run
    ? end(
        'timeout',
        run,
        `the smoke run did not finish within smoke-timeout (${formatDuration(context.timeoutMs)}); it was left ${spaced(run.status)}`
      )
    : end(
        'not-found',
        undefined,
        watch.detailsRefused
          ? `no run of ${context.workflow.name} titled with "${watch.rotation}" appeared within smoke-timeout: give the workflow a run-name with \${{ inputs.${ROTATION_INPUT} }}`
          : `the dispatched run could not be read within smoke-timeout${watch.lastReadError ? ` (last error: ${watch.lastReadError})` : ''}`
      )
}

/** Waits out the backoff before the next poll, never past the deadline. */
async function napBeforePoll(
  context: SmokeContext,
  poll: number,
  now: number,
  deadline: number
): Promise<void> {
  // In short naps: the runner kills a cancelled step a few seconds after asking it to stop.
  let wait = Math.min(
    backoff(poll, FIRST_POLL_MS, MAX_POLL_MS, POLL_GROWTH),
    Math.max(0, deadline - now)
  )
  while (wait > 0 && !context.cancelled()) {
    const nap = Math.min(wait, NAP_MS)
    await context.clock.sleep(nap)
    wait -= nap
  }
}

/**
 * Dispatches with return_run_details, so GitHub names the run; GitHub Enterprise Server before
 * February 2026 refuses the parameter, and is asked again without it.
 */
async function dispatch(
  api: WorkflowsApi,
  workflow: CheckedSmokeWorkflow,
  rotation: string
): Promise<{ runId: number | undefined; detailsRefused: boolean }> {
  const request = { ref: workflow.ref, inputs: { [ROTATION_INPUT]: rotation } }
  try {
    const details = await api.dispatch(workflow.repository, workflow.file, {
      ...request,
      returnRunDetails: true
    })
    return { runId: details?.runId, detailsRefused: false }
  } catch (error) {
    const status = statusOf(error)
    if ((status !== 400 && status !== 422) || !/return_run_details/.test(String(error))) {
      throw error
    }
    await api.dispatch(workflow.repository, workflow.file, { ...request, returnRunDetails: false })
    return { runId: undefined, detailsRefused: true }
  }
}

/** GitHub's `in_progress`, `disabled_manually` as words. */
function spaced(word: string): string {
  return word.replace(/_/g, ' ')
}
