/**
 * A new key propagates unevenly: STS may accept it while IAM still rejects it, and acceptance can
 * flicker. Verification needs several acceptances in a row, and every later call signed with the
 * new key retries InvalidClientTokenId.
 */
import { nodeBinaries } from './emulators/runner.js'
import { startWorld, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}

describe(`uneven propagation on ${runner?.name ?? 'node'}`, () => {
  let world: World
  afterEach(() => world.close())

  function rejectionsOfNewKey(oldKeyId: string, service: 'iam' | 'sts'): number {
    return world.aws.requests.filter(
      r =>
        r.service === service &&
        r.accessKeyId !== oldKeyId &&
        r.errorCode === 'InvalidClientTokenId'
    ).length
  }

  it('waits out IAM lagging STS for the calls it makes with the new key', async () => {
    world = await startWorld()
    const old = world.stored()
    world.aws.setAcceptance(
      (key, now, service) => now >= key.createDate.getTime() + (service === 'sts' ? 1_000 : 3_000)
    )
    const result = await world.run({}, withNode)
    expect(result.code).toBe(0)
    expect(rejectionsOfNewKey(old.accessKeyId, 'iam')).toBeGreaterThan(0)
    const created = world.aws.keys(USER).find(k => k.accessKeyId !== old.accessKeyId)
    expect(created?.status).toBe('Active')
    expect(world.aws.keys(USER).find(k => k.accessKeyId === old.accessKeyId)?.status).toBe(
      'Inactive'
    )
    // The deactivation was signed with the new key, after IAM came to accept it.
    const deactivation = world.aws.requests.find(
      r => r.action === 'UpdateAccessKey' && r.status === 200
    )
    expect(deactivation?.accessKeyId).toBe(created?.accessKeyId)
  })

  it('starts verification over when STS acceptance flickers (accepted, rejected, accepted)', async () => {
    world = await startWorld()
    const old = world.stored()
    const verdicts = [true, false, true, true, true]
    let afterPropagation = 0
    world.aws.setAcceptance((key, now, service) => {
      if (now < key.createDate.getTime() + 500) return false
      if (service !== 'sts') return true
      return verdicts[afterPropagation++] ?? true
    })
    const result = await world.run({}, withNode)
    expect(result.code).toBe(0)
    const stsCalls = world.aws.requests.filter(
      r => r.service === 'sts' && r.accessKeyId !== old.accessKeyId
    )
    // One acceptance, a rejection that resets the count, then three in a row.
    const afterFirstAcceptance = stsCalls.slice(stsCalls.findIndex(r => r.status === 200))
    // And once more right before the previous key is deactivated: the targets' key still works.
    expect(afterFirstAcceptance.map(r => r.status)).toEqual([200, 403, 200, 200, 200, 200])
    const firstWrite = world.github.requests.find(r => r.route === 'put-secret')
    expect(firstWrite?.at).toBeGreaterThanOrEqual(stsCalls[stsCalls.length - 2]?.at ?? Infinity)
  })

  it('retries a later IAM call that the new key gets rejected on after verification', async () => {
    world = await startWorld()
    const old = world.stored()
    let iamCallsWithNewKey = 0
    world.aws.setAcceptance((key, now, service) => {
      if (now < key.createDate.getTime() + 500) return false
      // The first two IAM calls signed with the new key are rejected, although STS accepted it.
      return service === 'sts' || ++iamCallsWithNewKey > 2
    })
    const result = await world.run({}, withNode)
    expect(result.code).toBe(0)
    expect(rejectionsOfNewKey(old.accessKeyId, 'iam')).toBe(2)
    expect(world.aws.tags(USER)[world.stored().accessKeyId]).toMatch(/state=active/)
  })
})
