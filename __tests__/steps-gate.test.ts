import { StepFailure } from '../src/errors.js'
import type { SmokeOutcome } from '../src/smoke/workflow.js'
import { smokeTest } from '../src/smoke/gate-step.js'
import { awsError, failureOf, OLD, START, USER, world, type WorldOptions } from './fakes/ports.js'

const NEW = 'AKIANEWKEY0000000009'
const PREV = OLD.accessKeyId
/** When an earlier run distributed NEW: its mark's time. */
const EARLIER = START - 3_600_000
const MARK = `rotate-aws-access-keys v1 state=active at=2026-11-22T09:00:00Z run=4242.2 prev=${PREV}`
const DUE = `${MARK} smoke=due repo=acme/app`
const PASSED = `${MARK} repo=acme/app`
const FAILED = `${MARK} smoke=failed repo=acme/app`
/** A later run's gate holds the key for smoke-timeout (15m) and 5 minutes more. */
const HOLDING = (until = '2026-11-22T10:20:00Z') => `${MARK} smoke=due until=${until} repo=acme/app`

const passed: SmokeOutcome = {
  conclusion: 'success',
  run: { id: 7, htmlUrl: 'https://github.com/acme/app/actions/runs/7' },
  elapsedMs: 95_000,
  reason: undefined
}
const failedRun: SmokeOutcome = {
  conclusion: 'failure',
  run: { id: 8, htmlUrl: 'https://github.com/acme/app/actions/runs/8' },
  elapsedMs: 30_000,
  reason: 'the smoke run concluded failure'
}
const neverStarted: SmokeOutcome = {
  conclusion: 'not-found',
  run: undefined,
  elapsedMs: 900_000,
  reason: undefined
}

/** The gate for a key an earlier run distributed (its mark says smoke=due). */
const laterStep = {
  kind: 'smoke-test',
  keyId: NEW,
  previousKeyId: PREV,
  distributedAt: EARLIER
} as const
/** The gate for the key this run created and distributed. */
const sameRunStep = {
  kind: 'smoke-test',
  keyId: undefined,
  previousKeyId: PREV,
  distributedAt: undefined
} as const

function gated(smoke: WorldOptions['smoke']) {
  const w = world({ smoke })
  w.aws.tags[NEW] = DUE
  return w
}

describe('smoke-test within the hold a run announced', () => {
  it('runs its own gate only when smoke-timeout and the dispatch fit in what is left of the hold', async () => {
    const fits = gated(passed)
    fits.run.distributedAt = EARLIER
    fits.run.result.createdKeyId = NEW
    fits.run.holdUntil = START + 20 * 60_000
    await smokeTest(fits.run, sameRunStep)
    expect(fits.smokeCalls).toHaveLength(1)

    const late = gated(passed)
    late.run.distributedAt = EARLIER
    late.run.result.createdKeyId = NEW
    late.run.holdUntil = START + 20 * 60_000 - 1
    const error = await failureOf(smokeTest(late.run, sameRunStep))
    expect(error.message).toBe(
      "Every target holds the new key, but too little of this run's hold on it is left (until 2026-11-22T10:19:59Z) to wait smoke-timeout (15m) for the smoke workflow. " +
        'The previous key AKIA…0001 stays active; the next run runs the smoke workflow before it deactivates anything.'
    )
    expect(late.smokeCalls).toEqual([])
    expect(late.journal.ops()).toEqual([])
  })
})

