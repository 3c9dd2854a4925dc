import type { Credentials } from '../src/aws.js'
import { StepFailure, TargetError, Yield } from '../src/errors.js'
import type { PreparedTarget } from '../src/github.js'
import { distribute, finishDistribution, restore } from '../src/steps/distribution.js'
import { readMark } from '../src/marks.js'
import {
  awsError,
  failureOf,
  keyState,
  OLD,
  orgTarget,
  repoTarget,
  START,
  USER,
  world,
  type World,
  type WorldOptions
} from './fakes/ports.js'

/** A key an earlier run made and left half-distributed; this run signs with it. */
const HALF: Credentials = {
  accessKeyId: 'AKIAHALFKEY000000005',
  secretAccessKey: 'half-secret-000000000000000000000000000'
}
const PAIR = (key: Credentials) => `[${key.accessKeyId},${key.secretAccessKey}]`
const ID = 'AWS_ACCESS_KEY_ID'
const SECRET = 'AWS_SECRET_ACCESS_KEY'

function envTarget(repository: string, environment: string): PreparedTarget {
  const [owner = '', repo = ''] = repository.split('/')
  return {
    target: { kind: 'environment', owner, repo, environment },
    name: `env:${repository}/${environment}`,
    publicKey: { keyId: 'k', key: 'pk' }
  }
}

function dependabotTarget(repository: string): PreparedTarget {
  const [owner = '', repo = ''] = repository.split('/')
  return {
    target: { kind: 'dependabot', owner, repo },
    name: `dependabot:${repository}`,
    publicKey: { keyId: 'k', key: 'pk' }
  }
}

/** A run signing with HALF, which the targets do not all hold yet. */
function signingHalf(options: WorldOptions = {}) {
  const w = world({ signing: HALF, currentKeyId: OLD.accessKeyId, ...options })
  w.aws.addKey(HALF.accessKeyId, { secret: HALF.secretAccessKey })
  return w
}

const finish = {
  kind: 'finish-distribution',
  keyId: HALF.accessKeyId,
  previousKeyId: OLD.accessKeyId,
  gated: false
} as const

function halfWritten(target: string): TargetError {
  return new TargetError(target, `${target}: wrote ${ID} but not ${SECRET} (HTTP 502).`, 502, ID)
}

/** The secrets written, in no particular order of targets. */
function secretsLeak(texts: readonly string[], ...keys: Credentials[]): string[] {
  return texts.filter(text => keys.some(key => text.includes(key.secretAccessKey)))
}

