import { StepFailure, Yield } from '../src/errors.js'
import {
  deactivateKey,
  deleteKey,
  discard,
  reactivateKey,
  retireOrphan,
  setAside
} from '../src/steps/keys.js'
import { readMark } from '../src/marks.js'
import { sideProblem } from '../src/steps/run.js'
import {
  awsError,
  failureOf,
  keyState,
  OLD,
  START,
  USER,
  world,
  type World
} from './fakes/ports.js'

const OTHER = 'AKIAOTHERKEY00000002'
const NEW = 'AKIANEWKEY0000000009'
const AT = '2026-11-22T10:00:00Z'
const RUN = 'run=4242.2'
const REPO = 'repo=acme/app'
const NEWER = { accessKeyId: NEW, secretAccessKey: 'newer-secret-0000000000000000000000000' }
const ADMIN = {
  accessKeyId: 'AKIAADMINKEY00000007',
  secretAccessKey: 'admin-secret-0000000000000000000000000'
}

describe('delete-key', () => {
  it('deletes the key, then removes its mark, and records it', async () => {
    const retired = 'rotate-aws-access-keys v1 state=retired at=2026-11-01T00:00:00Z run=9.1'
    // The run saw the key with this very mark.
    const w = world({
      snapshot: {
        keys: [keyState(OTHER, 'Inactive', readMark(retired))]
      }
    })
    w.aws.addKey(OTHER, { status: 'Inactive' })
    w.aws.tags[OTHER] = retired
    await deleteKey(w.run, { kind: 'delete-key', keyId: OTHER, reason: 'retired 7d ago' })
    // Its status and its mark are read again first (the key re-read is left out of the journal).
    expect(w.journal.lines()).toEqual([
      `listTags ${USER}`,
      `deleteKey ${USER} ${OTHER}`,
      `untag ${USER} ${OTHER}`
    ])
    expect(w.aws.keys.has(OTHER)).toBe(false)
    expect(w.aws.tags[OTHER]).toBeUndefined()
    expect(w.run.result.deleted).toEqual([OTHER])
    expect(w.log.infos).toEqual(['Deleted key AKIA…0002: retired 7d ago.'])
    expect(w.log.warnings).toEqual([])
    expect(w.run.result.permissionProblems).toEqual([])
  })

  it('signs with the run client (the new key after a self-rotation switch)', async () => {
    const w = world()
    w.aws.addKey(OTHER, { status: 'Inactive' })
    w.run.aws = w.aws.client('young')
    await deleteKey(w.run, { kind: 'delete-key', keyId: OTHER, reason: 'r' })
    expect(w.journal.calls.map(call => call.by)).toEqual(['aws', 'aws', 'young', 'young'])
  })

  it('fails, and records nothing, when the delete fails', async () => {
    const w = world()
    w.aws.addKey(OTHER, { status: 'Inactive' })
    const error = awsError('ServiceFailure', 500)
    w.aws.fail('deleteKey', error)
    await expect(deleteKey(w.run, { kind: 'delete-key', keyId: OTHER, reason: 'r' })).rejects.toBe(
      error
    )
    expect(w.journal.ops()).toEqual(['listTags', 'deleteKey'])
    expect(w.run.result.deleted).toEqual([])
  })

  it('warns when the mark could not be removed for a passing fault', async () => {
    const w = world()
    w.aws.addKey(OTHER, { status: 'Inactive' })
    w.aws.fail('untag', awsError('ServiceFailure', 500, 'try later'))
    await deleteKey(w.run, { kind: 'delete-key', keyId: OTHER, reason: 'r' })
    expect(w.run.result.deleted).toEqual([OTHER])
    expect(w.log.warnings).toEqual([
      'Deleted key AKIA…0002 but could not remove its tag: ServiceFailure: try later'
    ])
    expect(w.run.result.permissionProblems).toEqual([])
  })

  it('fails the run at the end when a permission to remove the mark is missing', async () => {
    const w = world()
    w.aws.addKey(OTHER, { status: 'Inactive' })
    w.aws.fail('untag', awsError('AccessDenied', 403, 'no iam:UntagUser'))
    await deleteKey(w.run, { kind: 'delete-key', keyId: OTHER, reason: 'r' })
    expect(w.log.warnings).toEqual([])
    expect(w.run.result.permissionProblems).toEqual([
      'Deleted key AKIA…0002 but could not remove its tag: AccessDenied: no iam:UntagUser'
    ])
  })
})

