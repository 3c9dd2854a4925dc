/**
 * The documented IAM policies, enforced by the emulator: every end-to-end run signs in as a user
 * holding policies/self-rotation.json (see world.ts), the admin policy is proven here, the README
 * shows the files as they are, and taking away any one permission fails the run with a message
 * naming it.
 */
import { readFileSync } from 'node:fs'
import type { PolicyDocument } from './emulators/iam-policy.js'
import {
  assumeRoleWithWebIdentity,
  checkTrustPolicy,
  type TrustPolicy
} from './emulators/oidc-trust.js'
import { nodeBinaries } from './emulators/runner.js'
import { DAY, adminRole, policyFile, startWorld, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}
const SELF = policyFile('self-rotation')
/** A role's trust policy, as AWS takes it: a statement with a Principal. */
const TRUST_TEXT = readFileSync('policies/admin-oidc-trust.json', 'utf8')
const TRUST = JSON.parse(TRUST_TEXT) as TrustPolicy
/** Reads whose refusal costs a notice, not the run: the quarantine check (e2e-quarantine). */
const OPTIONAL = new Set(['iam:ListAttachedUserPolicies'])
const PERMISSIONS = (Array.isArray(SELF.Statement) ? SELF.Statement : [SELF.Statement])
  .flatMap(statement => [statement.Action ?? []].flat())
  .filter(permission => !OPTIONAL.has(permission))

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
    // StringEquals on both claims: an exact audience, and a subject no other repository has, in
    // both forms GitHub sends (a list: IAM takes any one of a key's values). The immutable form
    // pins the owner's and the repository's numeric ids, no wildcard.
    expect(statement?.Condition).toEqual({
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': [
          expect.stringMatching(/^repo:OWNER\/REPO:(ref:refs\/heads\/[\w-]+|environment:[\w-]+)$/),
          expect.stringMatching(
            /^repo:OWNER@OWNER_ID\/REPO@REPO_ID:(ref:refs\/heads\/[\w-]+|environment:[\w-]+)$/
          )
        ]
      }
    })
    // One ref, the same in both forms.
    const subjects = [
      (statement?.Condition?.StringEquals ?? {})['token.actions.githubusercontent.com:sub'] ?? []
    ].flat()
    expect(new Set(subjects.map(subject => subject.replace(/^repo:[^:]+:/, ''))).size).toBe(1)
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

  it.each([...OPTIONAL])(
    'admin mode without %s: one notice naming it, and the run goes on',
    async permission => {
      world = await startWorld({ propagationDelayMs: 300, userPolicy: null, userPath: '/deploy/' })
      const asRole = adminRole(world, without(policyFile('admin-rotation'), permission))
      const result = await world.run({ 'iam-user-name': USER }, { ...withNode, ...asRole })
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(
        new RegExp(`::notice::.*${permission}.*policies/admin-rotation\\.json`)
      )
    }
  )

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

/**
 * The shipped trust policy's conditions, evaluated as STS evaluates them for
 * AssumeRoleWithWebIdentity (emulators/oidc-trust.ts), with the placeholders written the way the
 * README asks: the repository acme/app, owner id 1234567, repository id 89012345.
 */
describe("the admin role's trust policy against GitHub's OIDC tokens", () => {
  const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com'
  const AUD = 'sts.amazonaws.com'
  const MAIN = 'ref:refs/heads/main'
  const LEGACY = `repo:acme/app:${MAIN}`
  const IMMUTABLE = `repo:acme@1234567/app@89012345:${MAIN}`
  const trust = JSON.parse(
    TRUST_TEXT.replace(/\bOWNER_ID\b/g, '1234567')
      .replace(/\bREPO_ID\b/g, '89012345')
      .replace(/\bOWNER\b/g, 'acme')
      .replace(/\bREPO\b/g, 'app')
  ) as TrustPolicy
  const assume = (claims: { aud?: string; sub?: string }, policy = trust) =>
    assumeRoleWithWebIdentity(policy, { provider: PROVIDER, claims })

  it('is a policy the evaluator takes whole, with every placeholder written', () => {
    expect(() => checkTrustPolicy(TRUST)).not.toThrow()
    expect(JSON.stringify(trust)).not.toMatch(/OWNER|REPO_ID|\bREPO\b/)
  })

  it.each([
    ['the legacy subject of the main branch', LEGACY],
    ['the immutable subject of the main branch, with both ids', IMMUTABLE]
  ])('admits %s', (_name, sub) => {
    expect(assume({ aud: AUD, sub })).toBe('allow')
  })

  it.each([
    [
      'an owner of the same name with another id (deleted and recreated)',
      `repo:acme@7654321/app@89012345:${MAIN}`
    ],
    [
      'a repository of the same name with another id (deleted and recreated)',
      `repo:acme@1234567/app@89012346:${MAIN}`
    ],
    ['the two ids swapped', `repo:acme@89012345/app@1234567:${MAIN}`],
    ['another branch (legacy subject)', 'repo:acme/app:ref:refs/heads/feature'],
    [
      'another branch (immutable subject)',
      'repo:acme@1234567/app@89012345:ref:refs/heads/main-old'
    ],
    ['a pull request', 'repo:acme/app:pull_request'],
    ['a job with an environment', 'repo:acme/app:environment:production'],
    ['another repository of the owner (legacy subject)', `repo:acme/api:${MAIN}`],
    [
      'another repository of the owner (immutable subject)',
      `repo:acme@1234567/api@89012399:${MAIN}`
    ],
    ['a repository of the same name under another owner', `repo:other/app:${MAIN}`],
    ['a subject in another case', `repo:Acme/App:${MAIN}`]
  ])('refuses %s', (_name, sub) => {
    expect(assume({ aud: AUD, sub })).toBe('implicit-deny')
  })

  it('refuses a token without a subject, and the right subject with another audience or none', () => {
    expect(assume({ aud: AUD })).toBe('implicit-deny')
    expect(assume({ aud: 'sigstore', sub: LEGACY })).toBe('implicit-deny')
    expect(assume({ aud: 'sigstore', sub: IMMUTABLE })).toBe('implicit-deny')
    expect(assume({ sub: LEGACY })).toBe('implicit-deny')
  })

  it("refuses a token presented through another account's provider", () => {
    const other = assumeRoleWithWebIdentity(trust, {
      provider: 'arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com',
      claims: { aud: AUD, sub: LEGACY }
    })
    expect(other).toBe('implicit-deny')
  })

  it('the legacy subject alone (the policy before) refuses the immutable one, as AWS did', () => {
    const legacyOnly: TrustPolicy = {
      ...trust,
      Statement: [trust.Statement].flat().map(statement => ({
        ...statement,
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': AUD,
            'token.actions.githubusercontent.com:sub': LEGACY
          }
        }
      }))
    }
    expect(assume({ aud: AUD, sub: LEGACY }, legacyOnly)).toBe('allow')
    expect(assume({ aud: AUD, sub: IMMUTABLE }, legacyOnly)).toBe('implicit-deny')
  })
})