describe('finish-distribution', () => {
  it('writes the key this run signs with everywhere, then marks it distributed', async () => {
    const w = signingHalf()
    w.secrets.onWrite = () => w.clock.advance(1_000)
    expect(w.run.result.current).toBeUndefined()
    await finishDistribution(w.run, finish)
    expect(w.journal.lines()).toEqual([
      // Taken over first: a third run waits for this one until the end of its hold.
      `tag ${USER} ${HALF.accessKeyId} rotate-aws-access-keys v1 state=pending at=2026-11-22T10:00:00Z run=4242.2 prev=${OLD.accessKeyId} until=2026-11-22T10:49:04Z repo=acme/app`,
      `write acme/web ${PAIR(HALF)}`,
      `write acme/app ${PAIR(HALF)}`,
      `tag ${USER} ${HALF.accessKeyId} rotate-aws-access-keys v1 state=active at=2026-11-22T10:00:02Z run=4242.2 prev=${OLD.accessKeyId} repo=acme/app`
    ])
    expect(w.secrets.held.get('acme/web')).toEqual({
      [ID]: HALF.accessKeyId,
      [SECRET]: HALF.secretAccessKey
    })
    expect(w.run.distributedAt).toBe(START + 2_000)
    expect(w.run.result.current).toBe(HALF)
    expect(w.run.result.written).toEqual(['acme/web', 'acme/app'])
    expect(w.run.result.targetFailures).toEqual([])
    expect(w.log.lines).toEqual([
      'group: Writing AKIA…0005 to 2 target(s)',
      'endgroup',
      'info: Wrote AKIA…0005 to 2/2 targets.'
    ])
  })

  it('keeps the gate due, and names no previous key when there is none', async () => {
    const w = signingHalf()
    await finishDistribution(w.run, { ...finish, previousKeyId: undefined, gated: true })
    expect(w.aws.tags[HALF.accessKeyId]).toBe(
      'rotate-aws-access-keys v1 state=active at=2026-11-22T10:00:00Z run=4242.2 smoke=due until=2026-11-22T11:09:04Z repo=acme/app'
    )
  })

  it('marks with the run client', async () => {
    const w = signingHalf()
    w.run.aws = w.aws.client('young')
    await finishDistribution(w.run, finish)
    // The re-reads before each pair sign with the run's own credentials.
    expect(w.journal.calls.map(call => call.by)).toEqual([
      'young',
      'aws',
      'github',
      'aws',
      'github',
      'young'
    ])
  })

  it('uses the configured secret names', async () => {
    const w = signingHalf({
      settings: { accessKeyIdSecretName: 'KEY_ID', secretAccessKeySecretName: 'KEY_SECRET' }
    })
    await finishDistribution(w.run, finish)
    expect(w.secrets.held.get('acme/app')).toEqual({
      KEY_ID: HALF.accessKeyId,
      KEY_SECRET: HALF.secretAccessKey
    })
  })

  it('stops, marking nothing, when a target fails; the own repository is then not written', async () => {
    const w = signingHalf()
    w.secrets.fail('acme/web', new TargetError('acme/web', 'acme/web: 403 Forbidden', 403))
    const error = await failureOf(finishDistribution(w.run, finish))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      'Could not finish writing key AKIA…0005 to every target: 2 of 2 targets failed: acme/web: 403 Forbidden; acme/app: not written, because other targets failed. Both keys stay active; the next run tries again.'
    )
    expect(w.journal.ops()).toEqual(['tag', 'write'])
    expect(w.run.distributedAt).toBeUndefined()
    expect(w.run.result.current).toBeUndefined()
    expect(w.run.result.written).toEqual([])
    expect(w.run.result.targetFailures).toEqual([
      'acme/web: 403 Forbidden',
      'acme/app: not written, because other targets failed'
    ])
    expect(w.log.infos).toEqual(['Wrote AKIA…0005 to 0/2 targets.'])
    expect(secretsLeak([error.message, ...w.log.lines], HALF, OLD)).toEqual([])
  })

  it('fails when the own repository fails, after every other target has the key', async () => {
    const w = signingHalf()
    w.secrets.fail('acme/app', new Error('socket hang up'))
    const error = await failureOf(finishDistribution(w.run, finish))
    expect(error.message).toBe(
      'Could not finish writing key AKIA…0005 to every target: 1 of 2 targets failed: socket hang up. Both keys stay active; the next run tries again.'
    )
    expect(w.run.result.written).toEqual(['acme/web'])
    expect(w.journal.ops()).toEqual(['tag', 'write', 'write'])
  })
})

describe('the hold this run announced', () => {
  it('writes no target that could still be in flight when the hold ends', async () => {
    const w = signingHalf()
    // The hold is 49m04s (defaults, two targets); a pair may take 5 minutes (4 tries of two
    // 30 s PUTs, and a minute of slack): the first write ends at the cutoff.
    const cutoff = 49 * 60_000 + 4_000 - 5 * 60_000
    w.secrets.onWrite = () => w.clock.advance(cutoff)
    const error = await failureOf(finishDistribution(w.run, finish))
    expect(w.run.holdUntil).toBe(START + 49 * 60_000 + 4_000)
    expect(error.message).toBe(
      "Could not finish writing key AKIA…0005 to every target: 1 of 2 targets failed: acme/app: not written, because this run's hold on the key ends at 2026-11-22T10:49:04Z and a later run may take the key over then. Both keys stay active; the next run tries again."
    )
    expect(w.run.result.written).toEqual(['acme/web'])
  })

  it('writes the last target the moment before the cutoff', async () => {
    const w = signingHalf()
    const cutoff = 49 * 60_000 + 4_000 - 5 * 60_000
    w.secrets.onWrite = () => w.clock.advance(cutoff - 1)
    await finishDistribution(w.run, finish)
    expect(w.run.result.written).toEqual(['acme/web', 'acme/app'])
  })

  it('takes nothing over when the key cannot be marked as its own', async () => {
    const w = world({ currentKeyId: undefined })
    w.aws.fail('tag', awsError('AccessDenied', 403))
    const error = await failureOf(
      restore(w.run, { kind: 'restore', keyId: OLD.accessKeyId, abandonedKeyId: HALF.accessKeyId })
    )
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      'Could not mark AKIA…0005 as taken over by this run (iam:TagUser: AccessDenied happened); nothing was written or changed.'
    )
    expect(w.journal.ops()).toEqual(['tag'])
  })
})

