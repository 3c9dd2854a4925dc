import { LEGACY_INTENT_TAG_KEY, readMark } from '../src/marks.js'
import {
  announce,
  clearIntent,
  clearIntentStep,
  markOf,
  markReactivated,
  markReactivatedStep,
  removeMarks
} from '../src/steps/marks.js'
import { awsError, OLD, START, USER, world } from './fakes/ports.js'

const OTHER = 'AKIAOTHERKEY00000002'
const AT = '2026-11-22T10:00:00Z'

describe('markOf', () => {
  it("writes the state, the time and this run's identity", () => {
    const w = world()
    expect(markOf(w.run, { state: 'retired' })).toBe(
      `rotate-aws-access-keys v1 state=retired at=${AT} run=4242.2 repo=acme/app`
    )
  })

  it('adds the previous key, the gate and the orphan flag when given', () => {
    const w = world()
    expect(
      markOf(w.run, {
        state: 'active',
        previousKeyId: OLD.accessKeyId,
        smoke: 'due',
        orphan: true,
        at: START + 61_000
      })
    ).toBe(
      `rotate-aws-access-keys v1 state=active at=2026-11-22T10:01:01Z run=4242.2 prev=${OLD.accessKeyId} smoke=due orphan=yes repo=acme/app`
    )
  })

  it('leaves out an empty previous key, and takes the time from the clock', () => {
    const w = world()
    w.clock.advance(2_000)
    const mark = markOf(w.run, { state: 'pending', previousKeyId: undefined })
    expect(mark).toBe(
      'rotate-aws-access-keys v1 state=pending at=2026-11-22T10:00:02Z run=4242.2 repo=acme/app'
    )
    expect(readMark(mark)).toEqual({
      kind: 'ours',
      mark: {
        state: 'pending',
        at: START + 2_000,
        runId: '4242',
        runAttempt: '2',
        repository: 'acme/app'
      }
    })
  })

  it('keeps the time given, even 0', () => {
    const w = world()
    w.clock.advance(5_000)
    expect(markOf(w.run, { state: 'retired', at: 0 })).toContain('at=1970-01-01T00:00:00Z')
  })
})

describe('announce', () => {
  it('writes the intent on the user, naming the key it replaces', async () => {
    const w = world()
    const intent = await announce(w.run, OLD.accessKeyId)
    expect(intent).toBe(
      `rotate-aws-access-keys v1 state=creating at=${AT} run=4242.2 prev=${OLD.accessKeyId} repo=acme/app`
    )
    expect(w.run.intentTagKey).toMatch(/^rotate-aws-access-keys:intent:4242\.2\.[0-9a-f]{8}$/)
    expect(w.journal.lines()).toEqual([`tag ${USER} ${w.run.intentTagKey} ${intent}`])
    expect(w.aws.tags[w.run.intentTagKey]).toBe(intent)
  })

  it('signs with the run client', async () => {
    const w = world()
    w.run.aws = w.aws.client('young')
    await announce(w.run, undefined)
    expect(w.journal.calls.map(call => call.by)).toEqual(['young'])
  })

  it('accepts a write that took exactly the lead time', async () => {
    const w = world()
    w.aws.delays.tag = 5_000
    await announce(w.run, undefined)
    expect(w.journal.ops()).toEqual(['tag'])
  })

  it('writes the intent again, with a fresh time, when the write took longer than the lead', async () => {
    const w = world()
    w.aws.delays.tag = [5_001]
    const intent = await announce(w.run, undefined)
    expect(w.journal.ops()).toEqual(['tag', 'tag'])
    expect(intent).toContain('at=2026-11-22T10:00:05Z')
    expect(w.aws.tags[w.run.intentTagKey]).toBe(intent)
  })

  it('gives up retrying after three slow writes and keeps the last', async () => {
    const w = world()
    w.aws.delays.tag = 10_000
    const intent = await announce(w.run, undefined)
    expect(w.journal.ops()).toEqual(['tag', 'tag', 'tag'])
    expect(intent).toContain('at=2026-11-22T10:00:20Z')
  })

  it('falls back to the shared key of earlier releases when a copied policy refuses its own key, and says what to add', async () => {
    const w = world()
    const own = w.run.intentTagKey
    w.aws.fail('tag', awsError('AccessDenied', 403, 'no'), { when: args => args[1] === own })
    const intent = await announce(w.run, undefined)
    expect(w.aws.tags[LEGACY_INTENT_TAG_KEY]).toBe(intent)
    expect(w.run.intentTagKey).toBe(LEGACY_INTENT_TAG_KEY)
    expect(w.log.warnings[0]).toContain(
      'Add "rotate-aws-access-keys:intent:*" to aws:TagKeys in the policy\'s tag statement'
    )
    // Then it removes the shared tag only while it still reads its own value.
    await clearIntent(w.run)
    expect(w.aws.tags[LEGACY_INTENT_TAG_KEY]).toBeUndefined()
    expect(w.journal.ops().slice(-2)).toEqual(['listTags', 'untag'])
  })

  it('does not fall back on other failures', async () => {
    const w = world()
    const error = awsError('ServiceFailure', 500)
    w.aws.fail('tag', error, { times: 1 })
    await expect(announce(w.run, undefined)).rejects.toBe(error)
    expect(w.run.intentTagKey).not.toBe(LEGACY_INTENT_TAG_KEY)
  })

  it('fails when the intent cannot be written', async () => {
    const w = world()
    const error = awsError('AccessDenied', 403)
    w.aws.fail('tag', error)
    await expect(announce(w.run, undefined)).rejects.toBe(error)
  })
})