describe('smoke-test', () => {
  it('marks the key as waiting, runs the gate, then records the pass', async () => {
    const w = gated(passed)
    w.clock.advance(10_000)
    await smokeTest(w.run, laterStep)
    expect(w.journal.lines()).toEqual([
      `tag ${USER} ${NEW} ${HOLDING('2026-11-22T10:20:10Z')}`,
      'smoke AKIA…0009 from acme/app run 4242.2',
      `tag ${USER} ${NEW} ${PASSED}`
    ])
    expect(w.aws.tags[NEW]).toBe(PASSED)
    expect(w.run.result.smoke).toBe(passed)
    expect(w.log.lines).toEqual([
      'group: Smoke workflow for AKIA…0009',
      'endgroup',
      'info: The smoke workflow passed with AKIA…0009 (https://github.com/acme/app/actions/runs/7, 1m35s).'
    ])
  })

  it('gates the key this run created, whose mark already says so, without marking it again', async () => {
    const w = gated(passed)
    w.run.result.createdKeyId = NEW
    w.run.distributedAt = EARLIER
    await smokeTest(w.run, sameRunStep)
    expect(w.journal.lines()).toEqual([
      'smoke AKIA…0009 from acme/app run 4242.2',
      `tag ${USER} ${NEW} ${PASSED}`
    ])
  })

  it("prefers the step's key and time to this run's", async () => {
    const w = gated(passed)
    w.run.result.createdKeyId = 'AKIAELSEWHERE0000003'
    w.run.distributedAt = START
    await smokeTest(w.run, laterStep)
    expect(w.aws.tags[NEW]).toBe(PASSED)
    expect(w.aws.tags.AKIAELSEWHERE0000003).toBeUndefined()
  })

  it('signs with the run client', async () => {
    const w = gated(passed)
    w.run.aws = w.aws.client('young')
    await smokeTest(w.run, laterStep)
    expect(w.journal.calls.map(call => call.by)).toEqual(['young', 'smoke', 'young'])
  })

  it('says "run" when the passing run is unknown', async () => {
    const w = gated({ ...passed, run: undefined, elapsedMs: 0 })
    await smokeTest(w.run, laterStep)
    expect(w.log.infos).toEqual(['The smoke workflow passed with AKIA…0009 (run, 0s).'])
  })

  it('runs the gate anyway when the waiting mark cannot be written', async () => {
    const w = gated(passed)
    w.aws.fail('tag', awsError('ServiceFailure', 500, 'down'), { times: 1 })
    await smokeTest(w.run, laterStep)
    expect(w.log.warnings).toEqual([
      'Could not mark AKIA…0009 as waiting for the smoke workflow (ServiceFailure: down); running the gate anyway.'
    ])
    expect(w.smokeCalls).toHaveLength(1)
    expect(w.aws.tags[NEW]).toBe(PASSED)
  })

  it('stops the run when the pass cannot be recorded', async () => {
    const w = gated(passed)
    w.aws.fail('tag', awsError('ServiceFailure', 500, 'down'), {
      when: args => args[2] === PASSED
    })
    const error = await failureOf(smokeTest(w.run, laterStep))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      'The smoke workflow passed, but recording it on AKIA…0009 failed (ServiceFailure: down). AKIA…0001 stays active; the next run runs the gate again.'
    )
    expect(w.run.result.smoke).toBe(passed)
  })

  it('refuses without a key, a time or a gate, touching nothing', async () => {
    const cases = [
      { w: gated(passed), step: sameRunStep, setup: () => undefined },
      {
        w: gated(passed),
        step: sameRunStep,
        setup: (w: ReturnType<typeof world>) => (w.run.result.createdKeyId = NEW)
      },
      {
        w: gated(passed),
        step: sameRunStep,
        setup: (w: ReturnType<typeof world>) => (w.run.distributedAt = EARLIER)
      },
      { w: gated(undefined), step: laterStep, setup: () => undefined }
    ]
    for (const { w, step, setup } of cases) {
      setup(w)
      const error = await failureOf(smokeTest(w.run, step))
      expect(error).toBeInstanceOf(StepFailure)
      expect(error.message).toBe('The smoke gate has no key to test; nothing was deactivated.')
      expect(w.journal.calls).toEqual([])
    }
  })

  it('accepts a distribution time of 0', async () => {
    const w = gated(passed)
    await smokeTest(w.run, { ...laterStep, distributedAt: 0 })
    expect(w.aws.tags[NEW]).toContain('at=1970-01-01T00:00:00Z')
  })

  it('closes the log group when the gate throws', async () => {
    const w = gated(async () => {
      throw new Error('gate crashed')
    })
    await expect(smokeTest(w.run, laterStep)).rejects.toThrow('gate crashed')
    expect(w.log.lines).toEqual(['group: Smoke workflow for AKIA…0009', 'endgroup'])
    expect(w.run.result.smoke).toBeUndefined()
  })

  it('records a failed run and stops, keeping the previous key', async () => {
    const w = gated(failedRun)
    const error = await failureOf(smokeTest(w.run, laterStep))
    expect(error).toBeInstanceOf(StepFailure)
    expect(w.journal.lines()).toEqual([
      `tag ${USER} ${NEW} ${HOLDING()}`,
      'smoke AKIA…0009 from acme/app run 4242.2',
      `listTags ${USER}`,
      `tag ${USER} ${NEW} ${FAILED}`
    ])
    expect(w.aws.tags[NEW]).toBe(FAILED)
    expect(w.run.result.smoke).toBe(failedRun)
    expect(error.message).toBe(
      'The smoke workflow did not pass: the smoke run concluded failure (https://github.com/acme/app/actions/runs/8). ' +
        'Every target holds the new key AKIA…0009, and the previous key AKIA…0001 stays active, so whatever still uses it keeps working. ' +
        'The next run of this action runs the smoke workflow again before it deactivates anything (it does not rotate again). ' +
        "Meanwhile both keys work: read the smoke run's log, fix what fails with the new key (a secret name, a missed target, a permission), then run this workflow again."
    )
    expect(w.log.warnings).toEqual([])
  })

  it('points at the gate itself when no run started', async () => {
    const w = gated(neverStarted)
    const error = await failureOf(smokeTest(w.run, laterStep))
    expect(error.message).toBe(
      'The smoke workflow did not pass: not-found. ' +
        'Every target holds the new key AKIA…0009, and the previous key AKIA…0001 stays active, so whatever still uses it keeps working. ' +
        'The next run of this action runs the smoke workflow again before it deactivates anything (it does not rotate again). ' +
        'Meanwhile both keys work: fix what kept the smoke run from starting or being found (the token, the ref, the run-name), then run this workflow again.'
    )
    expect(w.aws.tags[NEW]).toBe(FAILED)
  })

  it('leaves the key to another run that changed its mark meanwhile', async () => {
    const w = gated(async () => {
      w.aws.tags[NEW] = 'another run passed'
      return failedRun
    })
    const error = await failureOf(smokeTest(w.run, laterStep))
    // Read three times over three seconds: a read may lag this run's own write.
    expect(w.journal.ops()).toEqual(['tag', 'smoke', 'listTags', 'listTags', 'listTags'])
    expect(w.clock.slept.slice(-2)).toEqual([1_000, 2_000])
    expect(w.aws.tags[NEW]).toBe('another run passed')
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      'The smoke workflow did not pass: the smoke run concluded failure (https://github.com/acme/app/actions/runs/8). ' +
        "Another run changed the mark of AKIA…0009 while this one waited, so this run leaves the keys to it and records nothing. Read the smoke run's log: something failed with the new key."
    )
  })

  it("records the failure when a lagging read showed the mark before this run's own write", async () => {
    let reads = 0
    const w = gated(failedRun)
    const before = w.aws.tags[NEW] ?? 'before'
    const client = w.run.aws
    w.run.aws = {
      ...client,
      listTags: async (user: string) => {
        reads += 1
        const tags = await client.listTags(user)
        // The first read still shows the mark as it was before the gate's own write.
        return reads === 1 ? { ...tags, [NEW]: before } : tags
      }
    }
    await failureOf(smokeTest(w.run, laterStep))
    expect(reads).toBe(2)
    expect(w.aws.tags[NEW]).toBe(FAILED)
  })

  it('still stops the run when the failure cannot be recorded', async () => {
    for (const op of ['listTags', 'tag'] as const) {
      const w = gated(failedRun)
      w.aws.fail(op, awsError('ServiceFailure', 500, 'down'), {
        when: args => op === 'listTags' || args[2] === FAILED
      })
      const error = await failureOf(smokeTest(w.run, laterStep))
      expect(error).toBeInstanceOf(StepFailure)
      expect(error.message).toContain('AKIA…0001 stays active')
      expect(w.log.warnings).toEqual([
        'Could not record the failed gate on AKIA…0009 (ServiceFailure: down).'
      ])
      expect(w.aws.tags[NEW]).toBe(HOLDING())
    }
  })
})
