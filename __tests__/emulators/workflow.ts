/**
 * Workflow files as the end-to-end tests read them: the step that uses this action, its `with:`
 * block resolved the way GitHub resolves `${{ }}` for the run a test plays, and the smoke gate
 * that examples/scheduled-rotation.yml ships commented out, switched on as the README says.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

export interface Step {
  name?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
  env?: Record<string, string>
}
export interface Job {
  steps: Step[]
  concurrency?: unknown
}
export interface Workflow {
  jobs: Record<string, Job>
  concurrency?: unknown
}

/** How every step that runs this action names it (see scripts/validate-workflows.ts). */
export const ACTION_REFERENCE = 'OWNER/rotate-aws-access-keys@v0'

export function isActionStep(step: Step): boolean {
  return step.uses?.includes('/rotate-aws-access-keys@') ?? false
}

/** An example workflow; `smokeGate`: with its commented-out smoke gate lines switched on. */
export function loadExample(file: string, options: { smokeGate?: boolean } = {}): Workflow {
  const text = readFileSync(`examples/${file}`, 'utf8')
  return parse(options.smokeGate ? withSmokeGate(text) : text) as Workflow
}

/** Uncomments the `smoke-workflow` and `smoke-timeout` lines, as the quick start's step 5 says. */
export function withSmokeGate(text: string): string {
  const enabled = text.replace(/^(\s*)# (smoke-(?:workflow|timeout):)/gm, '$1$2')
  if (enabled === text) throw new Error('no commented-out smoke gate to switch on')
  return enabled
}

/** The action's step and whether its job signs in with a role first. */
export function actionStep(
  workflow: Workflow,
  jobName?: string
): {
  step: Step
  inputs: Record<string, string>
  admin: boolean
} {
  const jobs = jobName === undefined ? Object.values(workflow.jobs) : [workflow.jobs[jobName]]
  for (const job of jobs) {
    if (!job) continue
    const index = job.steps.findIndex(isActionStep)
    const step = job.steps[index]
    if (!step) continue
    const admin = job.steps
      .slice(0, index)
      .some(before => before.uses?.startsWith('aws-actions/configure-aws-credentials@'))
    const inputs = Object.fromEntries(
      Object.entries(step.with ?? {}).map(([name, value]) => [name, String(value)])
    )
    return { step, inputs, admin }
  }
  throw new Error('no step uses the action')
}

/** What `${{ }}` expressions see in the run a test plays. */
export interface RunContext {
  /** A workflow_dispatch run's inputs; a scheduled run has none. */
  dispatch?: Record<string, string>
  /** `secrets.NAME`; throw for a secret the run would not have. */
  secret: (name: string) => string
  /** The output of an `app-token` step (actions/create-github-app-token). */
  appToken?: string
  matrix?: Record<string, string>
}

/** The `with:` values as the runner hands them to the action in that run. */
export function resolve(
  inputs: Record<string, string>,
  context: RunContext
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [
      name,
      value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_all, expression: string) =>
        evaluate(expression, context)
      )
    ])
  )
}

function evaluate(expression: string, context: RunContext): string {
  const input = /^inputs\.([\w-]+) \|\| false$/.exec(expression)?.[1]
  if (input) return context.dispatch?.[input] ?? 'false'
  const secret = /^secrets\.(\w+)$/.exec(expression)?.[1]
  if (secret) return context.secret(secret)
  if (expression === 'steps.app-token.outputs.token' && context.appToken) return context.appToken
  const entry = /^matrix\.entry\.(\w+)$/.exec(expression)?.[1]
  if (entry && context.matrix?.[entry] !== undefined) return context.matrix[entry]
  throw new Error(`the test cannot resolve \${{ ${expression} }}`)
}