describe('clearIntent', () => {
  const untagProblem = (why: string) =>
    `Could not remove this run's intent mark from ${USER} (iam:UntagUser: ${why}). A later run with iam:UntagUser removes it; until then it stays one of the 50 tags IAM allows a user.`

  it("removes this run's own intent tag without reading it first (a read may lag the write)", async () => {
    const w = world()
    await announce(w.run, undefined)
    await clearIntent(w.run)
    expect(w.journal.lines().slice(1)).toEqual([`untag ${USER} ${w.run.intentTagKey}`])
    expect(w.aws.tags[w.run.intentTagKey]).toBeUndefined()
  })

  it('signs with the run own credentials', async () => {
    const w = world()
    w.run.aws = w.aws.client('young')
    await clearIntent(w.run)
    expect(w.journal.calls.map(call => call.by)).toEqual(['aws'])
  })

  it('warns on a passing fault', async () => {
    const w = world()
    w.aws.fail('untag', awsError('ServiceFailure', 500, 'down'))
    await clearIntent(w.run)
    expect(w.log.warnings).toEqual([untagProblem('ServiceFailure: down')])
    expect(w.run.result.permissionProblems).toEqual([])
  })

  it('fails the run at the end when the permission is missing, without promising a removal', async () => {
    const w = world()
    w.aws.fail('untag', awsError('AccessDenied', 403, 'no'))
    await clearIntent(w.run)
    expect(w.log.warnings).toEqual([])
    expect(w.run.result.permissionProblems).toEqual([untagProblem('AccessDenied: no')])
  })
})

