import type { Aws } from '../src/aws.js'
import { InputError, Refusal } from '../src/errors.js'
import { observe, observeTargetWrites } from '../src/observe.js'
import type { Target } from '../src/targets.js'

const run = { repository: 'acme/app', runId: '1', attempt: '1' }
const unknownRun = () => Promise.resolve('unknown' as const)

/** An Aws that answers only who is calling; any other call fails the test. */
function callerOnly(arn: string): Aws {
  const handler: ProxyHandler<object> = {
    get: (_target, name) => {
      if (name === 'callerIdentity')
        return () => Promise.resolve({ arn, accountId: '123456789012' })
      if (name === 'signingCredentials')
        return () => Promise.resolve({ accessKeyId: 'AKIAEXAMPLEEXAMPLE12', secretAccessKey: 'x' })
      return () => Promise.reject(new Error(`unexpected call ${String(name)}`))
    }
  }
  return new Proxy({}, handler) as Aws
}

/** The deploy user calling as itself with `signingKeyId`: who it is, its user, and its ARN. */
function selfAnswers(signingKeyId: string): Record<string, () => Promise<unknown>> {
  return {
    signingCredentials: () => Promise.resolve({ accessKeyId: signingKeyId, secretAccessKey: 'x' }),
    callerIdentity: () =>
      Promise.resolve({ arn: 'arn:aws:iam::123456789012:user/deploy', accountId: '123456789012' }),
    getUserArn: () => Promise.resolve('arn:aws:iam::123456789012:user/deploy')
  }
}

