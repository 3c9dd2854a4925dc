import {
  checkSmokeWorkflow,
  checkWorkflowText,
  runSmokeGate,
  SmokeProblem,
  type CheckedSmokeWorkflow
} from '../src/smoke/workflow.js'
import type { WorkflowRun, WorkflowsApi } from '../src/github.js'

const WORKFLOW = `
name: Smoke
run-name: Smoke test \${{ inputs.rotation }}
on:
  workflow_dispatch:
    inputs:
      rotation: { type: string, required: true }
      verbose: { type: boolean, required: true, default: false }
jobs:
  smoke:
    runs-on: ubuntu-latest
    steps:
      - env:
          ROTATION: \${{ inputs.rotation }}
        run: test -n "$ROTATION"
`

/** An HTTP error as Octokit throws it. */
function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status })
}

/** A fake clock: sleeping advances time at once. */
function fakeClock() {
  let now = Date.parse('2026-11-25T12:00:00Z')
  const sleeps: number[] = []
  return {
    clock: {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms)
        now += ms
      }
    },
    sleeps,
    advance: (ms: number) => (now += ms)
  }
}

function api(overrides: Partial<WorkflowsApi> = {}): WorkflowsApi & { calls: string[] } {
  const calls: string[] = []
  const record =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    (...args: A) => {
      calls.push(name)
      return fn(...args)
    }
  const base: WorkflowsApi = {
    getWorkflow: async () => ({
      id: 1,
      name: 'Smoke',
      path: '.github/workflows/smoke.yml',
      state: 'active'
    }),
    defaultBranch: async () => 'main',
    readFile: async () => WORKFLOW,
    enable: async () => undefined,
    dispatch: async () => ({ runId: 77 }),
    getRun: async () => run('completed', 'success'),
    listDispatchedRuns: async () => [],
    workflowOfRun: async () => undefined
  }
  const merged = { ...base, ...overrides }
  return {
    calls,
    getWorkflow: record('getWorkflow', merged.getWorkflow),
    defaultBranch: record('defaultBranch', merged.defaultBranch),
    readFile: record('readFile', merged.readFile),
    enable: record('enable', merged.enable),
    dispatch: record('dispatch', merged.dispatch),
    getRun: record('getRun', merged.getRun),
    listDispatchedRuns: record('listDispatchedRuns', merged.listDispatchedRuns),
    workflowOfRun: record('workflowOfRun', merged.workflowOfRun)
  }
}

function run(status: string, conclusion: string | null, displayTitle = 'Smoke'): WorkflowRun {
  return {
    id: 77,
    status,
    conclusion,
    htmlUrl: 'http://127.0.0.1/acme/app/actions/runs/77',
    displayTitle
  }
}

const workflow = { repository: 'acme/app', file: 'smoke.yml', ref: undefined }
const checked: CheckedSmokeWorkflow = {
  ...workflow,
  ref: 'main',
  name: 'acme/app/.github/workflows/smoke.yml@main',
  warnings: []
}

