import { briefly, sideProblem, startRun } from '../src/steps/run.js'
import { awsError, OLD, USER, world } from './fakes/ports.js'

describe('startRun', () => {
  it('starts with nothing done, holding the key the run signs with when the targets hold it', () => {
    const { run } = world()
    expect(run.user).toBe(USER)
    expect(run.aws).toBe(run.context.aws)
    expect(run.distributedAt).toBeUndefined()
    expect(run.distributionStartedAt).toBeUndefined()
    expect(run.result).toEqual({
      rotated: false,
      createdKeyId: undefined,
      current: OLD,
      deactivated: [],
      deleted: [],
      reactivated: [],
      setAside: [],
      written: [],
      mismatched: [],
      targetFailures: [],
      verification: undefined,
      smoke: undefined,
      failure: undefined,
      yielded: undefined,
      permissionProblems: [],
      resolvedAlerts: [],
      openAlerts: []
    })
  })

  it('knows no current key when the targets hold another than the one it signs with', () => {
    expect(world({ currentKeyId: 'AKIAOTHERKEY00000002' }).run.result.current).toBeUndefined()
    expect(world({ currentKeyId: undefined }).run.result.current).toBeUndefined()
  })

  it('names the user from the snapshot', () => {
    const { run } = world({ snapshot: { userName: 'ci-bot' } })
    expect(startRun(run.context).user).toBe('ci-bot')
  })
})

describe('sideProblem', () => {
  it('fails the run at the end for a missing permission, warns for anything else', () => {
    const w = world()
    sideProblem(w.run, awsError('AccessDenied', 403), 'grant iam:UntagUser')
    sideProblem(w.run, awsError('ServiceFailure', 500), 'passing')
    sideProblem(w.run, undefined, 'unknown')
    expect(w.run.result.permissionProblems).toEqual(['grant iam:UntagUser'])
    expect(w.log.warnings).toEqual(['passing', 'unknown'])
  })
})

describe('briefly', () => {
  const failures = (n: number) => Array.from({ length: n }, (_, i) => `t${i + 1}: no`)

  it('names every failure up to ten', () => {
    expect(briefly(failures(2), 5)).toBe('2 of 5 targets failed: t1: no; t2: no')
    expect(briefly(failures(10), 300)).toBe(`10 of 300 targets failed: ${failures(10).join('; ')}`)
  })

  it('names ten and counts the rest', () => {
    expect(briefly(failures(12), 300)).toBe(
      `12 of 300 targets failed: ${failures(10).join('; ')}; and 2 more (the step summary lists them all)`
    )
    expect(briefly(failures(11), 11)).toMatch(/; t10: no; and 1 more \(the step summary/)
  })
})
