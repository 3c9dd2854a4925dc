/**
 * The documented IAM policies, enforced by the emulator: every end-to-end run signs in as a user
 * holding policies/self-rotation.json (see world.ts), the admin policy is proven here, the README
 * shows the files as they are, and taking away any one permission fails the run with a message
 * naming it.
 */
import { readFileSync } from 'node:fs'
import type { PolicyDocument } from './emulators/iam-policy.js'
import { nodeBinaries } from './emulators/runner.js'
import { DAY, adminRole, policyFile, startWorld, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}
const SELF = policyFile('self-rotation')
/** A role's trust policy, as AWS takes it: a statement with a Principal. */
const TRUST = JSON.parse(readFileSync('policies/admin-oidc-trust.json', 'utf8')) as {
  Statement: Array<{ Condition?: unknown }> | { Condition?: unknown }
}
const PERMISSIONS = (Array.isArray(SELF.Statement) ? SELF.Statement : [SELF.Statement]).flatMap(
  statement => [statement.Action ?? []].flat()
)

function without(document: PolicyDocument, permission: string): PolicyDocument {
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement]
  return {
    ...document,
    Statement: statements.map(statement => ({
      ...statement,
      Action: [statement.Action ?? []].flat().filter(action => action !== permission)
    }))
  }
}

function retiredMark(daysAgo: number): string {
  const at = new Date(Date.now() - daysAgo * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z')
  return `rotate-aws-access-keys v1 state=retired at=${at} run=1.1 repo=acme/app`
}

/** A key retired long ago, due for deletion (the run that deletes it needs DeleteAccessKey). */
function seedKeyDueForDeletion(world: World): void {
  const retired = world.aws.createAccessKey(USER, {
    status: 'Inactive',
    createdAt: new Date(Date.now() - 200 * DAY)
  })
  world.aws.setTag(USER, retired.accessKeyId, retiredMark(30))
}

describe(`IAM policies on ${runner?.name ?? 'node'}`, () => {
  let world: World | undefined
  afterEach(() => world?.close())

  it('the README shows the admin policy and its trust policy exactly, and links the self-rotation file', () => {
    const readme = readFileSync('README.md', 'utf8')
    const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map(match =>
      JSON.parse(match[1] ?? '')
    )
    expect(blocks).toContainEqual(policyFile('admin-rotation'))
    expect(blocks).toContainEqual(TRUST)
    // The quick start's step 1 points at the file itself, which every e2e run is held to.
    expect(readme).toContain('[`policies/self-rotation.json`](policies/self-rotation.json)')
  })

  it("the admin role's trust policy: GitHub's OIDC provider, the STS audience, one repository", () => {
    const [statement, ...others] = [TRUST.Statement].flat()
    expect(others).toEqual([])
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: {
        Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com'
      }
    })
    // StringEquals on both claims: an exact audience, and a subject no other repository has.
    expect(statement?.Condition).toEqual({
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': expect.stringMatching(
          /^repo:OWNER\/REPO:(ref:refs\/heads\/[\w-]+|environment:[\w-]+)$/
        )
      }
    })
  })

  it('self-rotation under the documented policy: rotate, retire, delete', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    const old = world.stored().accessKeyId
    expect((await world.run({}, withNode)).outputs.rotated).toBe('true')
    world.advance(8 * DAY)
    const later = await world.run({}, withNode)
    expect(later.code).toBe(0)
    expect(later.outputs['deleted-access-key-ids']).toBe(old)
    // Nothing was refused along the way.
    expect(world.aws.requests.filter(r => r.errorCode === 'AccessDenied')).toEqual([])
  })

  it('admin rotation under the documented policy, for users under the /deploy/ path only', async () => {
    world = await startWorld({ propagationDelayMs: 300, userPolicy: null, userPath: '/deploy/' })
    const asRole = { ...withNode, ...adminRole(world) }
    const rotated = await world.run({ 'iam-user-name': USER }, asRole)
    expect(rotated.code).toBe(0)
    expect(rotated.outputs.rotated).toBe('true')

    world.aws.createUser('someone-else')
    const outside = await world.run({ 'iam-user-name': 'someone-else' }, asRole)
    expect(outside.code).toBe(1)
    expect(outside.stdout).toMatch(
      /::error::.*not authorized to perform: iam:GetUser.*only on users under the IAM path \/deploy\//
    )
  })

  it('admin mode on a user outside /deploy/: the failure names the path, not a missing grant', async () => {
    world = await startWorld({ propagationDelayMs: 300, userPolicy: null, userPath: '/ci/' })
    const result = await world.run({ 'iam-user-name': USER }, { ...withNode, ...adminRole(world) })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      new RegExp(
        `::error::.*not authorized to perform: iam:GetUser on resource: user ${USER}.*` +
          'policies/admin-rotation\\.json allows its actions only on users under the IAM path /deploy/: ' +
          `.*aws iam update-user --user-name ${USER} --new-path /deploy/`
      )
    )
    expect(result.summary).toContain('only on users under the IAM path /deploy/')
    expect(world.aws.requests.filter(r => r.action === 'CreateAccessKey')).toEqual([])
  })

  it('self-rotation of a user under an IAM path, under the same policy', async () => {
    world = await startWorld({ propagationDelayMs: 300, userPath: '/deploy/' })
    const result = await world.run({}, withNode)
    expect(result.code).toBe(0)
    expect(result.outputs.rotated).toBe('true')
  })

  it.each(PERMISSIONS)('admin mode without %s fails with a message naming it', async permission => {
    world = await startWorld({ propagationDelayMs: 300, userPolicy: null, userPath: '/deploy/' })
    const asRole = adminRole(world, without(policyFile('admin-rotation'), permission))
    if (permission === 'iam:DeleteAccessKey') seedKeyDueForDeletion(world)
    const result = await world.run(
      {
        'iam-user-name': USER,
        ...(permission === 'iam:DeleteAccessKey' ? { 'max-age': '365d' } : {})
      },
      { ...withNode, ...asRole }
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      new RegExp(`::error::.*${permission}.*policies/admin-rotation\\.json`)
    )
  })

  it.each(PERMISSIONS)('without %s the run fails with a message naming it', async permission => {
    world = await startWorld({ propagationDelayMs: 300, userPolicy: without(SELF, permission) })
    if (permission === 'iam:DeleteAccessKey') seedKeyDueForDeletion(world)
    const result = await world.run(
      permission === 'iam:DeleteAccessKey' ? { 'max-age': '365d' } : {},
      withNode
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(new RegExp(`::error::.*${permission}`))
    expect(result.stdout).toMatch(/policies\/self-rotation\.json/)
    // Whatever failed, every target still holds an active key.
    const held = world.stored().accessKeyId
    expect(world.aws.keys(USER).find(k => k.accessKeyId === held)?.status).toBe('Active')
  })
})