describe('observe', () => {
  it('refuses root credentials with the root explanation, not an input error', async () => {
    const caught = await observe(
      callerOnly('arn:aws:iam::123456789012:root'),
      { iamUserName: undefined, run, awsRegion: 'us-east-1' },
      unknownRun,
      () => undefined
    ).catch((error: unknown) => error)
    expect(caught).toBeInstanceOf(Refusal)
    expect((caught as Error).message).toMatch(/account root user/)
  })

  it('asks for iam-user-name when a role calls without one', async () => {
    const caught = await observe(
      callerOnly('arn:aws:sts::123456789012:assumed-role/rotator/session'),
      { iamUserName: undefined, run, awsRegion: 'us-east-1' },
      unknownRun,
      () => undefined
    ).catch((error: unknown) => error)
    expect(caught).toBeInstanceOf(InputError)
    expect((caught as InputError).input).toBe('iam-user-name')
  })

  it('masks the signing credentials before the first request signed with them', async () => {
    const events: string[] = []
    const aws = new Proxy({} as Aws, {
      get: (_target, name) => {
        if (name === 'signingCredentials')
          return () => {
            events.push('credentials')
            return Promise.resolve({ accessKeyId: 'AKIAEXAMPLEEXAMPLE12', secretAccessKey: 'x' })
          }
        return () => {
          events.push(String(name))
          return Promise.reject(new Error('stop here'))
        }
      }
    })
    await observe(aws, { iamUserName: undefined, run, awsRegion: 'us-east-1' }, unknownRun, () => {
      events.push('masked')
    }).catch(() => undefined)
    expect(events.slice(0, 3)).toEqual(['credentials', 'masked', 'callerIdentity'])
  })

  it("reads AWS's quarantine and the action's record of it; a refused read is unknown, not fatal", async () => {
    const kept = 'AKIAEXAMPLEEXAMPLE12'
    const answering = (policies: () => Promise<string[]>, tags: Record<string, string>) =>
      new Proxy({} as Aws, {
        get: (_target, name) =>
          ({
            ...selfAnswers(kept),
            listKeys: () => Promise.resolve([{ id: kept, status: 'Active', createdAt: 0 }]),
            listTags: () => Promise.resolve(tags),
            lastUse: () => Promise.resolve(undefined),
            attachedPolicyNames: policies
          })[String(name)]
      })
    const settings = { iamUserName: undefined, run, awsRegion: 'us-east-1' }
    const record = `rotate-aws-access-keys v1 seen=2026-11-22T10:00:00Z keys=${kept}`
    const quarantined = await observe(
      answering(() => Promise.resolve(['IAMReadOnlyAccess', 'AWSCompromisedKeyQuarantineV2']), {
        'rotate-aws-access-keys:quarantine': record
      }),
      settings,
      unknownRun,
      () => undefined
    )
    expect(quarantined.snapshot.quarantine).toEqual({
      kind: 'quarantined',
      policyName: 'AWSCompromisedKeyQuarantineV2'
    })
    expect(quarantined.snapshot.quarantineRecord).toEqual({
      seenAt: Date.parse('2026-11-22T10:00:00Z'),
      keyIds: [kept]
    })
    const none = await observe(
      answering(() => Promise.resolve(['IAMReadOnlyAccess']), {
        'rotate-aws-access-keys:quarantine': 'garbled'
      }),
      settings,
      unknownRun,
      () => undefined
    )
    expect(none.snapshot.quarantine).toEqual({ kind: 'none' })
    expect(none.snapshot.quarantineRecord).toBe('unreadable')
    const refused = await observe(
      answering(() => Promise.reject(Object.assign(new Error('no'), { name: 'AccessDenied' })), {}),
      settings,
      unknownRun,
      () => undefined
    )
    expect(refused.snapshot.quarantine).toEqual({ kind: 'unknown', reason: 'no' })
    expect(refused.snapshot).not.toHaveProperty('quarantineRecord')
  })

  it('takes a listed key that GetAccessKeyLastUsed no longer knows for deleted (a stale listing), keeping its mark as stale', async () => {
    const gone = 'AKIAGONEGONEGONE0001'
    const kept = 'AKIAEXAMPLEEXAMPLE12'
    const mark =
      'rotate-aws-access-keys v1 state=pending at=2026-11-22T10:00:00Z run=9.1 prev=AKIAEXAMPLEEXAMPLE12'
    const answers: Record<string, () => Promise<unknown>> = {
      ...selfAnswers(kept),
      listKeys: () =>
        Promise.resolve([
          { id: kept, status: 'Active', createdAt: 0 },
          { id: gone, status: 'Active', createdAt: 1 }
        ]),
      listTags: () => Promise.resolve({ [gone]: mark, [kept]: mark.replace('pending', 'active') })
    }
    const aws = new Proxy({} as Aws, {
      get: (_target, name) => {
        if (name === 'lastUse')
          return (id: string) =>
            id === gone
              ? Promise.reject(
                  Object.assign(new Error('cannot be found'), { name: 'NoSuchEntity' })
                )
              : Promise.resolve(undefined)
        return (
          answers[String(name)] ?? (() => Promise.reject(new Error(`unexpected ${String(name)}`)))
        )
      }
    })
    const { snapshot } = await observe(
      aws,
      { iamUserName: undefined, run, awsRegion: 'us-east-1' },
      unknownRun,
      () => undefined
    )
    expect(snapshot.keys.map(key => key.id)).toEqual([kept])
    expect(snapshot.staleMarks.map(stale => stale.keyId)).toEqual([gone])

    // Any other failure to read a last use is a failure, never a deletion.
    const denied = new Proxy({} as Aws, {
      get: (target, name) =>
        name === 'lastUse'
          ? () => Promise.reject(Object.assign(new Error('no'), { name: 'AccessDenied' }))
          : Reflect.get(aws, name, target)
    })
    await expect(
      observe(
        denied,
        { iamUserName: undefined, run, awsRegion: 'us-east-1' },
        unknownRun,
        () => undefined
      )
    ).rejects.toThrow('no')
  })

  it("reads when each target's secret was last written; a missing secret has no time, a refused read is named", async () => {
    const targets: Target[] = [
      { kind: 'repository', owner: 'acme', repo: 'app' },
      { kind: 'environment', owner: 'acme', repo: 'app', environment: 'prod east' },
      { kind: 'organization', org: 'acme' },
      { kind: 'repository', owner: 'acme', repo: 'new' },
      { kind: 'dependabot', owner: 'acme', repo: 'web' }
    ]
    const asked: string[] = []
    const answers: Record<string, () => Promise<number | undefined>> = {
      app: () => Promise.resolve(Date.parse('2026-11-22T10:00:00Z')),
      'prod east': () => Promise.reject(Object.assign(new Error('Forbidden'), { status: 403 })),
      acme: () => Promise.resolve(Date.parse('2026-11-21T09:00:00Z')),
      new: () => Promise.resolve(undefined),
      web: () => Promise.reject(new Error('socket hang up'))
    }
    const read = (target: Target, secretName: string) => {
      asked.push(secretName)
      const place =
        'environment' in target ? target.environment : 'org' in target ? target.org : target.repo
      return (answers[place] ?? (() => Promise.reject(new Error('unexpected'))))()
    }
    const { writes, unread } = await observeTargetWrites(read, targets, 'AWS_ACCESS_KEY_ID')
    expect(asked).toEqual(Array(5).fill('AWS_ACCESS_KEY_ID'))
    expect(writes).toEqual([
      {
        target: 'acme/app',
        secretName: 'AWS_ACCESS_KEY_ID',
        updatedAt: Date.parse('2026-11-22T10:00:00Z')
      },
      {
        target: 'org:acme',
        secretName: 'AWS_ACCESS_KEY_ID',
        updatedAt: Date.parse('2026-11-21T09:00:00Z')
      }
    ])
    expect(unread).toEqual(['env:acme/app/prod east (403)', 'dependabot:acme/web (no answer)'])
  })
})
