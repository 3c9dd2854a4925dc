/**
 * Errors a user meets, each through the bundled action: the message says what failed, for which
 * user or target, and what to do. (Missing IAM permissions: e2e-policies; token permissions per
 * scope and missing environments: e2e-scopes; bad input: e2e-bad-input; faults: e2e-faults-*.)
 */
import { nodeBinaries } from './emulators/runner.js'
import {
  adminRole,
  ID_SECRET,
  KEY_SECRET,
  startWorld,
  USER,
  type World
} from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}
const created = (world: World) =>
  world.aws.requests.filter(r => r.action === 'CreateAccessKey' && r.status === 200).length

describe(`error messages on ${runner?.name ?? 'node'}`, () => {
  let world: World | undefined
  afterEach(() => world?.close())

  it('a token GitHub does not know (401): says to replace it, before any AWS change', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    const result = await world.run({ 'github-token': 'github_pat_revoked_long_ago' }, withNode)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::Preflight failed, so nothing was changed.*acme\/app \(401.*was rejected \(expired or revoked\?\); create a new token/
    )
    expect(created(world)).toBe(0)
  })

  it('the workflow gave a key id and a secret of different keys: says so and what to set', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    const other = world.aws.createAccessKey(USER)
    world.github.setSecret('acme/app', KEY_SECRET, other.secretAccessKey)
    const result = await world.run({}, withNode)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::AWS refused the credentials this workflow gave: the signature does not match, so the access key id and the secret access key are not a pair.*Set both secrets to one key/
    )
  })

  it('the workflow gave a deleted key: says the key is unknown to AWS', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    const held = world.stored()
    world.aws.createAccessKey(USER)
    world.aws.deleteKey(held.accessKeyId)
    const result = await world.run({}, withNode)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::AWS does not know the access key id this workflow gave \(InvalidClientTokenId, from STS in us-east-1\): the key was deleted or deactivated/
    )
  })

  it('aws-region in another partition than the key: says so, not that the key was deleted', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    const result = await world.run({ 'aws-region': 'cn-north-1' }, withNode)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::AWS does not know the access key id .* aws-region cn-north-1 is in the aws-cn partition, where keys of other partitions are unknown.*Set aws-region to a region of the IAM user's partition/
    )
    const changes = world.aws.requests.filter(r =>
      ['CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey', 'TagUser', 'UntagUser'].includes(
        r.action
      )
    )
    expect(changes).toEqual([])
  })

  it('GitHub keeps rate-limiting: the run waits with growing pauses until rate-limit-budget is spent, keeps every target working, says what to do', async () => {
    world = await startWorld({ repos: ['acme/app', 'acme/api'], propagationDelayMs: 300 })
    world.github.intercept(call =>
      call.route === 'put-secret' && call.repo === 'acme/api'
        ? { status: 403, retryAfterSeconds: 1 }
        : undefined
    )
    const result = await world.run({ 'rate-limit-budget': '5s' }, withNode)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/GitHub rate limit: pausing every request for 1.0 s/)
    expect(result.stdout).toMatch(/pausing every request for 2.0 s \(limited 2 times in a row\)/)
    expect(result.stdout).toMatch(
      /::error::.*acme\/api.*rate-limit-budget \(5 s\); the next run writes what is left/
    )
    // Nothing was left half-done: the new key went away, the old one still works.
    const held = world.stored('acme/api')
    expect(world.aws.keys(USER).find(k => k.accessKeyId === held.accessKeyId)?.status).toBe(
      'Active'
    )
    expect(world.github.secret('acme/app', ID_SECRET)?.value).toBe(held.accessKeyId)
  }, 60_000)

  it('a 429 with retry-after is waited out once, not retried on another schedule', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    let refused = 0
    world.github.intercept(call =>
      call.route === 'put-secret' && call.secretName === KEY_SECRET && refused++ === 0
        ? { status: 429, retryAfterSeconds: 1 }
        : undefined
    )
    const result = await world.run({}, withNode)
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/GitHub rate limit: pausing every request for 1.0 s/)
    const writes = world.github.requests.filter(
      r => r.route === 'put-secret' && r.secretName === KEY_SECRET
    )
    expect(writes.map(r => r.status)).toEqual([429, 204])
  })

  it('export-credentials in admin mode clears the role session token for later steps', async () => {
    world = await startWorld({ propagationDelayMs: 300, userPath: '/deploy/' })
    const result = await world.run(
      { 'iam-user-name': USER, 'export-credentials': 'true' },
      { ...withNode, ...adminRole(world) }
    )
    expect(result.code).toBe(0)
    expect(result.exported).toEqual({
      AWS_ACCESS_KEY_ID: world.stored().accessKeyId,
      AWS_SECRET_ACCESS_KEY: world.stored().secretAccessKey,
      AWS_SESSION_TOKEN: ''
    })
  })

  it('verification never succeeds: names the timeout, deletes the new key, says what to raise', async () => {
    world = await startWorld({ propagationDelayMs: 600_000 })
    const result = await world.run({ 'verify-timeout': '5s' }, withNode)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::The new key was not verified within verify-timeout \(5s\): AWS still answered InvalidClientTokenId.*Deleted the new key.*raise verify-timeout/
    )
    expect(world.aws.keys(USER)).toHaveLength(1)
  }, 30_000)
})
