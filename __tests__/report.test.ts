/** What the report tells a person: the outcome, and whether the run needs one (issue-on-failure). */
import { StepFailure } from '../src/errors.js'
import type { Plan } from '../src/plan.js'
import { buildReport, reportedResult, type ReportInput } from '../src/report.js'
import { DAY, userSnapshot } from './fakes/plan-fixtures.js'
import { world } from './fakes/ports.js'

const NOW = Date.parse('2026-11-22T12:00:00Z')
const nothing: Plan = { steps: [], refusal: undefined, notes: [], currentKeyId: undefined }

function report(plan: Plan, extra: Partial<ReportInput> = {}) {
  return buildReport({
    snapshot: userSnapshot([]),
    plan,
    result: undefined,
    dryRun: false,
    now: NOW,
    targets: ['acme/app'],
    settings: { maxAgeMs: 90 * DAY, deactivateAfterMs: 0, deleteAfterMs: 7 * DAY },
    ...extra
  })
}

describe('needsPerson', () => {
  it('a refusal, a failure and a missing permission need a person, in their own words', () => {
    expect(report({ ...nothing, refusal: 'No.' }).needsPerson).toBe('No.')
    const { result } = world().run
    result.failure = new StepFailure('Broke.')
    result.permissionProblems.push('Grant iam:UntagUser.')
    expect(report(nothing, { result: reportedResult(result) }).needsPerson).toBe(
      'Broke.\n\nGrant iam:UntagUser.'
    )
    expect(report(nothing).needsPerson).toBeUndefined()
    expect(report(nothing).outcome).toBe('Nothing due')
  })

  it("a plan's warnings need a person: they repeat on every run until someone acts", () => {
    const leak = 'AKIA…WXYZ has leaked. leak-response is report, so this run does nothing about it.'
    expect(report({ ...nothing, warnings: [leak] }).needsPerson).toBe(leak)
    const { result } = world().run
    result.failure = new StepFailure('Broke.')
    expect(
      report({ ...nothing, warnings: [leak] }, { result: reportedResult(result) }).needsPerson
    ).toBe(`Broke.\n\n${leak}`)
  })

  it('a dry run and a step-aside never do; a wait only once it has lasted a day', () => {
    expect(report({ ...nothing, refusal: 'No.' }, { dryRun: true }).needsPerson).toBeUndefined()
    const { result } = world().run
    result.yielded = 'Another run got there first.'
    expect(report(nothing, { result: reportedResult(result) }).needsPerson).toBeUndefined()
    const waiting = { ...nothing, waiting: 'Key X is being rotated by run 7.' }
    expect(report({ ...waiting, waitingSince: NOW - DAY + 1 }).needsPerson).toBeUndefined()
    expect(report({ ...waiting, waitingSince: NOW - DAY }).needsPerson).toBe(
      'Waiting for another run for 1d, longer than a rotation can take: Key X is being rotated by run 7. If GitHub still shows that run going, cancel it.'
    )
    expect(report(waiting).needsPerson).toBeUndefined()
  })
})

describe('reportedResult', () => {
  it('keeps the id of the key the targets hold and drops its secret', () => {
    const { result } = world().run
    result.current = { accessKeyId: 'AKIAREPORTED00000001', secretAccessKey: 'not-for-the-report' }
    const reported = reportedResult(result)
    expect(reported.currentKeyId).toBe('AKIAREPORTED00000001')
    expect(JSON.stringify(reported)).not.toContain('not-for-the-report')
    result.current = undefined
    expect(reportedResult(result)).not.toHaveProperty('currentKeyId')
  })
})