describe('retire-orphan (setAside)', () => {
  const INTENT = { tagKey: 'rotate-aws-access-keys:intent:7.1.abcd', value: 'creating' }
  const orphanStep = { kind: 'retire-orphan' as const, keyId: OTHER, reason: 'r', intent: INTENT }
  /** A dead run's intent and the unmarked key it pins, as the planner saw them. */
  const pinned = () => {
    const w = world()
    w.aws.addKey(OTHER)
    w.aws.tags[INTENT.tagKey] = INTENT.value
    return w
  }

  it('reads the evidence again over three seconds, then deactivates the key and marks it a retired orphan', async () => {
    const w = pinned()
    await retireOrphan(w.run, { ...orphanStep, reason: 'dead run' })
    expect(w.clock.slept).toEqual([1_000, 2_000])
    // The journal leaves out re-reads of the keys: the two tag reads come first.
    expect(w.journal.ops().slice(0, 2)).toEqual(['listTags', 'listTags'])
    expect(w.journal.lines().slice(2)).toEqual([
      `setStatus ${USER} ${OTHER} Inactive`,
      `tag ${USER} ${OTHER} rotate-aws-access-keys v1 state=retired at=2026-11-22T10:00:03Z ${RUN} orphan=yes ${REPO}`
    ])
    expect(w.aws.keys.get(OTHER)?.status).toBe('Inactive')
    expect(w.run.result.deactivated).toEqual([OTHER])
    expect(w.run.result.setAside).toEqual([OTHER])
    expect(w.log.infos).toEqual(['Set aside AKIA…0002: deactivated and marked a retired orphan.'])
    expect(w.log.warnings).toEqual([])
  })

  it('marks with the time of the run clock', async () => {
    const w = world()
    w.clock.advance(3_600_000)
    await setAside(w.run, OTHER)
    expect(w.aws.tags[OTHER]).toContain('at=2026-11-22T11:00:00Z')
  })

  it('signs with the run own credentials, not the switched client', async () => {
    const w = world()
    w.run.aws = w.aws.client('young')
    await setAside(w.run, OTHER)
    expect(w.journal.calls.map(call => call.by)).toEqual(['aws', 'aws'])
  })

  it('keeps the key deactivated and warns when the mark fails', async () => {
    const w = world()
    w.aws.fail('tag', awsError('LimitExceeded', 409, 'too many tags'))
    w.aws.tags[INTENT.tagKey] = INTENT.value
    w.aws.addKey(OTHER)
    await retireOrphan(w.run, orphanStep)
    expect(w.run.result.deactivated).toEqual([OTHER])
    expect(w.run.result.setAside).toEqual([OTHER])
    expect(w.log.warnings).toEqual([
      "Deactivated AKIA…0002 but could not mark it (LimitExceeded: too many tags): it now counts as a person's inactive key, kept until a person deletes it."
    ])
    expect(w.log.infos).toEqual(['Set aside AKIA…0002: deactivated and marked a retired orphan.'])
  })

  it('fails, changing nothing else, when the key cannot be deactivated', async () => {
    const w = world()
    w.aws.fail('setStatus', awsError('AccessDenied', 403, 'denied'))
    w.aws.tags[INTENT.tagKey] = INTENT.value
    w.aws.addKey(OTHER)
    const error = await failureOf(retireOrphan(w.run, orphanStep))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      'Could not deactivate AKIA…0002, a key a dead run made and never marked (AccessDenied: denied). Nothing else was changed; the next run tries again.'
    )
    expect(w.journal.ops().slice(-1)).toEqual(['setStatus'])
    expect(w.run.result.deactivated).toEqual([])
    expect(w.run.result.setAside).toEqual([])
  })

  it.each([
    [
      'the intent mark that pinned it is gone',
      (w: ReturnType<typeof pinned>) => delete w.aws.tags[INTENT.tagKey]
    ],
    [
      'it now carries a mark',
      (w: ReturnType<typeof pinned>) =>
        (w.aws.tags[OTHER] = 'rotate-aws-access-keys v1 state=pending at=2026-11-22T10:00:00Z')
    ],
    [
      'it is no longer active',
      (w: ReturnType<typeof pinned>) => {
        const key = w.aws.keys.get(OTHER)
        if (key) key.status = 'Inactive'
      }
    ],
    ['it is no longer active', (w: ReturnType<typeof pinned>) => w.aws.keys.delete(OTHER)]
  ])(
    'deactivates nothing when a second look finds %s (a lagging read showed the past)',
    async (why, change) => {
      const w = pinned()
      w.clock.onSleep = () => change(w)
      const error = await failureOf(retireOrphan(w.run, orphanStep))
      expect(error).toBeInstanceOf(Yield)
      expect(error.message).toBe(
        `Did not set aside AKIA…0002: read again, ${why} (another run settled it, or a person acted). Nothing was deactivated; the next run decides afresh.`
      )
      expect(w.journal.ops()).not.toContain('setStatus')
      // The first changed read decides: no second pause.
      expect(w.clock.slept).toEqual([1_000])
    }
  )
})