describe('smoke workflow preflight', () => {
  it('accepts a dispatchable workflow, resolves the default branch and probes Actions write', async () => {
    const fake = api()
    const result = await checkSmokeWorkflow(fake, workflow)
    expect(result).toMatchObject({ ref: 'main', warnings: [] })
    expect(fake.calls).toEqual(['getWorkflow', 'defaultBranch', 'readFile', 'enable'])
  })

  it('uses the ref it is given instead of the default branch', async () => {
    const fake = api()
    const result = await checkSmokeWorkflow(fake, { ...workflow, ref: 'v2' })
    expect(result.ref).toBe('v2')
    expect(fake.calls).not.toContain('defaultBranch')
  })

  const refusals: Array<[string, Partial<WorkflowsApi>, RegExp]> = [
    ['a missing workflow', { getWorkflow: async () => undefined }, /does not exist/],
    [
      'a disabled workflow',
      {
        getWorkflow: async () => ({ id: 1, name: 'S', path: 'p', state: 'disabled_manually' })
      },
      /is disabled manually/
    ],
    ['a file missing on the ref', { readFile: async () => undefined }, /does not exist on main/],
    [
      'a token without Actions write',
      {
        enable: async () => {
          throw httpError(403, 'Resource not accessible by personal access token')
        }
      },
      /may not dispatch workflows \(Actions: write\).*Actions: read and write/
    ],
    [
      'a token without Contents read',
      {
        readFile: async () => {
          throw httpError(403, 'Resource not accessible by personal access token')
        }
      },
      /Contents: read/
    ]
  ]
  it.each(refusals)('refuses %s before anything changes', async (_name, overrides, message) => {
    const fake = api(overrides)
    const error = await checkSmokeWorkflow(fake, workflow).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(SmokeProblem)
    expect((error as Error).message).toMatch(/^smoke-workflow: /)
    expect((error as Error).message).toMatch(message)
    expect(fake.calls).not.toContain('dispatch')
    // Only the Actions-write case gets as far as the probe.
    if (!/Actions: write/.test(String(message))) expect(fake.calls).not.toContain('enable')
  })

  it('does not probe Actions write in a dry run (the probe is a write)', async () => {
    const fake = api()
    await checkSmokeWorkflow(fake, workflow, false)
    expect(fake.calls).not.toContain('enable')
  })

  it('reads the triggers in every YAML form and checks the inputs', () => {
    const named = 'w.yml'
    expect(() => checkWorkflowText('on: push\njobs: {}', named)).toThrow(/no workflow_dispatch/)
    expect(() => checkWorkflowText('on: [push, workflow_dispatch]', named)).toThrow(
      /does not declare the workflow_dispatch input "rotation"/
    )
    expect(() => checkWorkflowText('on: workflow_dispatch', named)).toThrow(/input "rotation"/)
    expect(() =>
      checkWorkflowText(
        'on:\n  workflow_dispatch:\n    inputs:\n      rotation: {}\n      env: { required: true }',
        named
      )
    ).toThrow(/required inputs the action cannot fill: env/)
    expect(() => checkWorkflowText('on: [', named)).toThrow(/not valid YAML/)
    expect(checkWorkflowText(WORKFLOW, named)).toEqual([])
    expect(
      checkWorkflowText('on:\n  workflow_dispatch:\n    inputs:\n      rotation: {}', named)
    ).toEqual([
      expect.stringMatching(/no run-name/),
      expect.stringMatching(/never compares the key it signs in with to inputs.rotation/)
    ])
  })
})

