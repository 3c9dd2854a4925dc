/**
 * Messages that once said the opposite of the truth, checked against the emulators' state:
 * a missing iam:UntagUser, and an admin refusal that could not tell which key the targets hold.
 */
import { adminRole, startWorld, USER, type World } from './emulators/world.js'

function intentTags(world: World): string[] {
  return Object.keys(world.aws.tags(USER)).filter(key => key.startsWith('rotate-aws-access-keys'))
}

describe('messages that match the state', () => {
  let world: World
  afterEach(() => world.close())

  it('without iam:UntagUser: the rotation is done, the title says a permission is missing, and no run promises a removal it cannot make', async () => {
    world = await startWorld({ repos: ['acme/app'] })
    world.aws.deny(USER, 'iam:UntagUser')
    const first = await world.run({ force: 'true' }, { runId: '2001' })
    expect(first.code).toBe(1)
    expect(first.outputs.rotated).toBe('true')
    expect(first.summary).toContain(
      '## AWS access key rotation: Rotated, but a permission is missing'
    )
    expect(first.stdout).toContain(
      "Could not remove this run's intent mark from deploy (iam:UntagUser: AccessDenied"
    )
    expect(first.stdout).toContain('A later run with iam:UntagUser removes it')
    expect(first.stdout).not.toContain('a later run removes it once this run has ended')
    // The intent really is still there: the message is true.
    expect(intentTags(world)).toHaveLength(1)

    // A minute later: a dead run's intent is kept for a while, in case its key is not listed yet.
    world.advance(60_000)
    const second = await world.run({}, { runId: '2002' })
    expect(second.code).toBe(1)
    expect(second.stdout).toContain("Could not remove an ended run's intent mark from deploy")
    expect(second.summary).toContain('Done, but a permission is missing')
    expect(intentTags(world)).toHaveLength(1)
  })

  it('an admin refusal beside two active keys it did not create never advises deleting the one the targets hold', async () => {
    world = await startWorld({ repos: ['acme/app'], userPath: '/deploy/' })
    const role = adminRole(world)
    world.aws.createAccessKey(USER)
    const held = world.stored().accessKeyId
    const result = await world.run({ 'iam-user-name': USER }, role)
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('this run cannot tell which key the targets hold')
    expect(result.stdout).toContain('never the one the targets hold')
    expect(result.stdout).not.toContain('deactivate and delete them')
    expect(world.aws.keys(USER).find(k => k.accessKeyId === held)?.status).toBe('Active')
  })
})