describe('discard', () => {
  it('deletes the new key and its mark, and forgets it', async () => {
    const w = world()
    w.run.result.createdKeyId = NEW
    const said = await discard(w.run, NEW)
    expect(said).toBe('Deleted the new key AKIA…0009')
    expect(w.journal.lines()).toEqual([`deleteKey ${USER} ${NEW}`, `untag ${USER} ${NEW}`])
    expect(w.run.result.createdKeyId).toBeUndefined()
  })

  it('signs with the run own credentials', async () => {
    const w = world()
    w.run.aws = w.aws.client('young')
    await discard(w.run, NEW)
    expect(w.journal.calls.map(call => call.by)).toEqual(['aws', 'aws'])
  })

  it('still reports the key deleted when its mark cannot be removed', async () => {
    const w = world()
    w.run.result.createdKeyId = NEW
    w.aws.fail('untag', awsError('ServiceFailure', 500))
    expect(await discard(w.run, NEW)).toBe('Deleted the new key AKIA…0009')
    expect(w.run.result.createdKeyId).toBeUndefined()
  })

  it('says what to do when the key cannot be deleted, and keeps it on record', async () => {
    const w = world()
    w.run.result.createdKeyId = NEW
    w.aws.fail('deleteKey', awsError('ServiceFailure', 500, 'boom'))
    expect(await discard(w.run, NEW)).toBe(
      'Could not delete the new key AKIA…0009 (ServiceFailure: boom); no target holds it, so delete it in the IAM console, or let the next run do it'
    )
    expect(w.journal.ops()).toEqual(['deleteKey'])
    expect(w.run.result.createdKeyId).toBe(NEW)
  })
})

describe('reactivate-key', () => {
  it('makes the key active, records it, then marks it reactivated', async () => {
    const w = world()
    w.aws.addKey(OTHER, { status: 'Inactive' })
    await reactivateKey(w.run, { kind: 'reactivate-key', keyId: OTHER })
    expect(w.journal.lines()).toEqual([
      `setStatus ${USER} ${OTHER} Active`,
      `tag ${USER} ${OTHER} rotate-aws-access-keys v1 state=reactivated at=${AT} ${RUN} ${REPO}`
    ])
    expect(w.aws.keys.get(OTHER)?.status).toBe('Active')
    expect(w.run.result.reactivated).toEqual([OTHER])
    expect(w.log.infos).toEqual(['Reactivated key AKIA…0002; every target keeps the current key.'])
    expect(w.log.warnings).toEqual([])
  })

  it('fails with the key left inactive when IAM refuses', async () => {
    const w = world()
    w.aws.fail('setStatus', awsError('AccessDenied', 403, 'nope'))
    const error = await failureOf(reactivateKey(w.run, { kind: 'reactivate-key', keyId: OTHER }))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      'Could not reactivate AKIA…0002 (iam:UpdateAccessKey: AccessDenied: nope). It stays inactive; every target still holds the current key.'
    )
    expect(w.journal.ops()).toEqual(['setStatus'])
    expect(w.run.result.reactivated).toEqual([])
  })

  it('keeps the key active and warns when the mark fails', async () => {
    const w = world()
    w.aws.fail('tag', awsError('ServiceFailure', 500, 'down'))
    await reactivateKey(w.run, { kind: 'reactivate-key', keyId: OTHER })
    expect(w.run.result.reactivated).toEqual([OTHER])
    expect(w.log.warnings).toEqual([
      'AKIA…0002 is active, but marking it reactivated failed (ServiceFailure: down); the next run records it.'
    ])
  })
})

