/**
 * AWS's quarantine, end to end through the bundled action: AWS attaches one of its managed
 * quarantine policies to a user whose key it found in public (./emulators/quarantine.ts cites
 * the policies). A self-rotation of that user changes nothing and fails, naming the quarantine
 * and the way out; a quarantine attached during a run is named, not "remove that Deny".
 */
import { QUARANTINE_POLICIES, READ_ONLY_POLICY } from './emulators/quarantine.js'
import {
  adminRole,
  ID_SECRET,
  policyFile,
  startWorld,
  USER,
  type World
} from './emulators/world.js'

const REPOS = ['acme/app', 'acme/api']

/** Every request that could change AWS, answered or not. */
const mutations = (world: World) =>
  world.aws.requests.filter(r =>
    ['CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey', 'TagUser', 'UntagUser'].includes(
      r.action
    )
  )

describe('AWS quarantine', () => {
  let world: World
  afterEach(() => world.close())

  it.each([
    { case: 'not due', keyAgeDays: 10, inputs: {} },
    { case: 'due', keyAgeDays: 100, inputs: {} },
    { case: 'a dry run', keyAgeDays: 100, inputs: { 'dry-run': 'true' } },
    { case: 'forced', keyAgeDays: 10, inputs: { force: 'true' } }
  ])(
    'self-rotation, $case: nothing changes, the run fails and names the quarantine and the way out',
    async ({ keyAgeDays, inputs }) => {
      world = await startWorld({ repos: REPOS, keyAgeDays })
      world.aws.attachManagedPolicy(USER, READ_ONLY_POLICY)
      world.aws.attachManagedPolicy(USER, QUARANTINE_POLICIES.v3)
      const before = world.stored()
      const result = await world.run(inputs)
      expect(result.code).toBe(1)
      expect(mutations(world)).toEqual([])
      for (const repo of REPOS) expect(world.stored(repo)).toEqual(before)
      expect(result.stdout).toMatch(
        /::error::AWS has quarantined IAM user deploy: its managed policy AWSCompromisedKeyQuarantineV3 is attached/
      )
      expect(result.stdout).not.toContain('remove or narrow that Deny')
      expect(result.summary).toContain('Refused: nothing was changed')
      expect(result.summary).toContain('Rotate now from an IAM role (admin mode)')
      expect(result.summary).toContain('review the exposed keys')
      expect(result.summary).toContain('`iam-user-name: deploy`')
    }
  )

  it('self-rotation with an open alert on the key: still nothing changes, and the alert stays open', async () => {
    world = await startWorld({ repos: REPOS, keyAgeDays: 10, secretScanning: 'write' })
    world.aws.attachManagedPolicy(USER, QUARANTINE_POLICIES.v1)
    const leaked = world.stored()
    world.github.addSecretScanningAlert('acme/app', {
      secretType: 'aws_access_key_id',
      secret: leaked.accessKeyId
    })
    const result = await world.run({})
    expect(result.code).toBe(1)
    expect(mutations(world)).toEqual([])
    expect(result.stdout).toContain('its managed policy AWSCompromisedKeyQuarantine is attached')
    expect(world.github.requests.map(r => r.route)).not.toContain('update-secret-scanning-alert')
  })

  it('attached mid-run, after the writes: the previous key stays active and the message names the quarantine', async () => {
    world = await startWorld({ repos: REPOS, keyAgeDays: 100 })
    const before = world.stored()
    world.aws.intercept(call => {
      const previous =
        call.action === 'UpdateAccessKey' && call.params.AccessKeyId === before.accessKeyId
      if (previous) world.aws.attachManagedPolicy(USER, QUARANTINE_POLICIES.v2)
      return undefined
    })
    const result = await world.run({})
    expect(result.code).toBe(1)
    const keys = world.aws.keys(USER)
    expect(keys.find(k => k.accessKeyId === before.accessKeyId)?.status).toBe('Active')
    expect(result.stdout).toContain(
      'AWS quarantined deploy during this run: its policy AWSCompromisedKeyQuarantineV2 now denies the user iam:CreateAccessKey and iam:UpdateAccessKey'
    )
    expect(result.stdout).not.toContain('remove or narrow that Deny')
    // Every target holds the new key, which works: the deploy is not locked out.
    const now = world.stored()
    expect(now.accessKeyId).not.toBe(before.accessKeyId)
    expect(keys.find(k => k.accessKeyId === now.accessKeyId)?.status).toBe('Active')
  })

  it('admin mode: rotates at once, deactivates the exposed key, resolves its alert, never detaches; the next runs leave the replacement alone', async () => {
    world = await startWorld({
      repos: REPOS,
      keyAgeDays: 10,
      userPath: '/deploy/',
      userPolicy: null,
      secretScanning: 'write'
    })
    const role = adminRole(world)
    world.aws.attachManagedPolicy(USER, QUARANTINE_POLICIES.v3)
    const exposed = world.stored()
    world.github.addSecretScanningAlert('acme/app', {
      secretType: 'aws_access_key_id',
      secret: exposed.accessKeyId
    })
    const first = await world.run({ 'iam-user-name': USER }, role)
    expect(first.code).toBe(0)
    expect(first.outputs.rotated).toBe('true')
    const fresh = world.stored()
    expect(fresh.accessKeyId).not.toBe(exposed.accessKeyId)
    for (const repo of REPOS) expect(world.stored(repo)).toEqual(fresh)
    const status = (id: string) => world.aws.keys(USER).find(k => k.accessKeyId === id)?.status
    expect(status(exposed.accessKeyId)).toBe('Inactive')
    expect(status(fresh.accessKeyId)).toBe('Active')
    expect(world.github.requests.map(r => r.route)).toContain('update-secret-scanning-alert')
    expect(world.aws.tags(USER)['rotate-aws-access-keys:quarantine']).toMatch(
      new RegExp(`^rotate-aws-access-keys v1 seen=\\S+ keys=${exposed.accessKeyId}$`)
    )
    expect(first.summary).toContain(
      'AWS has quarantined IAM user deploy (AWSCompromisedKeyQuarantineV3)'
    )
    expect(first.summary).toContain('This action never detaches the policy')
    expect(world.aws.requests.map(r => r.action)).not.toContain('DetachUserPolicy')

    // Later runs: the replacement is not exposed, so nothing is rotated again.
    world.aws.settleReads()
    const second = await world.run({ 'iam-user-name': USER }, { ...role, runId: '1002' })
    expect(second.code).toBe(0)
    expect(second.outputs.rotated).toBe('false')
    expect(world.github.secret('acme/app', ID_SECRET)?.value).toBe(fresh.accessKeyId)

    // A person detaches the policy after the support case: the record goes with it.
    world.aws.detachManagedPolicy(USER, QUARANTINE_POLICIES.v3.arn)
    const third = await world.run({ 'iam-user-name': USER }, { ...role, runId: '1003' })
    expect(third.code).toBe(0)
    expect(Object.keys(world.aws.tags(USER))).not.toContain('rotate-aws-access-keys:quarantine')
  })

  it('admin mode, a dry run: nothing changes, and the plan says what a real run would do', async () => {
    world = await startWorld({
      repos: REPOS,
      keyAgeDays: 100,
      userPath: '/deploy/',
      userPolicy: null
    })
    const role = adminRole(world)
    world.aws.attachManagedPolicy(USER, QUARANTINE_POLICIES.v3)
    const result = await world.run({ 'iam-user-name': USER, 'dry-run': 'true' }, role)
    expect(result.code).toBe(0)
    expect(mutations(world)).toEqual([])
    expect(result.summary).toContain('Dry run: nothing was changed')
    expect(result.summary).toContain("Record the keys AWS's quarantine exposed")
    expect(result.summary).toContain(
      'exposed (AWS quarantined the user), and every target holds the new key'
    )
  })

  it('without iam:ListAttachedUserPolicies: one notice, and the run goes on', async () => {
    const policy = policyFile('self-rotation')
    const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]
    const withoutRead = {
      ...policy,
      Statement: statements.map(statement => ({
        ...statement,
        Action: ([] as string[])
          .concat(statement.Action ?? [])
          .filter(action => action !== 'iam:ListAttachedUserPolicies')
      }))
    }
    world = await startWorld({ repos: REPOS, keyAgeDays: 10, userPolicy: withoutRead })
    const result = await world.run({})
    expect(result.code).toBe(0)
    const notices = result.stdout
      .split('\n')
      .filter(line => line.startsWith('::notice::Could not check whether AWS has quarantined'))
    expect(notices).toHaveLength(1)
    expect(notices[0]).toContain('iam:ListAttachedUserPolicies')
    expect(result.summary).toContain('Nothing due')
  })
})
