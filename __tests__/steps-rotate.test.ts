import type { Credentials } from '../src/aws.js'
import { StepFailure, TargetError, Yield } from '../src/errors.js'
import { rotate } from '../src/steps/rotate.js'
import {
  awsError,
  failureOf,
  keyState,
  OLD,
  repoTarget,
  START,
  USER,
  USER_ARN,
  world,
  type WorldOptions
} from './fakes/ports.js'

/** The first key the fake IAM makes, and its label in messages. */
const NEW = 'AKIANEWKEY0000000N01'
const NEW_LABEL = 'AKIA…0N01'
const OLD_LABEL = 'AKIA…0001'
const ADMIN: Credentials = {
  accessKeyId: 'AKIAADMINKEY00000007',
  secretAccessKey: 'admin-secret-00000000000000000000000000'
}
const RUN = 'run=4242.2'
const REPO = 'repo=acme/app'
const at = (seconds: number) => `at=2026-11-22T10:00:${String(seconds).padStart(2, '0')}Z`
/** The end of the run's hold, with the defaults and two targets: 49m04s from its start. */
const UNTIL = 'until=2026-11-22T10:49:04Z'
const intentMark = (s = 0, prev = ` prev=${OLD.accessKeyId}`) =>
  `rotate-aws-access-keys v1 state=creating ${at(s)} ${RUN}${prev} ${UNTIL} ${REPO}`
const step = { kind: 'rotate', previousKeyId: OLD.accessKeyId, gated: false } as const
const firstKey = { kind: 'rotate', previousKeyId: undefined, gated: false } as const

/** Self-rotation: the run signs with the old key, which the targets hold. */
function selfRun(options: WorldOptions = {}) {
  const w = world(options)
  // Each target write takes a second, so the marks' times tell the phases apart.
  w.secrets.onWrite = () => w.clock.advance(1_000)
  return w
}

/** Admin mode: the run signs with another user's key. */
function adminRun(options: WorldOptions = {}) {
  return selfRun({
    signing: ADMIN,
    currentKeyId: OLD.accessKeyId,
    snapshot: { mode: 'admin', signingKeyId: undefined },
    ...options
  })
}

/** A timeout: CreateAccessKey got no answer (no HTTP status). */
const noAnswer = () => awsError('TimeoutError', undefined, 'socket timed out')

/** What the run wrote for people to read, and what it keeps: none may hold a secret. */
function texts(w: ReturnType<typeof world>, error?: Error): string[] {
  // The result keeps the current key's secret for the export, and nothing else.
  const result = JSON.stringify({ ...w.run.result, current: w.run.result.current?.accessKeyId })
  return [...w.log.lines, result, ...(error ? [error.message] : [])]
}

function leaks(w: ReturnType<typeof world>, error?: Error): string[] {
  const secrets = [...w.aws.keys.values()].flatMap(key => (key.secret ? [key.secret] : []))
  return texts(w, error).filter(text => secrets.some(secret => text.includes(secret)))
}