describe('smoke gate', () => {
  const context = (
    fake: WorkflowsApi,
    clock: ReturnType<typeof fakeClock>['clock'],
    lines: string[]
  ) => ({
    api: fake,
    workflow: checked,
    timeoutMs: 60_000,
    clock,
    log: (line: string) => lines.push(line),
    cancelled: () => false
  })

  it('dispatches with return_run_details and follows the run to success, logging each status', async () => {
    const { clock } = fakeClock()
    const statuses = [run('queued', null), run('in_progress', null), run('completed', 'success')]
    const dispatched: unknown[] = []
    const fake = api({
      dispatch: async (_repo, _file, request) => {
        dispatched.push(request)
        return { runId: 77 }
      },
      getRun: async () => statuses.shift() ?? run('completed', 'success')
    })
    const lines: string[] = []
    const outcome = await runSmokeGate(
      context(fake, clock, lines),
      'AKIA…NEW1 from acme/app run 5.1'
    )
    expect(outcome).toMatchObject({ conclusion: 'success', run: { id: 77 }, reason: undefined })
    expect(dispatched).toEqual([
      {
        ref: 'main',
        inputs: { rotation: 'AKIA…NEW1 from acme/app run 5.1' },
        returnRunDetails: true
      }
    ])
    expect(lines.join('\n')).toMatch(/queued[\s\S]*in progress[\s\S]*ended: success/)
  })

  it('fails on any conclusion but success, naming it', async () => {
    for (const conclusion of ['failure', 'cancelled', 'timed_out', 'skipped']) {
      const { clock } = fakeClock()
      const fake = api({ getRun: async () => run('completed', conclusion) })
      const outcome = await runSmokeGate(context(fake, clock, []), 'r')
      expect(outcome.conclusion).toBe(conclusion)
      expect(outcome.reason).toContain(`"${conclusion}"`)
    }
  })

  it('gives up at smoke-timeout with polls that grow to 10 s and never pass the deadline', async () => {
    const { clock, sleeps } = fakeClock()
    const fake = api({ getRun: async () => run('in_progress', null) })
    const outcome = await runSmokeGate(context(fake, clock, []), 'r')
    expect(outcome).toMatchObject({ conclusion: 'timeout', elapsedMs: 60_000 })
    expect(outcome.reason).toMatch(/did not finish within smoke-timeout \(1m\)/)
    // 0.5 s, x1.3 each time, at most 10 s: 16 looks in a minute; naps of at most 1 s between.
    expect(fake.calls.filter(call => call === 'getRun')).toHaveLength(16)
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(1_000)
    expect(sleeps[0]).toBe(500)
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(60_000)
  })

  it('falls back to finding its run by title where GitHub refuses return_run_details', async () => {
    const { clock } = fakeClock()
    const requests: boolean[] = []
    let lists = 0
    const fake = api({
      dispatch: async (_repo, _file, request) => {
        requests.push(request.returnRunDetails)
        if (request.returnRunDetails)
          throw httpError(422, 'Invalid request.\n\n"return_run_details" is not a permitted key.')
        return undefined
      },
      // The run shows up on the second look, beside someone else's.
      listDispatchedRuns: async () =>
        ++lists < 2
          ? [run('queued', null, 'Smoke test other')]
          : [
              { ...run('queued', null, 'Smoke test other'), id: 5 },
              run('completed', 'success', 'Smoke test rot-1')
            ]
    })
    const outcome = await runSmokeGate(context(fake, clock, []), 'rot-1')
    expect(requests).toEqual([true, false])
    expect(outcome).toMatchObject({ conclusion: 'success', run: { id: 77 } })
  })

  it('says to add a run-name when the fallback never finds its run', async () => {
    const { clock } = fakeClock()
    const fake = api({
      dispatch: async (_r, _f, request) => {
        if (request.returnRunDetails)
          throw httpError(422, 'return_run_details is not a permitted key')
        return undefined
      }
    })
    const outcome = await runSmokeGate(context(fake, clock, []), 'rot-1')
    expect(outcome.conclusion).toBe('not-found')
    expect(outcome.reason).toMatch(/run-name/)
  })

  it('reports a refused dispatch as a failed gate, and keeps polling through a failed read', async () => {
    const { clock } = fakeClock()
    const refused = api({
      dispatch: async () => {
        throw httpError(422, "Workflow does not have 'workflow_dispatch' trigger")
      }
    })
    const outcome = await runSmokeGate(context(refused, clock, []), 'r')
    expect(outcome).toMatchObject({ conclusion: 'not-dispatched', run: undefined })
    expect(outcome.reason).toMatch(/workflow_dispatch/)

    let reads = 0
    const flaky = api({
      getRun: async () => {
        if (++reads === 1) throw httpError(502, 'Bad Gateway')
        return run('completed', 'success')
      }
    })
    const lines: string[] = []
    expect((await runSmokeGate(context(flaky, clock, lines), 'r')).conclusion).toBe('success')
    expect(lines.join('\n')).toMatch(/Could not read the smoke run/)
  })

  it('stops waiting when the run is cancelled', async () => {
    const { clock } = fakeClock()
    const fake = api({ getRun: async () => run('in_progress', null) })
    const outcome = await runSmokeGate({ ...context(fake, clock, []), cancelled: () => true }, 'r')
    expect(outcome.conclusion).toBe('cancelled-here')
  })
})