describe('deactivate-key', () => {
  const step = { kind: 'deactivate-key', keyId: OLD.accessKeyId, reason: 'replaced' } as const

  it('deactivates the previous key, then marks it retired', async () => {
    const w = world()
    await deactivateKey(w.run, step)
    expect(w.journal.lines()).toEqual([
      `setStatus ${USER} ${OLD.accessKeyId} Inactive`,
      `tag ${USER} ${OLD.accessKeyId} rotate-aws-access-keys v1 state=retired at=${AT} ${RUN} ${REPO}`
    ])
    expect(w.aws.keys.get(OLD.accessKeyId)?.status).toBe('Inactive')
    expect(w.run.result.deactivated).toEqual([OLD.accessKeyId])
    expect(w.run.result.setAside).toEqual([])
    expect(w.log.infos).toEqual(['Deactivated key AKIA…0001: replaced.'])
    expect(w.log.warnings).toEqual([])
  })

  it('signs with the run client (the new key in self-rotation)', async () => {
    const w = world()
    w.run.aws = w.aws.client('young')
    w.run.distributionStartedAt = START
    await deactivateKey(w.run, step)
    expect(w.journal.calls.map(call => `${call.by} ${call.op}`)).toEqual([
      'young setStatus',
      'young lastUse',
      'young tag'
    ])
  })

  it('fails with the previous key active when IAM refuses', async () => {
    const w = world()
    w.aws.fail('setStatus', awsError('AccessDenied', 403, 'nope'))
    const error = await failureOf(deactivateKey(w.run, step))
    expect(error).toBeInstanceOf(StepFailure)
    expect(error.message).toBe(
      'Could not deactivate the previous key AKIA…0001 (AccessDenied: nope). Every target holds the new key; the previous key stays active until a later run deactivates it.'
    )
    expect(w.journal.ops()).toEqual(['setStatus'])
    expect(w.run.result.deactivated).toEqual([])
  })

  it('warns when the retired mark fails, after deactivating', async () => {
    const w = world()
    w.aws.fail('tag', awsError('ServiceFailure', 500, 'down'))
    await deactivateKey(w.run, step)
    expect(w.run.result.deactivated).toEqual([OLD.accessKeyId])
    expect(w.log.warnings).toEqual([
      'Deactivated AKIA…0001 but could not mark it retired (ServiceFailure: down); it will be deleted when a rotation needs its slot.'
    ])
  })

  it('fails and says how to repair when AWS rejects the key every target holds right after', async () => {
    const w = world()
    w.aws.addKey(OTHER)
    w.run.aws = w.aws.client('young')
    w.run.recheckSigner = { aws: w.aws.client('young'), keyId: OTHER }
    const rejected = awsError('InvalidClientTokenId', 403, 'The security token is invalid')
    w.aws.fail('tag', rejected)
    w.aws.fail('recheckKeys', rejected)
    const error = await failureOf(deactivateKey(w.run, step))
    expect(error.message).toBe(
      'Deactivated AKIA…0001; right after, AKIA…0002, the key every target holds, is no longer accepted by AWS (deactivated or deleted): someone changed it during this run, after its last check. No target has a working key now. ' +
        'To repair: if AKIA…0002 was switched off, make it active again in the IAM console (Access keys, Actions, Activate) and every target works again; ' +
        'if it was deleted, rotate from an IAM role (admin mode) with force: true, which writes a new key to every target.'
    )
    expect(w.run.result.lostKey).toEqual({ keyId: OTHER, status: 'rejected' })
  })

  it('only warns about a rejected retired mark while the key every target holds still lists', async () => {
    const w = world()
    w.aws.addKey(OTHER)
    w.run.recheckSigner = { aws: w.aws.client('young'), keyId: OTHER }
    w.aws.fail('tag', awsError('InvalidClientTokenId', 403, 'The security token is invalid'))
    await deactivateKey(w.run, step)
    expect(w.log.warnings).toEqual([
      'Deactivated AKIA…0001 but could not mark it retired (InvalidClientTokenId: The security token is invalid); it will be deleted when a rotation needs its slot.'
    ])
  })

  it.each([
    {
      when: 'in admin mode (the role signs, not the key)',
      admin: true,
      arrange: (w: World) => {
        w.run.recheckSigner = { aws: w.aws.client('young'), keyId: OTHER }
        w.aws.fail('tag', awsError('InvalidClientTokenId', 403, 'invalid'))
      }
    },
    {
      when: 'when the run signs with the key it deactivated',
      arrange: (w: World) => w.aws.fail('tag', awsError('InvalidClientTokenId', 403, 'invalid'))
    },
    {
      when: 'for another error',
      arrange: (w: World) => {
        w.run.recheckSigner = { aws: w.aws.client('young'), keyId: OTHER }
        w.aws.fail('tag', awsError('ServiceFailure', 500, 'invalid'))
      }
    }
  ])(
    'a failed retired mark is only a warning $when, whatever IAM lists',
    async ({ arrange, admin }) => {
      const w = world(admin ? { snapshot: { mode: 'admin' } } : {})
      w.aws.fail('recheckKeys', awsError('InvalidClientTokenId', 403, 'invalid'))
      arrange(w)
      await deactivateKey(w.run, step)
      expect(w.log.warnings).toEqual([
        expect.stringMatching(/^Deactivated AKIA…0001 but could not mark it retired/)
      ])
    }
  )

  it("passes on the planner's warning without reading the last use", async () => {
    const w = world()
    w.run.distributionStartedAt = START
    w.aws.keys.get(OLD.accessKeyId)!.lastUsed = {
      at: START + 1,
      service: 's3',
      region: 'eu-west-1'
    }
    await deactivateKey(w.run, { ...step, warning: 'used yesterday' })
    expect(w.log.warnings).toEqual(['used yesterday'])
    expect(w.journal.ops()).toEqual(['setStatus', 'tag'])
  })

  it('reads no last use when this run wrote no key', async () => {
    const w = world()
    w.aws.keys.get(OLD.accessKeyId)!.lastUsed = {
      at: START + 1,
      service: 's3',
      region: 'eu-west-1'
    }
    await deactivateKey(w.run, step)
    expect(w.journal.ops()).toEqual(['setStatus', 'tag'])
    expect(w.log.warnings).toEqual([])
  })

  it('warns when the previous key was used after this run began writing the new one', async () => {
    const w = world()
    w.run.distributionStartedAt = START
    w.aws.keys.get(OLD.accessKeyId)!.lastUsed = {
      at: START + 1000,
      service: 's3',
      region: 'eu-west-1'
    }
    await deactivateKey(w.run, step)
    expect(w.journal.lines()[1]).toBe(`lastUse ${OLD.accessKeyId}`)
    expect(w.log.warnings).toEqual([
      'AKIA…0001 was used at 2026-11-22T10:00:01Z (s3, eu-west-1), while this run was writing the new key: something outside the targets may still use it. It is only deactivated: if something breaks, run with reactivate-previous (or re-activate it in the IAM console) until delete-after passes.'
    ])
  })

  it('says nothing of a use at or before the moment this run began writing', async () => {
    for (const at of [START, START - 1]) {
      const w = world()
      w.run.distributionStartedAt = START
      w.aws.keys.get(OLD.accessKeyId)!.lastUsed = { at, service: 's3', region: 'eu-west-1' }
      await deactivateKey(w.run, step)
      expect(w.log.warnings).toEqual([])
    }
  })

  it('says nothing when the key was never used', async () => {
    const w = world()
    w.run.distributionStartedAt = START
    await deactivateKey(w.run, step)
    expect(w.journal.ops()).toEqual(['setStatus', 'lastUse', 'tag'])
    expect(w.log.warnings).toEqual([])
  })

  it('logs, and goes on, when the last use cannot be read', async () => {
    const w = world()
    w.run.distributionStartedAt = START
    w.aws.fail('lastUse', awsError('AccessDenied', 403, 'no GetAccessKeyLastUsed'))
    await deactivateKey(w.run, step)
    expect(w.log.warnings).toEqual([])
    expect(w.log.infos).toEqual([
      'Deactivated key AKIA…0001: replaced.',
      'Could not read the last use of AKIA…0001 (AccessDenied: no GetAccessKeyLastUsed).'
    ])
    expect(w.journal.ops()).toEqual(['setStatus', 'lastUse', 'tag'])
    expect(w.run.result.deactivated).toEqual([OLD.accessKeyId])
  })
})