describe('rotate: the whole lifecycle', () => {
  it('announces, creates, marks, verifies, writes every target, then marks it distributed', async () => {
    const w = selfRun()
    await rotate(w.run, step)
    const created = w.aws.keys.get(NEW)
    expect(created?.status).toBe('Active')
    const pair = `[${NEW},${created?.secret}]`
    expect(w.journal.lines()).toEqual([
      `tag ${USER} ${w.run.intentTagKey} ${intentMark()}`,
      `createKey ${USER}`,
      `tag ${USER} ${NEW} rotate-aws-access-keys v1 state=pending ${at(0)} ${RUN} prev=${OLD.accessKeyId} ${UNTIL} ${REPO}`,
      `untag ${USER} ${w.run.intentTagKey}`,
      `probe ${NEW}`,
      `probe ${NEW}`,
      `probe ${NEW}`,
      `write acme/web ${pair}`,
      `write acme/app ${pair}`,
      `tag ${USER} ${NEW} rotate-aws-access-keys v1 state=active ${at(2)} ${RUN} prev=${OLD.accessKeyId} ${REPO}`
    ])
    expect(w.aws.tags[w.run.intentTagKey]).toBeUndefined()
    expect(w.run.result).toMatchObject({
      rotated: true,
      createdKeyId: NEW,
      current: { accessKeyId: NEW, secretAccessKey: created?.secret },
      verification: { attempts: 3, elapsedMs: 300 },
      written: ['acme/web', 'acme/app'],
      targetFailures: [],
      failure: undefined
    })
    expect(w.run.distributionStartedAt).toBe(START + 300)
    expect(w.run.distributedAt).toBe(START + 2_300)
    expect(w.clock.slept).toEqual([150, 150])
  })

  it('masks the new key before anything is logged, and logs no secret', async () => {
    const w = selfRun()
    await rotate(w.run, step)
    const secret = w.aws.keys.get(NEW)?.secret
    expect(w.log.masked).toEqual([NEW, secret])
    expect(w.log.lines.slice(0, 3)).toEqual([
      'mask',
      'mask',
      `info: Created key ${NEW_LABEL} for ${USER}.`
    ])
    expect(w.log.infos).toEqual([
      `Created key ${NEW_LABEL} for ${USER}.`,
      'AWS accepted the new key after 0.3 s (3 checks, the last ones in a row).',
      `Wrote ${NEW_LABEL} to 2/2 targets.`
    ])
    expect(w.log.lines.filter(line => line.includes(NEW))).toEqual([])
    expect(leaks(w)).toEqual([])
  })

  it('signs with the new key once verified, in self-rotation', async () => {
    const w = selfRun()
    await rotate(w.run, step)
    expect(w.aws.youngKeys).toEqual([
      {
        credentials: expect.objectContaining({ accessKeyId: NEW }),
        deadline: START + 300 + 120_000
      },
      // The re-reads sign with the new key and never retry a rejection: the previous key's
      // last use stays the world's, for the warning after it is deactivated.
      { credentials: expect.objectContaining({ accessKeyId: NEW }), deadline: 0 }
    ])
    expect(w.journal.calls.map(call => `${call.by} ${call.op}`)).toEqual([
      'aws tag',
      'aws createKey',
      'aws tag',
      'aws untag',
      'aws probe',
      'aws probe',
      'aws probe',
      // Right before each pair, and once after the last: the new key is still active.
      `young:${NEW} recheckKeys`,
      'github write',
      `young:${NEW} recheckKeys`,
      'github write',
      `young:${NEW} recheckKeys`,
      `young:${NEW} tag`
    ])
  })

  it('keeps signing with its own credentials in admin mode', async () => {
    const w = adminRun()
    await rotate(w.run, step)
    expect(w.aws.youngKeys).toEqual([])
    expect(w.journal.calls.at(-1)?.by).toBe('aws')
    expect(w.run.result.rotated).toBe(true)
  })

  it("marks a gated rotation's key with its gate due, pending and distributed", async () => {
    const w = selfRun()
    await rotate(w.run, { ...step, gated: true })
    const tags = w.journal.calls.filter(call => call.op === 'tag' && call.args[1] === NEW)
    expect(tags.map(call => call.args[2])).toEqual([
      `rotate-aws-access-keys v1 state=pending ${at(0)} ${RUN} prev=${OLD.accessKeyId} smoke=due until=2026-11-22T11:09:04Z ${REPO}`,
      `rotate-aws-access-keys v1 state=active ${at(2)} ${RUN} prev=${OLD.accessKeyId} smoke=due until=2026-11-22T11:09:04Z ${REPO}`
    ])
  })

  it("makes the user's first key without naming a previous one", async () => {
    const w = adminRun({ currentKeyId: undefined, snapshot: { mode: 'admin', keys: [] } })
    w.aws.keys.clear()
    await rotate(w.run, firstKey)
    expect(w.journal.lines()[0]).toBe(`tag ${USER} ${w.run.intentTagKey} ${intentMark(0, '')}`)
    expect(w.aws.tags[NEW]).toBe(`rotate-aws-access-keys v1 state=active ${at(2)} ${RUN} ${REPO}`)
  })

  it('logs the wait for AWS at the first rejection and every fifth', async () => {
    const w = selfRun()
    let probes = 0
    w.aws.probe = async () => {
      probes += 1
      if (probes <= 10) throw awsError('InvalidClientTokenId', 403)
      return USER_ARN
    }
    await rotate(w.run, step)
    expect(w.log.infos.filter(line => line.startsWith('Waiting'))).toEqual([
      'Waiting for AWS to accept the new key (attempt 1, 0.0 s)...',
      'Waiting for AWS to accept the new key (attempt 5, 1.0 s)...',
      'Waiting for AWS to accept the new key (attempt 10, 2.3 s)...'
    ])
    expect(w.run.result.verification).toEqual({ attempts: 13, elapsedMs: 2_800 })
    expect(w.log.infos).toContain(
      'AWS accepted the new key after 2.8 s (13 checks, the last ones in a row).'
    )
  })
})

