/**
 * The bundled action, run as the runner runs it, against the IAM/STS and GitHub emulators.
 * Self-rotation: the run signs with the key its repository's secrets hold.
 */
import { maskedLog, nodeBinaries } from './emulators/runner.js'
import {
  adminRole,
  ID_SECRET,
  KEY_SECRET,
  startWorld,
  USER,
  type World
} from './emulators/world.js'

const [runnerNode] = nodeBinaries()
const MUTATIONS = new Set([
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'TagUser',
  'UntagUser'
])

function awsMutations(world: World): string[] {
  return world.aws.requests
    .filter(r => MUTATIONS.has(r.action) && r.status === 200)
    .map(r => r.action)
}
function secretWrites(world: World): number {
  return world.github.requests.filter(r => r.route === 'put-secret').length
}

describe.each(nodeBinaries())('rotation on $name', ({ path: node }) => {
  let world: World
  beforeEach(async () => {
    world = await startWorld({ repos: ['acme/app', 'acme/api'], propagationDelayMs: 1_500 })
  })
  afterEach(() => world.close())

  it('rotates: verifies before writing, writes every target before deactivating, never prints the secret', async () => {
    const old = world.stored()
    const result = await world.run({}, { node })
    expect(result.code).toBe(0)

    const keys = world.aws.keys(USER)
    const created = keys.find(k => k.accessKeyId !== old.accessKeyId)
    expect(created).toBeDefined()
    if (!created) return
    expect(keys.find(k => k.accessKeyId === old.accessKeyId)?.status).toBe('Inactive')
    expect(created.status).toBe('Active')
    for (const repo of world.repos) {
      expect(world.stored(repo)).toEqual({
        accessKeyId: created.accessKeyId,
        secretAccessKey: created.secretAccessKey
      })
    }
    expect(world.aws.tags(USER)[created.accessKeyId]).toMatch(
      /^rotate-aws-access-keys v1 state=active .*prev=/
    )
    expect(world.aws.tags(USER)[old.accessKeyId]).toMatch(
      /^rotate-aws-access-keys v1 state=retired /
    )
    expect(result.outputs).toMatchObject({
      rotated: 'true',
      'access-key-id': created.accessKeyId,
      'previous-access-key-id': old.accessKeyId,
      'deactivated-access-key-ids': old.accessKeyId,
      'deleted-access-key-ids': ''
    })
    expect(JSON.parse(result.outputs.plan ?? '{}')).toMatchObject({ mode: 'self', user: USER })

    // Order: STS accepted the new key before the first secret write; all writes before deactivation.
    const verified = world.aws.requests.filter(
      r =>
        r.action === 'GetCallerIdentity' &&
        r.accessKeyId === created.accessKeyId &&
        r.status === 200
    )
    const writes = world.github.requests.filter(r => r.route === 'put-secret')
    const deactivation = world.aws.requests.find(
      r => r.action === 'UpdateAccessKey' && r.status === 200
    )
    expect(verified.length).toBeGreaterThanOrEqual(3)
    expect(writes).toHaveLength(4)
    expect(Math.min(...writes.map(w => w.at))).toBeGreaterThanOrEqual(
      Math.max(...verified.slice(0, 3).map(v => v.at))
    )
    expect(deactivation?.at).toBeGreaterThanOrEqual(Math.max(...writes.map(w => w.at)))
    // Self-rotation signs IAM calls after verification with the new key.
    expect(deactivation?.accessKeyId).toBe(created.accessKeyId)

    // The secret: only inside ::add-mask::, masked before it could be printed, nowhere else.
    const { masks, visible } = maskedLog(result.stdout)
    expect(masks).toEqual(expect.arrayContaining([created.accessKeyId, created.secretAccessKey]))
    for (const text of [visible, result.stderr, result.summary, JSON.stringify(result.outputs)]) {
      expect(text).not.toContain(created.secretAccessKey)
      expect(text).not.toContain(old.secretAccessKey)
    }
    expect(visible).not.toContain(created.accessKeyId)
    expect(result.summary).toContain('AWS access key rotation: Rotated')
    expect(result.summary).toContain('### Keys after')
  })

  it('changes nothing on the next run: the new key is young', async () => {
    expect((await world.run({}, { node })).code).toBe(0)
    const mutations = awsMutations(world).length
    const writes = secretWrites(world)
    const second = await world.run({}, { node })
    expect(second.code).toBe(0)
    expect(second.outputs.rotated).toBe('false')
    expect(awsMutations(world)).toHaveLength(mutations)
    expect(secretWrites(world)).toBe(writes)
    expect(second.summary).toContain('Nothing due')
  })
})