describe('sideProblem', () => {
  it('counts only AccessDenied as a permission problem', () => {
    const w = world()
    sideProblem(w.run, awsError('AccessDenied', 403), 'needs a grant')
    sideProblem(w.run, awsError('Throttling', 400), 'passing')
    sideProblem(w.run, 'a string', 'odd')
    expect(w.run.result.permissionProblems).toEqual(['needs a grant'])
    expect(w.log.warnings).toEqual(['passing', 'odd'])
  })
})

describe('right before deleting, the key is read again', () => {
  const step = { kind: 'delete-key', keyId: OTHER, reason: 'retired 7d ago' } as const

  it('compares with what the run saw of that very key, not of another', async () => {
    const w = world({
      snapshot: { keys: [keyState(OLD.accessKeyId, 'Active'), keyState(OTHER, 'Inactive')] }
    })
    w.aws.addKey(OTHER, { status: 'Active' })
    await deleteKey(w.run, step)
    expect(w.aws.keys.has(OTHER)).toBe(true)
  })
  const seenInactive = () =>
    world({
      snapshot: {
        keys: [keyState(OTHER, 'Inactive')]
      }
    })

  it('leaves alone a key a person made active again after the run looked', async () => {
    const w = seenInactive()
    w.aws.addKey(OTHER, { status: 'Active' })
    await deleteKey(w.run, step)
    expect(w.aws.keys.has(OTHER)).toBe(true)
    expect(w.journal.ops()).toEqual([])
    expect(w.run.result.deleted).toEqual([])
    expect(w.log.warnings).toEqual([
      'Did not delete AKIA…0002: it was made active again after this run looked, so someone may need it. It is left alone; deactivate it in the IAM console when nothing uses it, and a later run deletes it.'
    ])
  })

  it('deletes nothing more when the key is already gone', async () => {
    const w = seenInactive()
    await deleteKey(w.run, step)
    expect(w.journal.ops()).toEqual([])
    expect(w.log.infos).toEqual(['Key AKIA…0002 is already deleted.'])
  })

  it('leaves alone a key another run marked since this run looked, not one this run marked itself', async () => {
    const theirs = 'rotate-aws-access-keys v1 state=pending at=2026-11-22T10:00:00Z run=77.1'
    const w = seenInactive()
    w.aws.addKey(OTHER, { status: 'Inactive' })
    w.aws.tags[OTHER] = theirs
    await deleteKey(w.run, step)
    expect(w.aws.keys.has(OTHER)).toBe(true)
    expect(w.log.warnings).toEqual([
      'Did not delete AKIA…0002: its mark changed after this run looked (run 77 marked it since). It is left alone; a later run decides afresh.'
    ])
    w.aws.tags[OTHER] = theirs.replace('run=77.1', 'run=4242.2')
    await deleteKey(w.run, step)
    expect(w.aws.keys.has(OTHER)).toBe(false)
  })

  it.each([
    ['mark', 'listTags'],
    ['status', 'recheckKeys']
  ] as const)('deletes nothing when the %s cannot be read again', async (what, op) => {
    const w = seenInactive()
    w.aws.addKey(OTHER, { status: 'Inactive' })
    w.aws.fail(op, awsError('ServiceFailure', 500, 'down'))
    const error = await failureOf(deleteKey(w.run, step))
    expect(error.message).toBe(
      `Did not delete AKIA…0002: this run could not read its ${what} again right before (ServiceFailure: down). Nothing was deleted; the next run tries again.`
    )
    expect(w.aws.keys.has(OTHER)).toBe(true)
  })
})