describe('rotate: announcing and creating', () => {
  it('creates nothing when the intent cannot be written', async () => {
    const w = selfRun()
    w.aws.fail('tag', awsError('AccessDenied', 403, 'not authorized'))
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      `Could not write the action's mark on ${USER} (iam:TagUser: AccessDenied: not authorized). No key was created: without marks a later run could not tell the action's keys from a person's.`
    )
    // Its own intent key, then the shared key of earlier releases: both refused.
    expect(w.journal.ops()).toEqual(['tag', 'tag'])
    expect(w.run.result.createdKeyId).toBeUndefined()
  })

  it('retries a transient failure, announcing each try afresh, and clears the last intent', async () => {
    const w = selfRun()
    w.aws.fail('createKey', awsError('ServiceFailure', 500), { times: 2 })
    await rotate(w.run, step)
    expect(w.journal.ops().slice(0, 10)).toEqual([
      'tag',
      'createKey',
      'listKeys',
      'tag',
      'createKey',
      'listKeys',
      'tag',
      'createKey',
      'tag',
      'untag'
    ])
    const intents = w.journal.calls.filter(call => call.args[1] === w.run.intentTagKey)
    expect(intents.map(call => call.args[2])).toEqual([intentMark(0), intentMark(1), intentMark(3)])
    expect(w.clock.slept.slice(0, 2)).toEqual([1_500, 2_250])
    expect(w.aws.tags[w.run.intentTagKey]).toBeUndefined()
    expect(w.run.result.rotated).toBe(true)
  })

  it('retries throttling', async () => {
    const w = selfRun()
    w.aws.fail('createKey', awsError('Throttling', 400), { times: 1 })
    await rotate(w.run, step)
    expect(w.run.result.rotated).toBe(true)
  })

  it('gives up after four tries, leaving no key and no intent', async () => {
    const w = selfRun()
    w.aws.fail('createKey', awsError('ServiceFailure', 503, 'unavailable'))
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      `Could not create a new access key for ${USER}: ServiceFailure: unavailable. No new key is left behind; the previous key and the secrets are unchanged.`
    )
    expect(error.cause).toBe(w.aws.faults.get('createKey')?.[0]?.error)
    expect(w.journal.ops().filter(op => op === 'createKey')).toHaveLength(4)
    expect(w.clock.slept).toEqual([1_500, 2_250, 3_375])
    expect(w.journal.ops().slice(-1)).toEqual(['untag'])
    expect(w.aws.tags[w.run.intentTagKey]).toBeUndefined()
    expect(w.secrets.held.size).toBe(0)
  })

  it('does not retry an error AWS answered for good', async () => {
    const w = selfRun()
    w.aws.fail('createKey', awsError('AccessDenied', 403, 'no iam:CreateAccessKey'))
    const error = await failureOf(rotate(w.run, step))
    expect(error.message).toContain(`Could not create a new access key for ${USER}: AccessDenied`)
    expect(w.journal.ops()).toEqual(['tag', 'createKey', 'listKeys', 'untag'])
    expect(w.clock.slept).toEqual([])
  })

  it("removes its own intent tag without reading it back (IAM's reads may lag its writes)", async () => {
    const w = selfRun()
    // A tag of another run, even the shared tag of earlier releases, is never touched.
    w.aws.tags['rotate-aws-access-keys'] = 'an earlier release'
    w.aws.fail('createKey', awsError('AccessDenied', 403))
    await failureOf(rotate(w.run, step))
    expect(w.aws.tags[w.run.intentTagKey]).toBeUndefined()
    expect(w.aws.tags['rotate-aws-access-keys']).toBe('an earlier release')
    expect(w.journal.ops()).not.toContain('listTags')
  })

  it('steps aside when IAM refuses a third key because another run made one', async () => {
    const w = selfRun()
    w.aws.createKey = async () => {
      const theirs = w.aws.makeKey()
      w.aws.tags[theirs.accessKeyId] = 'theirs'
      throw awsError('LimitExceeded', 409, 'Cannot exceed quota for AccessKeysPerUser: 2')
    }
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(Yield)
    expect(error.message).toBe(
      `Key ${NEW_LABEL} appeared after this run looked, and IAM allows two keys: another run (or a person) got there first. This run leaves the rotation to it and touches no key; nothing was changed.`
    )
    expect(w.journal.ops()).toEqual(['tag', 'createKey', 'listKeys', 'untag'])
    expect(w.aws.keys.get(NEW)?.status).toBe('Active')
  })

  it('names every key that appeared when it steps aside', async () => {
    const w = selfRun()
    w.aws.createKey = async () => {
      w.aws.makeKey()
      w.aws.makeKey()
      throw awsError('LimitExceeded', 409)
    }
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(Yield)
    expect(error.message).toMatch(new RegExp(`^Key ${NEW_LABEL}, AKIA…0N02 appeared after`))
  })

  it('on LimitExceeded beside one key, reads again over three seconds, then steps aside though no read shows the key', async () => {
    const w = selfRun()
    w.aws.fail('createKey', awsError('LimitExceeded', 409, 'quota'))
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(Yield)
    expect(error.message).toBe(
      "A key appeared after this run looked (IAM's reads do not show it yet), and IAM allows two keys: another run (or a person) got there first. " +
        'This run leaves the rotation to it and touches no key; nothing was changed.'
    )
    expect(w.journal.ops()).toEqual([
      'tag',
      'createKey',
      'listKeys',
      'listKeys',
      'listKeys',
      'untag'
    ])
    expect(w.clock.slept).toEqual([1_000, 2_000])
  })

  it('on LimitExceeded, names a key that a second read shows', async () => {
    const w = selfRun()
    let lists = 0
    const client = w.run.aws
    w.run.aws = {
      ...client,
      listKeys: async (user: string) => {
        lists += 1
        if (lists === 2) w.aws.addKey('AKIAPERSON00000000001')
        return client.listKeys(user)
      }
    }
    w.aws.fail('createKey', awsError('LimitExceeded', 409, 'quota'))
    const error = await failureOf(rotate(w.run, step))
    expect(error.message).toMatch(/^Key AKIA…0001 appeared after this run looked/)
    expect(lists).toBe(2)
  })

  it('fails on LimitExceeded when it already saw two keys and none appeared', async () => {
    const w = selfRun({
      snapshot: { keys: [keyState(OLD.accessKeyId), keyState('AKIAOTHER0000000002')] }
    })
    w.aws.fail('createKey', awsError('LimitExceeded', 409, 'quota'))
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toContain('Could not create a new access key')
    expect(w.journal.ops().filter(op => op === 'createKey')).toHaveLength(1)
  })

  it('fails on another answered error, even when a key appeared', async () => {
    const w = selfRun()
    w.aws.createKey = async () => {
      w.aws.makeKey()
      throw awsError('AccessDenied', 403, 'denied')
    }
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toContain('Could not create a new access key')
  })

  it('keeps the intent when it cannot check for a key AWS may have made', async () => {
    const w = selfRun()
    w.aws.fail('createKey', noAnswer())
    w.aws.fail('listKeys', awsError('ServiceFailure', 500, 'list failed'))
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      `Could not create a new access key for ${USER} (TimeoutError: socket timed out), and could not check for a key AWS may have made anyway (ServiceFailure: list failed). The intent mark stays, so the next run can recognise such a key; the previous key and the secrets are unchanged.`
    )
    expect(w.journal.ops()).toEqual(['tag', 'createKey', 'listKeys'])
    expect(w.aws.tags[w.run.intentTagKey]).toBe(intentMark())
  })
})

