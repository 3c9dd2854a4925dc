/**
 * A deploy user's first key: org admins create users with Terraform or CloudFormation and no
 * key. In admin mode the action creates, marks, verifies and distributes the first key.
 */
import { nodeBinaries } from './emulators/runner.js'
import { DAY, ID_SECRET, KEY_SECRET, adminRole, startWorld, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}

describe(`a user's first key on ${runner?.name ?? 'node'}`, () => {
  let world: World | undefined
  afterEach(() => world?.close())

  async function adminWorld(): Promise<{ world: World; asRole: object }> {
    const created = await startWorld({ repos: ['acme/web', 'acme/api'], propagationDelayMs: 300 })
    created.aws.createUser('deploy-new', { path: '/deploy/' })
    return { world: created, asRole: { ...withNode, ...adminRole(created) } }
  }

  it('creates, verifies and writes the first key of a user that has none', async () => {
    const setup = await adminWorld()
    world = setup.world
    const result = await world.run({ 'iam-user-name': 'deploy-new' }, setup.asRole)
    expect(result.code).toBe(0)
    expect(result.outputs).toMatchObject({
      rotated: 'true',
      'previous-access-key-id': '',
      'deactivated-access-key-ids': ''
    })
    const keys = world.aws.keys('deploy-new')
    expect(keys).toHaveLength(1)
    expect(keys[0]?.status).toBe('Active')
    for (const repo of world.repos) {
      expect(world.github.secret(repo, ID_SECRET)?.value).toBe(keys[0]?.accessKeyId)
      expect(world.github.secret(repo, KEY_SECRET)?.value).toBe(keys[0]?.secretAccessKey)
    }
    expect(world.aws.tags('deploy-new')[keys[0]?.accessKeyId ?? '']).toMatch(/state=active/)
    expect(result.stdout).toMatch(/creates its first key/)
    // The next run has nothing to do.
    const again = await world.run({ 'iam-user-name': 'deploy-new' }, setup.asRole)
    expect(again.outputs.rotated).toBe('false')
  })

  it('gives a new key to a user whose only key this action retired', async () => {
    const setup = await adminWorld()
    world = setup.world
    const old = world.aws.createAccessKey('deploy-new', {
      status: 'Inactive',
      createdAt: new Date(Date.now() - 100 * DAY)
    })
    const at = new Date(Date.now() - 2 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z')
    world.aws.setTag(
      'deploy-new',
      old.accessKeyId,
      `rotate-aws-access-keys v1 state=retired at=${at}`
    )
    const result = await world.run({ 'iam-user-name': 'deploy-new' }, setup.asRole)
    expect(result.code).toBe(0)
    expect(result.outputs.rotated).toBe('true')
    expect(
      world.aws
        .keys('deploy-new')
        .map(k => k.status)
        .sort()
    ).toEqual(['Active', 'Inactive'])
  })

  it('refuses when the only key was deactivated by someone else', async () => {
    const setup = await adminWorld()
    world = setup.world
    world.aws.createAccessKey('deploy-new', { status: 'Inactive' })
    const result = await world.run({ 'iam-user-name': 'deploy-new' }, setup.asRole)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/::error::.*deactivated by someone other than this action/)
    expect(world.aws.keys('deploy-new')).toHaveLength(1)
  })
})