describe('right before deactivating the previous key, the key the targets hold is read again', () => {
  const step = { kind: 'deactivate-key', keyId: OLD.accessKeyId, reason: 'replaced' } as const
  /** An admin run that wrote NEWER to every target and holds its secret. */
  function adminAfterRotation() {
    const w = world({
      signing: ADMIN,
      currentKeyId: OLD.accessKeyId,
      snapshot: { mode: 'admin', signingKeyId: undefined }
    })
    w.aws.addKey(NEWER.accessKeyId, { secret: NEWER.secretAccessKey })
    w.run.result.current = NEWER
    return w
  }

  it('deactivates once IAM lists it active and STS accepts it', async () => {
    const w = adminAfterRotation()
    await deactivateKey(w.run, step)
    expect(w.aws.keys.get(OLD.accessKeyId)?.status).toBe('Inactive')
    expect(w.journal.ops().slice(0, 2)).toEqual(['probe', 'setStatus'])
  })

  it.each([
    [
      'deactivated',
      (w: ReturnType<typeof world>) => w.aws.addKey(NEWER.accessKeyId, { status: 'Inactive' }),
      'inactive'
    ],
    ['deleted', (w: ReturnType<typeof world>) => w.aws.keys.delete(NEWER.accessKeyId), 'deleted']
  ])(
    'admin mode, the new key %s by a person: the previous key stays, and the message says so',
    async (_what, act, word) => {
      const w = adminAfterRotation()
      act(w)
      const error = await failureOf(deactivateKey(w.run, step))
      expect(error).toBeInstanceOf(StepFailure)
      expect(error.message).toBe(
        `Did not deactivate AKIA…0001: AKIA…0009, the key this run relied on, is ${word} (someone changed it during this run), so AKIA…0001 stays active. ` +
          'Every target holds AKIA…0009, which no longer works. To repair: if AKIA…0009 was switched off by mistake, make it active again in the IAM console (Access keys, Actions, Activate); ' +
          'otherwise run this workflow again with force: true, which deletes AKIA…0009 if it is still there and writes a new key to every target.'
      )
      expect(w.aws.keys.get(OLD.accessKeyId)?.status).toBe('Active')
      expect(w.run.result.lostKey?.keyId).toBe(NEWER.accessKeyId)
      // Read three times over three seconds before it counts as lost.
      expect(w.clock.slept).toEqual([1_000, 2_000])
    }
  )

  it("a rejection of the run's own credentials is no evidence against the key: it is unknown, and nothing is deactivated", async () => {
    const w = adminAfterRotation()
    w.aws.fail('recheckKeys', awsError('InvalidClientTokenId', 403, 'session expired'))
    const error = await failureOf(deactivateKey(w.run, step))
    expect(error.message).toBe(
      'Did not deactivate AKIA…0001: this run could not confirm that AKIA…0009, the key the targets hold, is still active (InvalidClientTokenId: session expired). AKIA…0001 stays active; the next run tries again.'
    )
    expect(w.run.result.lostKey).toBeUndefined()
    expect(w.aws.keys.get(OLD.accessKeyId)?.status).toBe('Active')
  })

  it('a key IAM lists active but STS rejects three times counts as lost', async () => {
    const w = adminAfterRotation()
    w.aws.probe = async () => {
      throw awsError('InvalidClientTokenId', 403)
    }
    await failureOf(deactivateKey(w.run, step))
    expect(w.aws.keys.get(OLD.accessKeyId)?.status).toBe('Active')
    expect(w.journal.ops()).toEqual(['probe', 'probe', 'probe'])
    expect(w.log.infos).toContain(
      'STS rejected AKIA…0009 three times: InvalidClientTokenId happened.'
    )
    expect(w.run.result.lostKey).toEqual({ keyId: NEWER.accessKeyId, status: 'rejected' })
  })

  it('self-rotation signing with the previous key writes it back to every target', async () => {
    const w = world()
    w.aws.addKey(NEWER.accessKeyId, { status: 'Inactive', secret: NEWER.secretAccessKey })
    w.run.result.current = NEWER
    const error = await failureOf(deactivateKey(w.run, step))
    expect(error.message).toBe(
      'Did not deactivate AKIA…0001: AKIA…0009, the key this run relied on, is inactive (someone changed it during this run), so AKIA…0001 stays active. ' +
        'This run wrote AKIA…0001 back to every target, so every target works again; the next run rotates afresh.'
    )
    expect(w.journal.ops()).toEqual(['write', 'write'])
    expect(w.run.result.current).toBe(OLD)
    expect(w.aws.keys.get(OLD.accessKeyId)?.status).toBe('Active')
  })
})