describe('rotate: a CreateAccessKey that got no answer', () => {
  /** AWS makes the key, and the answer is lost. */
  function lostAnswer(w: ReturnType<typeof world>) {
    w.aws.createKey = async () => {
      w.clock.advance(2_000)
      w.aws.makeKey()
      throw noAnswer()
    }
  }

  it('sets aside the key it pins to this run, and clears the intent', async () => {
    const w = selfRun()
    lostAnswer(w)
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      `CreateAccessKey got no answer (TimeoutError: socket timed out), but AWS made ${NEW_LABEL} for it; its secret never reached this run, so no target can hold it. ` +
        'It was deactivated and marked a retired orphan, and is deleted after delete-after; until then it holds the second key slot, so no rotation starts (delete it in the IAM console to rotate sooner). ' +
        `If a person made ${NEW_LABEL}, make it active again in the IAM console: the action then leaves it alone. The previous key and the secrets are unchanged.`
    )
    expect(w.journal.lines()).toEqual([
      `tag ${USER} ${w.run.intentTagKey} ${intentMark()}`,
      `createKey ${USER}`,
      `listKeys ${USER}`,
      `lastUse ${NEW}`,
      `setStatus ${USER} ${NEW} Inactive`,
      `tag ${USER} ${NEW} rotate-aws-access-keys v1 state=retired ${at(2)} ${RUN} orphan=yes ${REPO}`,
      `untag ${USER} ${w.run.intentTagKey}`
    ])
    expect(w.run.result.setAside).toEqual([NEW])
    expect(w.run.result.createdKeyId).toBeUndefined()
    expect(leaks(w, error)).toEqual([])
  })

  it('sets aside a key that appears after a later, answered try', async () => {
    const w = selfRun()
    let tries = 0
    w.aws.createKey = async () => {
      tries += 1
      if (tries === 1) throw noAnswer()
      w.aws.makeKey()
      throw awsError('ServiceFailure', 500)
    }
    const error = await failureOf(rotate(w.run, step))
    expect(error.message).toContain(`but AWS made ${NEW_LABEL} for it`)
    expect(w.run.result.setAside).toEqual([NEW])
    expect(tries).toBe(2)
  })

  it('pins a key to the one of several unanswered calls it was made during', async () => {
    const w = selfRun()
    let tries = 0
    w.aws.createKey = async () => {
      tries += 1
      if (tries === 2) {
        w.clock.advance(10_000)
        w.aws.makeKey()
      }
      throw noAnswer()
    }
    const error = await failureOf(rotate(w.run, step))
    expect(error.message).toContain(`but AWS made ${NEW_LABEL} for it`)
    expect(w.run.result.setAside).toEqual([NEW])
  })

  it('does not pin a key made well after the unanswered call', async () => {
    const w = selfRun()
    let tries = 0
    w.aws.createKey = async () => {
      tries += 1
      if (tries === 1) throw noAnswer()
      w.clock.advance(10_000)
      w.aws.makeKey()
      throw awsError('ServiceFailure', 500)
    }
    const error = await failureOf(rotate(w.run, step))
    expect(error.message).toContain('this run cannot tell whether AWS made it')
    expect(w.run.result.setAside).toEqual([])
  })

  it.each([
    [
      'was used',
      (w: ReturnType<typeof world>) => {
        w.aws.keys.get(NEW)!.lastUsed = { at: START, service: 'sts', region: 'us-east-1' }
      }
    ],
    [
      'has an unreadable last use',
      (w: ReturnType<typeof world>) => {
        w.aws.fail('lastUse', awsError('AccessDenied', 403))
      }
    ],
    [
      'came with another',
      (w: ReturnType<typeof world>) => {
        w.aws.makeKey()
      }
    ]
  ])('touches no key that %s', async (_, setup) => {
    const w = selfRun()
    w.aws.createKey = async () => {
      w.aws.makeKey()
      setup(w)
      throw noAnswer()
    }
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toMatch(
      new RegExp(
        `^CreateAccessKey got no answer \\(TimeoutError: socket timed out\\), and ${NEW_LABEL}(, AKIA…0N02)? appeared meanwhile; this run cannot tell whether AWS made it for this run or a person did, so it touches none of them. If nobody made it by hand, deactivate and delete it in the IAM console; the previous key and the secrets are unchanged.$`
      )
    )
    expect(w.journal.ops()).not.toContain('setStatus')
    expect(w.run.result.setAside).toEqual([])
    expect(w.aws.tags[w.run.intentTagKey]).toBeUndefined()
  })

  it('names every key that appeared', async () => {
    const w = selfRun()
    w.aws.createKey = async () => {
      w.aws.makeKey()
      w.aws.makeKey()
      throw noAnswer()
    }
    const error = await failureOf(rotate(w.run, step))
    expect(error.message).toContain(`and ${NEW_LABEL}, AKIA…0N02 appeared meanwhile`)
  })

  it('keeps the intent when the pinned key cannot be set aside', async () => {
    const w = selfRun()
    lostAnswer(w)
    w.aws.fail('setStatus', awsError('AccessDenied', 403, 'denied'))
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      `CreateAccessKey got no answer (TimeoutError: socket timed out), and AWS made ${NEW_LABEL} for it; setting it aside failed (AccessDenied: denied). The intent mark stays, so the next run recognises the key and sets it aside. The previous key and the secrets are unchanged.`
    )
    expect(w.journal.ops().slice(-1)).toEqual(['setStatus'])
    expect(w.aws.tags[w.run.intentTagKey]).toBe(intentMark())
  })
})