describe(`rotation failures on ${runnerNode?.name ?? 'node'}`, () => {
  const node = runnerNode?.path
  let world: World
  afterEach(() => world.close())

  it('deletes the new key when AWS never accepts it, leaving the old key and the secrets as they were', async () => {
    world = await startWorld({ acceptance: () => false })
    const old = world.stored()
    const result = await world.run({ 'verify-timeout': '5s' }, node ? { node } : {})
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::The new key was not verified within verify-timeout \(5s\)/
    )
    expect(result.stdout).toMatch(/Deleted the new key/)
    expect(world.aws.keys(USER).map(k => [k.accessKeyId, k.status])).toEqual([
      [old.accessKeyId, 'Active']
    ])
    expect(world.github.history('acme/app', KEY_SECRET)).toHaveLength(1)
    expect(secretWrites(world)).toBe(0)
    expect(result.outputs.rotated).toBe('false')
  })

  it('rejects bad input before any call to AWS or GitHub', async () => {
    world = await startWorld()
    const result = await world.run({ 'max-age': '90 days' }, node ? { node } : {})
    expect(result.code).toBe(1)
    expect(result.stdout).toContain("::error::Input 'max-age': '90 days' is not a duration")
    expect(world.aws.requests).toHaveLength(0)
    expect(world.github.requests).toHaveLength(0)
  })

  it('stops in preflight when the token cannot write a target, before any AWS change', async () => {
    world = await startWorld({ repos: ['acme/app'] })
    world.github.addRepo('acme/locked')
    world.github.addToken('github_pat_readonly', { repos: '*', secrets: 'none', kind: 'pat' })
    const result = await world.run(
      { 'github-token': 'github_pat_readonly', targets: 'acme/app\nacme/locked' },
      node ? { node } : {}
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::.*acme\/app.*Secrets: read and write.*GITHUB_TOKEN cannot write secrets/
    )
    expect(awsMutations(world)).toEqual([])
  })

  it('never deactivates the previous key when a target cannot be written', async () => {
    world = await startWorld({ repos: ['acme/app', 'acme/api'] })
    const old = world.stored()
    // acme/app is the workflow's own repository: it is written last, so the failure comes after
    // acme/api already holds the new key.
    const remove = world.github.intercept(call =>
      call.route === 'put-secret' && call.repo === 'acme/app'
        ? { status: 422, message: 'Validation Failed' }
        : undefined
    )
    const result = await world.run({}, node ? { node } : {})
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::The new key .* was written to 1 of 2 targets, not to every target: 1 of 2 targets failed: .*Both keys stay active/
    )
    const keys = world.aws.keys(USER)
    expect(keys).toHaveLength(2)
    expect(keys.every(k => k.status === 'Active')).toBe(true)
    expect(world.stored('acme/app').accessKeyId).toBe(old.accessKeyId)
    expect(world.stored('acme/api').accessKeyId).not.toBe(old.accessKeyId)

    remove()
    // The next run signs with the previous key: it writes that back everywhere, then rotates
    // afresh; each fan-out counts its own targets.
    const next = await world.run({}, node ? { node, runId: '1002' } : { runId: '1002' })
    expect(next.code).toBe(0)
    const counts = [...next.stdout.matchAll(/Wrote AKIA\S+ to (\d+)\/(\d+) targets/g)].map(
      m => `${m[1]}/${m[2]}`
    )
    expect(counts).toEqual(['2/2', '2/2'])
  })

  it('leaves its own repository and the previous key alone when another target fails first', async () => {
    world = await startWorld({ repos: ['acme/app', 'acme/api'] })
    const old = world.stored()
    world.github.intercept(call =>
      call.route === 'put-secret' && call.repo === 'acme/api'
        ? { status: 422, message: 'Validation Failed' }
        : undefined
    )
    const result = await world.run({}, node ? { node } : {})
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/::error::No target could be written.*Deleted the new key/)
    expect(world.aws.keys(USER).map(k => [k.accessKeyId, k.status])).toEqual([
      [old.accessKeyId, 'Active']
    ])
    expect(world.github.history('acme/app', KEY_SECRET)).toHaveLength(1)
  })

  it('rotates another user in admin mode with role credentials', async () => {
    // The role holds the shipped policies/admin-rotation.json, which covers users under /deploy/.
    world = await startWorld({ userPath: '/deploy/' })
    const role = adminRole(world)
    const old = world.stored()
    const result = await world.run(
      { 'iam-user-name': USER },
      { ...role, ...(node ? { node } : {}) }
    )
    expect(result.code).toBe(0)
    expect(JSON.parse(result.outputs.plan ?? '{}')).toMatchObject({ mode: 'admin' })
    expect(world.stored().accessKeyId).not.toBe(old.accessKeyId)
    expect(world.aws.keys(USER).find(k => k.accessKeyId === old.accessKeyId)?.status).toBe(
      'Inactive'
    )
  })

  it('asks for iam-user-name when the caller is a role', async () => {
    world = await startWorld({ userPath: '/deploy/' })
    const result = await world.run({}, { ...adminRole(world), ...(node ? { node } : {}) })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/::error::Input 'iam-user-name': is required/)
    expect(awsMutations(world)).toEqual([])
  })

  it('stops before creating anything when its marks cannot be written (iam:TagUser denied)', async () => {
    world = await startWorld()
    world.aws.deny(USER, 'iam:TagUser')
    const old = world.stored()
    const result = await world.run({}, node ? { node } : {})
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::Could not write the action's mark on deploy \(iam:TagUser: AccessDenied/
    )
    expect(world.aws.requests.some(r => r.action === 'CreateAccessKey')).toBe(false)
    expect(world.aws.keys(USER).map(k => k.accessKeyId)).toEqual([old.accessKeyId])
  })

  it('names a user that does not exist, before any change', async () => {
    world = await startWorld({ userPath: '/deploy/' })
    // A role that may read any user: under the shipped policy, IAM refuses a user outside
    // /deploy/ before saying whether it exists.
    const reader = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow' as const, Action: 'iam:GetUser', Resource: '*' }]
    }
    const result = await world.run(
      { 'iam-user-name': 'nobody' },
      { ...adminRole(world, reader), ...(node ? { node } : {}) }
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::Input 'iam-user-name': IAM user 'nobody' does not exist in account 123456789012/
    )
    expect(awsMutations(world)).toEqual([])
  })

  it('refuses credentials of another account than expected-account-id', async () => {
    world = await startWorld()
    const result = await world.run({ 'expected-account-id': '999999999999' }, node ? { node } : {})
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::The credentials belong to AWS account 123456789012, not 999999999999/
    )
    expect(awsMutations(world)).toEqual([])
    expect(secretWrites(world)).toBe(0)
  })

  it('plans without changing anything on dry-run', async () => {
    world = await startWorld()
    const result = await world.run({ 'dry-run': 'true' }, node ? { node } : {})
    expect(result.code).toBe(0)
    expect(
      JSON.parse(result.outputs.plan ?? '{}').steps.map((s: { kind: string }) => s.kind)
    ).toEqual(['rotate', 'deactivate-key'])
    expect(awsMutations(world)).toEqual([])
    expect(secretWrites(world)).toBe(0)
    expect(result.summary).toContain('Dry run')
  })

  it('exports the new key to later steps through GITHUB_ENV only', async () => {
    world = await startWorld()
    const result = await world.run({ 'export-credentials': 'true' }, node ? { node } : {})
    expect(result.code).toBe(0)
    const stored = world.stored()
    expect(result.exported).toEqual({
      AWS_ACCESS_KEY_ID: stored.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stored.secretAccessKey
    })
    expect(result.stdout).not.toContain('::set-env')
    expect(maskedLog(result.stdout).visible).not.toContain(stored.secretAccessKey)
  })

  it('reads secret names from the inputs', async () => {
    world = await startWorld()
    const result = await world.run(
      {
        'access-key-id-secret-name': 'DEPLOY_ID',
        'secret-access-key-secret-name': 'DEPLOY_SECRET'
      },
      node ? { node } : {}
    )
    expect(result.code).toBe(0)
    const created = world.aws.keys(USER).find(k => k.status === 'Active')
    expect(world.github.secret('acme/app', 'DEPLOY_ID')?.value).toBe(created?.accessKeyId)
    expect(world.github.secret('acme/app', 'DEPLOY_SECRET')?.value).toBe(created?.secretAccessKey)
    expect(world.github.history('acme/app', ID_SECRET)).toHaveLength(1)
  })
})