describe('clear-intent', () => {
  it("removes a dead run's own intent tag unconditionally", async () => {
    const w = world()
    const tagKey = 'rotate-aws-access-keys:intent:7.1.abcd'
    w.aws.tags[tagKey] = 'whatever a lagging read showed'
    await clearIntentStep(w.run, { kind: 'clear-intent', tagKey, value: 'dead run' })
    expect(w.journal.ops()).toEqual(['untag'])
    expect(w.aws.tags[tagKey]).toBeUndefined()
  })

  it('removes the shared intent tag of earlier releases only while it reads the planned value', async () => {
    const w = world()
    const step = {
      kind: 'clear-intent' as const,
      tagKey: LEGACY_INTENT_TAG_KEY,
      value: 'dead run'
    }
    w.aws.tags[LEGACY_INTENT_TAG_KEY] = 'dead run'
    await clearIntentStep(w.run, step)
    expect(w.aws.tags[LEGACY_INTENT_TAG_KEY]).toBeUndefined()
    w.aws.tags[LEGACY_INTENT_TAG_KEY] = 'live run'
    await clearIntentStep(w.run, step)
    expect(w.aws.tags[LEGACY_INTENT_TAG_KEY]).toBe('live run')
  })

  it('removes nothing when the shared tag cannot be read, and says so', async () => {
    const w = world()
    w.aws.tags[LEGACY_INTENT_TAG_KEY] = 'dead run'
    w.aws.fail('listTags', awsError('AccessDenied', 403, 'no'))
    await clearIntentStep(w.run, {
      kind: 'clear-intent',
      tagKey: LEGACY_INTENT_TAG_KEY,
      value: 'dead run'
    })
    expect(w.aws.tags[LEGACY_INTENT_TAG_KEY]).toBe('dead run')
    expect(w.run.result.permissionProblems).toEqual([
      'Could not read the intent mark on deploy before removing it (iam:ListUserTags: AccessDenied: no); a later run tries again.'
    ])
  })

  it("says an ended run's intent stays when UntagUser is denied", async () => {
    const w = world()
    w.aws.fail('untag', awsError('AccessDenied', 403, 'no'))
    await clearIntentStep(w.run, {
      kind: 'clear-intent',
      tagKey: 'rotate-aws-access-keys:intent:7.1.a',
      value: 'v'
    })
    expect(w.run.result.permissionProblems[0]).toMatch(
      /^Could not remove an ended run's intent mark from deploy \(iam:UntagUser: AccessDenied: no\)\. A later run with iam:UntagUser removes it/
    )
  })
})

describe('remove-marks', () => {
  it('removes the marks of deleted keys in one call', async () => {
    const w = world()
    w.aws.tags.A = 'a'
    w.aws.tags.B = 'b'
    w.aws.tags.C = 'c'
    await removeMarks(w.run, { kind: 'remove-marks', tagKeys: ['A', 'B'] })
    expect(w.journal.lines()).toEqual([`untagMany ${USER} [A,B]`])
    expect(w.aws.tags).toEqual({ C: 'c' })
    expect(w.log.infos).toEqual(['Removed 2 mark(s) of keys that no longer exist.'])
  })

  it('signs with the run client', async () => {
    const w = world()
    w.run.aws = w.aws.client('young')
    await removeMarks(w.run, { kind: 'remove-marks', tagKeys: ['A'] })
    expect(w.journal.calls.map(call => call.by)).toEqual(['young'])
  })

  it('warns on a passing fault, and says nothing was removed', async () => {
    const w = world()
    w.aws.fail('untagMany', awsError('ServiceFailure', 500, 'down'))
    await removeMarks(w.run, { kind: 'remove-marks', tagKeys: ['A'] })
    expect(w.log.infos).toEqual([])
    expect(w.log.warnings).toEqual([
      'Could not remove marks of deleted keys (ServiceFailure: down); a later run tries again.'
    ])
  })

  it('fails the run at the end when the permission is missing', async () => {
    const w = world()
    w.aws.fail('untagMany', awsError('AccessDenied', 403, 'no'))
    await removeMarks(w.run, { kind: 'remove-marks', tagKeys: ['A'] })
    expect(w.log.warnings).toEqual([])
    expect(w.run.result.permissionProblems).toEqual([
      'Could not remove marks of deleted keys (AccessDenied: no); a later run tries again.'
    ])
  })
})

describe('mark-reactivated', () => {
  it('marks the key reactivated now', async () => {
    const w = world()
    w.clock.advance(1_000)
    await markReactivatedStep(w.run, { kind: 'mark-reactivated', keyId: OTHER })
    expect(w.journal.lines()).toEqual([
      `tag ${USER} ${OTHER} rotate-aws-access-keys v1 state=reactivated at=2026-11-22T10:00:01Z run=4242.2 repo=acme/app`
    ])
    expect(w.log.lines).toEqual([])
  })

  it('warns when the mark fails', async () => {
    const w = world()
    w.aws.fail('tag', awsError('ServiceFailure', 500, 'down'))
    await markReactivated(w.run, OTHER)
    expect(w.log.warnings).toEqual([
      'AKIA…0002 is active, but marking it reactivated failed (ServiceFailure: down); the next run records it.'
    ])
  })

  it('signs with the run client', async () => {
    const w = world()
    w.run.aws = w.aws.client('young')
    await markReactivated(w.run, OTHER)
    expect(w.journal.calls.map(call => call.by)).toEqual(['young'])
  })
})