describe('rotate: marking the new key pending', () => {
  it('deletes the new key and clears the intent when the mark fails', async () => {
    const w = selfRun()
    w.aws.fail('tag', awsError('LimitExceeded', 409, 'too many tags'), {
      when: args => args[1] === NEW
    })
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      `Could not mark the new key (iam:TagUser on ${USER}: LimitExceeded: too many tags); without the mark a later run could not recognise it. Deleted the new key ${NEW_LABEL}. The previous key and the secrets are unchanged.`
    )
    expect(w.journal.ops()).toEqual(['tag', 'createKey', 'tag', 'deleteKey', 'untag', 'untag'])
    expect(w.aws.keys.has(NEW)).toBe(false)
    expect(w.aws.tags[w.run.intentTagKey]).toBeUndefined()
    expect(w.run.result.createdKeyId).toBeUndefined()
  })
})

describe('rotate: verifying the new key', () => {
  it('deletes the key and changes no secret when AWS never accepts it', async () => {
    const w = selfRun({ settings: { verifyTimeoutMs: 5_000 } })
    w.aws.probe = async () => {
      throw awsError('InvalidClientTokenId', 403)
    }
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      `The new key was not verified within verify-timeout (5s): AWS still answered InvalidClientTokenId (the key had not propagated). Deleted the new key ${NEW_LABEL}; the previous key ${OLD_LABEL} is still active and no secret was changed. The next run tries again; if this repeats, raise verify-timeout.`
    )
    expect(w.run.result.verification).toEqual({ attempts: 21, elapsedMs: 5_000 })
    expect(w.journal.ops().slice(-2)).toEqual(['deleteKey', 'untag'])
    expect(w.journal.ops()).not.toContain('write')
    expect(w.aws.keys.has(NEW)).toBe(false)
    expect(w.run.result.createdKeyId).toBeUndefined()
    expect(w.aws.youngKeys).toEqual([])
  })

  it('says so when STS names another user, and leaves out a previous key that does not exist', async () => {
    const w = adminRun()
    w.aws.probe = async () => 'arn:aws:iam::123456789012:user/someone-else'
    const error = await failureOf(rotate(w.run, firstKey))
    expect(error.message).toBe(
      `The new key was not verified within verify-timeout (2m): STS says the new key belongs to arn:aws:iam::123456789012:user/someone-else, not ${USER_ARN}. Deleted the new key ${NEW_LABEL}; no secret was changed. The next run tries again; if this repeats, raise verify-timeout.`
    )
  })

  it('stops when the run is cancelled while it verifies', async () => {
    const w = selfRun()
    w.cancellation.cancelled = true
    const error = await failureOf(rotate(w.run, step))
    expect(error.message).toBe(
      `The run was cancelled while AWS verified the new key. Deleted the new key ${NEW_LABEL}; the previous key ${OLD_LABEL} is still active and no secret was changed. The next run tries again; if this repeats, raise verify-timeout.`
    )
    expect(w.journal.ops().filter(op => op === 'probe')).toHaveLength(1)
    expect(w.journal.ops()).not.toContain('write')
  })
})