describe('restore', () => {
  const step = {
    kind: 'restore',
    keyId: OLD.accessKeyId,
    abandonedKeyId: HALF.accessKeyId
  } as const

  it('writes the key this run signs with back everywhere, and marks nothing', async () => {
    const w = world({ currentKeyId: undefined })
    await restore(w.run, step)
    expect(w.journal.lines()).toEqual([
      `tag ${USER} ${HALF.accessKeyId} rotate-aws-access-keys v1 state=pending at=2026-11-22T10:00:00Z run=4242.2 prev=${OLD.accessKeyId} until=2026-11-22T10:49:04Z repo=acme/app`,
      `write acme/web ${PAIR(OLD)}`,
      `write acme/app ${PAIR(OLD)}`
    ])
    expect(w.run.result.current).toBe(OLD)
    expect(w.run.result.written).toEqual(['acme/web', 'acme/app'])
  })

  it('after writing back, gives the key’s active mark the time of the writes: they are its own', async () => {
    const seen =
      'rotate-aws-access-keys v1 state=active at=2026-11-01T10:00:00Z run=7.1 prev=AKIAGONEKEY000000009 repo=acme/app'
    const marked = {
      snapshot: {
        keys: [keyState(OLD.accessKeyId, 'Active', readMark(seen))]
      }
    }
    const w = world({ currentKeyId: undefined, ...marked })
    w.aws.tags[OLD.accessKeyId] = seen
    w.secrets.onWrite = () => w.clock.advance(1_000)
    await restore(w.run, step)
    expect(w.journal.lines().slice(-1)).toEqual([
      `tag ${USER} ${OLD.accessKeyId} rotate-aws-access-keys v1 state=active at=2026-11-22T10:00:02Z run=4242.2 prev=AKIAGONEKEY000000009 repo=acme/app`
    ])
    const failing = world({ currentKeyId: undefined, ...marked })
    failing.aws.tags[OLD.accessKeyId] = seen
    failing.aws.fail('tag', awsError('ServiceFailure', 500, 'down'), {
      when: args => String(args[2]).includes('state=active')
    })
    await restore(failing.run, step)
    expect(failing.run.result.current).toBe(OLD)
    expect(failing.log.warnings).toEqual([
      "Every target holds AKIA…0001 again, but updating its mark failed (ServiceFailure: down): a later run may take this run's writes for another writer's and say so."
    ])
  })

  it('after writing back, moves only the restored key’s own mark, and none it did not read', async () => {
    const own =
      'rotate-aws-access-keys v1 state=active at=2026-11-01T10:00:00Z run=7.1 prev=AKIAGONEKEY000000009 repo=acme/app'
    const other =
      'rotate-aws-access-keys v1 state=active at=2026-11-20T10:00:00Z run=8.1 prev=AKIAOTHERKEY00000008 repo=acme/app'
    const both = world({
      currentKeyId: undefined,
      snapshot: {
        keys: [
          keyState(HALF.accessKeyId, 'Active', readMark(other)),
          keyState(OLD.accessKeyId, 'Active', readMark(own))
        ]
      }
    })
    both.aws.tags[OLD.accessKeyId] = own
    await restore(both.run, step)
    const tagsOfOld = (w: typeof both) =>
      w.journal.lines().filter(line => line.startsWith(`tag ${USER} ${OLD.accessKeyId} `))
    expect(tagsOfOld(both)).toEqual([
      expect.stringMatching(`^tag ${USER} ${OLD.accessKeyId} .* prev=AKIAGONEKEY000000009 `)
    ])
    // A key the snapshot never listed has no mark to move: the write-back still succeeds.
    const unlisted = world({ currentKeyId: undefined, snapshot: { keys: [] } })
    await restore(unlisted.run, step)
    expect(unlisted.run.result.current).toBe(OLD)
    expect(tagsOfOld(unlisted)).toEqual([])
  })

  it('after writing back, leaves a mark that changed since this run looked: it is no longer the one it saw', async () => {
    const seen =
      'rotate-aws-access-keys v1 state=active at=2026-11-01T10:00:00Z run=7.1 prev=AKIAGONEKEY000000009 repo=acme/app'
    const changed =
      'rotate-aws-access-keys v1 state=retired at=2026-11-22T09:00:00Z run=9.1 repo=acme/app'
    const w = world({
      currentKeyId: undefined,
      snapshot: { keys: [keyState(OLD.accessKeyId, 'Active', readMark(seen))] }
    })
    w.aws.tags[OLD.accessKeyId] = changed
    await restore(w.run, step)
    expect(w.run.result.current).toBe(OLD)
    expect(w.aws.tags[OLD.accessKeyId]).toBe(changed)
  })

  it('after writing back, moves no mark gone, retired, marked again, or not active when seen', async () => {
    const active =
      'rotate-aws-access-keys v1 state=active at=2026-11-01T10:00:00Z run=7.1 prev=AKIAGONEKEY000000009 repo=acme/app'
    const reactivated =
      'rotate-aws-access-keys v1 state=reactivated at=2026-11-01T10:00:00Z run=7.1 repo=acme/app'
    const retiredThen =
      'rotate-aws-access-keys v1 state=retired at=2026-11-01T10:00:00Z run=7.1 repo=acme/app'
    const cases: Array<{ seen: string; now: string | undefined }> = [
      { seen: active, now: undefined },
      { seen: active, now: retiredThen },
      // Another run marked it active again meanwhile: that time is its own.
      { seen: active, now: active.replace('2026-11-01T10:00:00Z', '2026-11-22T09:59:00Z') },
      { seen: reactivated, now: reactivated }
    ]
    for (const { seen, now } of cases) {
      const w = world({
        currentKeyId: undefined,
        snapshot: { keys: [keyState(OLD.accessKeyId, 'Active', readMark(seen))] }
      })
      if (now !== undefined) w.aws.tags[OLD.accessKeyId] = now
      await restore(w.run, step)
      expect({ seen, tag: w.aws.tags[OLD.accessKeyId], warnings: w.log.warnings }).toEqual({
        seen,
        tag: now,
        warnings: []
      })
    }
  })

  it('after writing back, marks a lost inactive key retired, and removes a deleted one’s mark', async () => {
    const inactive = world({ currentKeyId: undefined })
    inactive.aws.addKey(HALF.accessKeyId, { status: 'Inactive' })
    await restore(inactive.run, { ...step, abandonedStatus: 'Inactive' })
    expect(inactive.journal.lines().slice(-1)).toEqual([
      `tag ${USER} ${HALF.accessKeyId} rotate-aws-access-keys v1 state=retired at=2026-11-22T10:00:03Z run=4242.2 repo=acme/app`
    ])
    const deleted = world({ currentKeyId: undefined })
    await restore(deleted.run, { ...step, abandonedStatus: 'deleted' })
    expect(deleted.journal.lines().slice(-1)).toEqual([`untag ${USER} ${HALF.accessKeyId}`])
    expect(deleted.aws.tags[HALF.accessKeyId]).toBeUndefined()
  })

  it('says a lost key’s mark could not be settled, without failing the write-back', async () => {
    const w = world({ currentKeyId: undefined })
    w.aws.fail('untag', awsError('AccessDenied', 403, 'no'))
    await restore(w.run, { ...step, abandonedStatus: 'deleted' })
    expect(w.run.result.current).toBe(OLD)
    expect(w.run.result.permissionProblems).toEqual([
      'Every target holds the working key again, but removing the mark of AKIA…0005 failed (AccessDenied: no); a later run writes the working key back once more, which changes nothing.'
    ])
    const retired = world({ currentKeyId: undefined })
    retired.aws.addKey(HALF.accessKeyId, { status: 'Inactive' })
    retired.aws.fail('tag', awsError('ServiceFailure', 500, 'down'), {
      when: args => String(args[2]).includes('state=retired')
    })
    await restore(retired.run, { ...step, abandonedStatus: 'Inactive' })
    expect(retired.log.warnings).toEqual([
      'Every target holds the working key again, but marking retired AKIA…0005 failed (ServiceFailure: down); a later run writes the working key back once more, which changes nothing.'
    ])
  })

  it.each([
    {
      found: 'active (marked after the listing)',
      arrange: (w: World) => w.aws.addKey(HALF.accessKeyId),
      seen: 'AKIA…0005 is active'
    },
    {
      found: 'unreadable',
      arrange: (w: World) => w.aws.fail('recheckKeys', awsError('ServiceFailure', 500, 'down')),
      seen: 'this run could not read AKIA…0005 again (ServiceFailure: down)'
    }
  ])('reads the lost key again first: $found, it changes nothing', async ({ arrange, seen }) => {
    const w = world({ currentKeyId: undefined })
    arrange(w)
    const error = await restore(w.run, { ...step, abandonedStatus: 'deleted' }).catch(e => e)
    expect(error).toBeInstanceOf(Yield)
    expect(error.message).toBe(
      `Did not write the previous key back: read again, ${seen} (another run is rotating, or a person acted). Nothing was changed; the next run decides afresh.`
    )
    expect(w.journal.ops()).toEqual([])
  })

  it('settles the lost key by what it reads now, not by what the plan saw', async () => {
    const w = world({ currentKeyId: undefined })
    w.aws.addKey(HALF.accessKeyId, { status: 'Inactive' })
    await restore(w.run, { ...step, abandonedStatus: 'deleted' })
    expect(w.journal.lines().slice(-1)[0]).toContain(
      `${HALF.accessKeyId} rotate-aws-access-keys v1 state=retired`
    )
  })

  it('when a lost key’s write-back fails, says those targets may still hold it', async () => {
    const w = world({ currentKeyId: undefined })
    w.secrets.fail('acme/web', new Error('timeout'))
    const error = await failureOf(restore(w.run, { ...step, abandonedStatus: 'deleted' }))
    expect(error.message).toMatch(
      /^Could not write key AKIA…0001 back to every target: .* Those targets may still hold AKIA…0005, which no longer works; the next run tries again\.$/
    )
  })

  it('fails when a target cannot be written back', async () => {
    const w = world({ currentKeyId: undefined })
    w.secrets.fail('acme/web', new Error('timeout'))
    const error = await failureOf(restore(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      'Could not write key AKIA…0001 back to every target: 2 of 2 targets failed: timeout; acme/app: not written, because other targets failed. Both keys stay active; the next run tries again.'
    )
    expect(w.run.result.current).toBeUndefined()
  })

  it('cannot mend a half-written target: it does not know the other key', async () => {
    const w = world({ currentKeyId: undefined })
    w.secrets.fail('acme/web', halfWritten('acme/web'))
    const error = await failureOf(restore(w.run, step))
    expect(error.message).toContain(
      `acme/web: wrote ${ID} but not ${SECRET} (HTTP 502). This run does not know the previous secret, so it cannot set the pair back: acme/web holds a mismatched pair, ${ID} of AKIA…0001 and ${SECRET} as before; acme/app: not written`
    )
    expect(w.run.result.mismatched).toEqual(['acme/web'])
    expect(w.journal.ops()).toEqual(['tag', 'write'])
  })
})

describe('distribute', () => {
  it('writes the targets that feed this repository last', async () => {
    const targets = [
      repoTarget('acme/app'),
      orgTarget('acme'),
      repoTarget('acme/web'),
      envTarget('acme/app', 'prod'),
      dependabotTarget('acme/app'),
      orgTarget('other')
    ]
    const w = signingHalf({ targets })
    const { failures, written } = await distribute(w.run, HALF)
    expect(failures).toEqual([])
    expect(w.journal.lines().map(line => line.split(' ')[1])).toEqual([
      'acme/web',
      'dependabot:acme/app',
      'org:other',
      'acme/app',
      'org:acme',
      'env:acme/app/prod'
    ])
    expect(written.slice(0, 3).sort()).toEqual(['acme/web', 'dependabot:acme/app', 'org:other'])
    expect(written).toHaveLength(6)
    expect(w.log.lines[0]).toBe('group: Writing AKIA…0005 to 6 target(s)')
  })

  it('writes at most four targets at once', async () => {
    const targets = Array.from({ length: 10 }, (_, i) => repoTarget(`acme/r${i}`))
    const w = signingHalf({ targets })
    await distribute(w.run, HALF)
    expect(w.secrets.maxInFlight).toBe(4)
    expect(w.run.result.written).toHaveLength(10)
  })

  it('sets a half-written target back to the previous pair it knows', async () => {
    const w = signingHalf()
    w.secrets.fail('acme/web', halfWritten('acme/web'))
    const { failures, written } = await distribute(w.run, HALF, OLD)
    expect(failures).toEqual([
      `acme/web: wrote ${ID} but not ${SECRET} (HTTP 502). Both of its secrets were set back: acme/web holds the pair of the previous key AKIA…0001 again.`,
      'acme/app: not written, because other targets failed'
    ])
    expect(written).toEqual([])
    expect(w.journal.lines()).toEqual([
      `write acme/web ${PAIR(HALF)}`,
      `write acme/web ${PAIR(OLD)}`
    ])
    expect(w.secrets.held.get('acme/web')).toEqual({
      [ID]: OLD.accessKeyId,
      [SECRET]: OLD.secretAccessKey
    })
    expect(w.run.result.mismatched).toEqual([])
    expect(w.run.result.targetFailures).toEqual(failures)
    expect(secretsLeak(failures, HALF, OLD)).toEqual([])
  })

  it('records a mismatched pair when setting it back fails too', async () => {
    const w = signingHalf()
    w.secrets.fail('acme/web', halfWritten('acme/web'), new Error('still down'))
    const { failures } = await distribute(w.run, HALF, OLD)
    expect(failures[0]).toBe(
      `acme/web: wrote ${ID} but not ${SECRET} (HTTP 502). Setting them back failed too (still down): acme/web holds a mismatched pair, ${ID} of AKIA…0005 and ${SECRET} as before.`
    )
    expect(w.run.result.mismatched).toEqual(['acme/web'])
  })

  it('does not mend a target that failed whole', async () => {
    const w = signingHalf()
    w.secrets.fail('acme/web', new TargetError('acme/web', 'acme/web: 404', 404))
    await distribute(w.run, HALF, OLD)
    expect(w.journal.ops()).toEqual(['write'])
    expect(w.run.result.mismatched).toEqual([])
  })

  it('starts no more targets once the run is cancelled', async () => {
    const targets = ['acme/a', 'acme/b', 'acme/c', 'acme/app'].map(repoTarget)
    const w = signingHalf({ targets })
    w.cancellation.after = 1
    const { failures, written } = await distribute(w.run, HALF)
    expect(written).toEqual(['acme/a'])
    expect(failures).toEqual([
      'acme/b: not written, because the run was cancelled',
      'acme/c: not written, because the run was cancelled',
      'acme/app: not written, because other targets failed'
    ])
    expect(w.journal.ops()).toEqual(['write'])
  })

  it('starts no more targets once the rate-limit budget is spent', async () => {
    const targets = ['acme/a', 'acme/b', 'acme/app'].map(repoTarget)
    const w = signingHalf({ targets })
    w.secrets.budget = 1
    const { failures, written } = await distribute(w.run, HALF)
    expect(written).toEqual(['acme/a'])
    expect(failures).toEqual([
      'acme/b: not written, because the rate-limit-budget ran out',
      'acme/app: not written, because other targets failed'
    ])
    expect(w.log.infos).toEqual(['Wrote AKIA…0005 to 1/3 targets.'])
  })

  it('logs no progress for twenty targets or fewer', async () => {
    const targets = Array.from({ length: 20 }, (_, i) => repoTarget(`acme/r${i}`))
    const w = signingHalf({ targets })
    await distribute(w.run, HALF)
    expect(w.log.infos).toEqual(['Wrote AKIA…0005 to 20/20 targets.'])
  })

  it('logs progress every twentieth target, and at the end', async () => {
    const targets = Array.from({ length: 21 }, (_, i) => repoTarget(`acme/r${i}`))
    const w = signingHalf({ targets })
    w.secrets.fail('acme/r3', new Error('no'))
    await distribute(w.run, HALF)
    expect(w.log.infos).toEqual([
      'written 19/21 targets, 1 failed',
      'written 20/21 targets, 1 failed',
      'Wrote AKIA…0005 to 20/21 targets.'
    ])
  })

  it('logs progress about every tenth of a long fan-out', async () => {
    const targets = Array.from({ length: 215 }, (_, i) => repoTarget(`acme/r${i}`))
    const w = signingHalf({ targets })
    await distribute(w.run, HALF)
    expect(w.log.infos).toEqual([
      ...[22, 44, 66, 88, 110, 132, 154, 176, 198].map(n => `written ${n}/215 targets`),
      'written 215/215 targets',
      'Wrote AKIA…0005 to 215/215 targets.'
    ])
  })

  it('closes the log group when the secrets port throws unexpectedly', async () => {
    const w = signingHalf()
    w.secrets.outOfTime = () => {
      throw new Error('bug')
    }
    await expect(distribute(w.run, HALF)).rejects.toThrow('bug')
    expect(w.log.lines).toEqual(['group: Writing AKIA…0005 to 2 target(s)', 'endgroup'])
  })
})
