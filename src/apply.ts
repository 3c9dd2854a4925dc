import { describeError, StepFailure, Yield } from './errors.js'
import { describeStep, type Step } from './plan.js'
import { finishDistribution, restore } from './steps/distribution.js'
import { resolveAlerts } from './leaks/resolve-step.js'
import { smokeTest } from './smoke/gate-step.js'
import { deactivateKey, deleteKey, reactivateKey, retireOrphan } from './steps/keys.js'
import {
  clearIntentStep,
  clearQuarantineRecord,
  markReactivatedStep,
  recordQuarantine,
  removeMarks
} from './steps/marks.js'
import { rotate } from './steps/rotate.js'
import { startRun, type ApplyContext, type ApplyResult, type Run } from './steps/run.js'

export { briefly, type ApplyContext, type ApplyResult, type Logger } from './steps/run.js'

/** The executor of each step kind: each does its step, checks it, and undoes what it can. */
const EXECUTORS: {
  readonly [K in Step['kind']]: (run: Run, step: Extract<Step, { kind: K }>) => Promise<void>
} = {
  'delete-key': deleteKey,
  rotate,
  'finish-distribution': finishDistribution,
  'smoke-test': smokeTest,
  restore,
  'retire-orphan': retireOrphan,
  'clear-intent': clearIntentStep,
  'remove-marks': removeMarks,
  'record-quarantine': recordQuarantine,
  'clear-quarantine-record': clearQuarantineRecord,
  'reactivate-key': reactivateKey,
  'mark-reactivated': markReactivatedStep,
  'deactivate-key': deactivateKey,
  'resolve-alerts': resolveAlerts
}

/** Runs the planned steps in order; stops at the first failure, after undoing what it can. */
export async function apply(steps: readonly Step[], context: ApplyContext): Promise<ApplyResult> {
  const run = startRun(context)
  for (const step of steps) {
    const stop = await execute(run, step)
    if (stop) break
  }
  return run.result
}

/** Runs one step; true when the run must stop (cancelled, failed, or stepped aside). */
async function execute(run: Run, step: Step): Promise<boolean> {
  const { result } = run
  if (run.context.cancellation.requested()) {
    result.failure = new StepFailure(
      `The run was cancelled before this step: ${describeStep(step)}. Everything before it was finished; the next run starts again from what AWS shows.`
    )
    return true
  }
  try {
    const executor = EXECUTORS[step.kind] as (run: Run, step: Step) => Promise<void>
    await executor(run, step)
    return false
  } catch (error) {
    if (error instanceof Yield) {
      result.yielded = error.message
      return true
    }
    result.failure =
      error instanceof StepFailure
        ? error
        : new StepFailure(
            `${describeStep(step)} failed: ${describeError(error)}. The steps after it were not done; the next run starts again from what AWS shows.`,
            { cause: error }
          )
    return true
  }
}