describe('rotate: writing the targets', () => {
  it('deletes the new key when no target could be written', async () => {
    const w = selfRun()
    w.secrets.fail('acme/web', new TargetError('acme/web', 'acme/web: 403 Forbidden', 403))
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      `No target could be written: 2 of 2 targets failed: acme/web: 403 Forbidden; acme/app: not written, because other targets failed. Deleted the new key ${NEW_LABEL}; the previous key ${OLD_LABEL} is still active and every target still holds it.`
    )
    expect(w.journal.ops().slice(-3)).toEqual(['write', 'deleteKey', 'untag'])
    expect(w.run.result).toMatchObject({ rotated: false, createdKeyId: undefined, current: OLD })
    expect(leaks(w, error)).toEqual([])
  })

  it("says no target was changed for a user's first key", async () => {
    const w = adminRun({ currentKeyId: undefined })
    w.secrets.fail('acme/web', new Error('boom'))
    const error = await failureOf(rotate(w.run, firstKey))
    expect(error.message).toBe(
      `No target could be written: 2 of 2 targets failed: boom; acme/app: not written, because other targets failed. Deleted the new key ${NEW_LABEL}; no target was changed.`
    )
  })

  it('keeps both keys when some targets hold the new one', async () => {
    const w = selfRun({
      targets: [repoTarget('acme/web'), repoTarget('acme/api'), repoTarget('acme/app')]
    })
    w.secrets.fail('acme/api', new Error('boom'))
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      `The new key ${NEW_LABEL} was written to 1 of 3 targets, not to every target: 2 of 3 targets failed: boom; acme/app: not written, because other targets failed. ` +
        'Both keys stay active, so every target holds a working key. ' +
        'The next run finishes this: a run that signs with the new key writes it everywhere, one that signs with the previous key writes that back and deletes the new one.'
    )
    expect(w.aws.keys.get(NEW)?.status).toBe('Active')
    expect(w.journal.ops()).not.toContain('deleteKey')
    expect(w.aws.tags[NEW]).toContain('state=pending')
    expect(w.run.result.rotated).toBe(false)
    expect(w.run.result.createdKeyId).toBe(NEW)
  })

  it('sets a half-written target back to the key it signs with', async () => {
    const w = selfRun()
    w.secrets.fail(
      'acme/web',
      new TargetError('acme/web', 'acme/web: half.', 502, 'AWS_SECRET_ACCESS_KEY')
    )
    const error = await failureOf(rotate(w.run, step))
    expect(error.message).toContain(
      `No target could be written: 2 of 2 targets failed: acme/web: half. Both of its secrets were set back: acme/web holds the pair of the previous key ${OLD_LABEL} again; acme/app: not written`
    )
    expect(w.secrets.held.get('acme/web')).toEqual({
      AWS_ACCESS_KEY_ID: OLD.accessKeyId,
      AWS_SECRET_ACCESS_KEY: OLD.secretAccessKey
    })
    expect(leaks(w, error)).toEqual([])
  })

  it('keeps the new key, which a mismatched target names, when it cannot set it back', async () => {
    const w = adminRun()
    w.secrets.fail(
      'acme/web',
      new TargetError('acme/web', 'acme/web: half.', 502, 'AWS_SECRET_ACCESS_KEY')
    )
    const error = await failureOf(rotate(w.run, step))
    expect(error.message).toBe(
      `The new key ${NEW_LABEL} was written to 0 of 2 targets, not to every target: 2 of 2 targets failed: acme/web: half. This run does not know the previous secret, so it cannot set the pair back: acme/web holds a mismatched pair, AWS_SECRET_ACCESS_KEY of ${NEW_LABEL} and AWS_ACCESS_KEY_ID as before; acme/app: not written, because other targets failed. ` +
        'Both keys stay active; acme/web holds a mismatched pair until a run writes it again. ' +
        'The next run finishes this: a run that signs with the new key writes it everywhere, one that signs with the previous key writes that back and deletes the new one.'
    )
    expect(w.journal.ops()).not.toContain('deleteKey')
    expect(w.run.result.mismatched).toEqual(['acme/web'])
  })

  it('verifies the new key before it writes any target', async () => {
    const w = selfRun()
    await rotate(w.run, step)
    const lastProbe = w.journal.ops().lastIndexOf('probe')
    const firstWrite = w.journal.ops().indexOf('write')
    expect(lastProbe).toBeGreaterThan(0)
    expect(lastProbe).toBeLessThan(firstWrite)
  })
})

describe('rotate: marking the key distributed', () => {
  it('stops with both keys active when the mark fails', async () => {
    const w = selfRun()
    w.aws.fail('tag', awsError('ServiceFailure', 500, 'down'), {
      when: args => String(args[2]).includes('state=active')
    })
    const error = await failureOf(rotate(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      `Every target holds the new key ${NEW_LABEL}, but marking it distributed failed (ServiceFailure: down). Both keys stay active; the next run (signing with the new key) marks it and retires the previous key.`
    )
    expect(w.run.result.rotated).toBe(false)
    expect(w.run.result.current).toBe(OLD)
    expect(w.run.result.written).toEqual(['acme/web', 'acme/app'])
  })

  it('writes the previous key back when AWS rejects the new key’s own mark: a person deleted it after the last look', async () => {
    const w = selfRun()
    w.aws.fail('tag', awsError('InvalidClientTokenId', 403, 'The security token is invalid'), {
      when: args => {
        if (!String(args[2]).includes('state=active')) return false
        w.aws.keys.delete(NEW)
        return true
      }
    })
    const error = await failureOf(rotate(w.run, step))
    expect(error.message).toBe(
      `${NEW_LABEL}, the key this run was writing to the targets, is deleted (someone changed it during this run), so ${OLD_LABEL} stays active. ` +
        `This run wrote ${OLD_LABEL} back to every target, so every target works again; the next run rotates afresh.`
    )
    expect(w.run.result.current).toBe(OLD)
    expect(w.run.result.lostKey).toEqual({ keyId: NEW, status: 'deleted' })
    expect(w.journal.lines().slice(-2)).toEqual([
      `write acme/web [${OLD.accessKeyId},${OLD.secretAccessKey}]`,
      `write acme/app [${OLD.accessKeyId},${OLD.secretAccessKey}]`
    ])
  })

  it.each([
    {
      who: 'an admin run (its role signs the mark)',
      run: () => adminRun(),
      code: 'InvalidClientTokenId'
    },
    { who: 'another error', run: () => selfRun(), code: 'ServiceFailure' }
  ])('keeps the plain message for $who, even with the new key gone', async ({ run, code }) => {
    const w = run()
    w.aws.fail('tag', awsError(code, 403, 'no'), {
      when: args => {
        if (!String(args[2]).includes('state=active')) return false
        w.aws.keys.delete(NEW)
        return true
      }
    })
    const error = await failureOf(rotate(w.run, step))
    expect(error.message).toMatch(
      /^Every target holds the new key .* marking it distributed failed/
    )
  })

  it('keeps the plain message when the rejected mark’s key reads active again', async () => {
    const w = selfRun()
    w.aws.fail('tag', awsError('InvalidClientTokenId', 403, 'The security token is invalid'), {
      when: args => String(args[2]).includes('state=active')
    })
    const error = await failureOf(rotate(w.run, step))
    expect(error.message).toMatch(
      /^Every target holds the new key .* marking it distributed failed \(InvalidClientTokenId/
    )
    expect(w.run.result.current).toBe(OLD)
  })
})
