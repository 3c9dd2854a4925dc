/**
 * Something still uses the old key: reactivate-previous, and a key a person reactivated in the
 * console. Through the bundled action: the key comes back, the targets keep the current key,
 * every run warns while the old key is used, and it is deactivated again once it goes quiet.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { nodeBinaries } from './emulators/runner.js'
import { DAY, startWorld, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}
const WRITES = new Set(['CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey', 'TagUser'])

/** Every case also runs with IAM's reads one second stale (eventual consistency, FACTS.md). */
const READ_LAGS = [0, 1_000]

describe.each(READ_LAGS)(
  `reactivating the previous key on ${runner?.name ?? 'node'}, IAM reads %i ms stale`,
  readLagMs => {
    let world: World
    afterEach(() => world.close())

    /** A consumer outside the targets (a server, a laptop) still signing with the old key. */
    async function consumerUses(credentials: { accessKeyId: string; secretAccessKey: string }) {
      const client = new STSClient({
        endpoint: world.aws.url,
        region: 'eu-west-1',
        credentials,
        maxAttempts: 1
      })
      await client.send(new GetCallerIdentityCommand({}))
      client.destroy()
    }
    const status = (keyId: string) =>
      world.aws.keys(USER).find(k => k.accessKeyId === keyId)?.status
    const markOf = (keyId: string) => world.aws.tags(USER)[keyId] ?? ''
    const writesSince = (index: number) =>
      world.aws.requests.slice(index).filter(r => WRITES.has(r.action) && r.status === 200)

    async function rotateOnce(): Promise<{ old: string; current: string }> {
      const old = world.stored().accessKeyId
      const rotated = await world.run({}, withNode)
      expect(rotated.outputs.rotated).toBe('true')
      expect(status(old)).toBe('Inactive')
      // What follows comes later (something breaks, someone notices): reads show the rotation.
      world.aws.settleReads()
      return { old, current: world.stored().accessKeyId }
    }

    it('reactivate-previous brings the retired key back, warns while it is used, retires it once quiet', async () => {
      world = await startWorld({ readLagMs, propagationDelayMs: 300 })
      const oldCredentials = world.stored()
      const { old, current } = await rotateOnce()

      const undo = await world.run({ 'reactivate-previous': 'true' }, withNode)
      expect(undo.code).toBe(0)
      expect(undo.outputs['reactivated-access-key-ids']).toBe(old)
      expect(undo.outputs.rotated).toBe('false')
      expect(undo.outputs['access-key-id']).toBe(current)
      expect(status(old)).toBe('Active')
      expect(world.stored().accessKeyId).toBe(current)
      expect(markOf(old)).toMatch(/^rotate-aws-access-keys v1 state=reactivated at=\S+ run=1001\.1/)
      expect(undo.summary).toMatch(/Previous key reactivated/)
      expect(undo.summary).toMatch(/reactivated this run/)

      // The consumer keeps using the old key: every run warns, naming the service and region.
      for (let day = 0; day < 2; day++) {
        world.advance(DAY)
        await consumerUses(oldCredentials)
        const before = world.aws.requests.length
        const kept = await world.run({ force: 'true' }, withNode)
        expect(kept.code).toBe(0)
        expect(kept.stdout).toMatch(/::warning::.*something still uses it/)
        expect(kept.stdout).toMatch(/by sts in eu-west-1/)
        expect(kept.stdout).toMatch(/No rotation can start while .* is active again/)
        expect(status(old)).toBe('Active')
        // Not a LimitExceeded: no key was even attempted.
        expect(writesSince(before)).toEqual([])
      }

      // The consumer moved to the new key: a day without use, and the old key is retired again.
      world.advance(DAY + 60_000)
      const quiet = await world.run({}, withNode)
      expect(quiet.code).toBe(0)
      expect(quiet.outputs['deactivated-access-key-ids']).toBe(old)
      expect(status(old)).toBe('Inactive')
      expect(markOf(old)).toMatch(/state=retired/)

      // ...and the normal delete-after follows, then rotations resume.
      world.advance(8 * DAY)
      const deleted = await world.run({}, withNode)
      expect(deleted.outputs['deleted-access-key-ids']).toBe(old)
      world.advance(100 * DAY)
      const again = await world.run({}, withNode)
      expect(again.outputs.rotated).toBe('true')
    }, 60_000)

    it('a key reactivated by hand in the console is recognised, kept while used, then deactivated', async () => {
      world = await startWorld({ readLagMs, propagationDelayMs: 300 })
      const oldCredentials = world.stored()
      const { old, current } = await rotateOnce()

      world.advance(2 * DAY)
      world.aws.setKeyStatus(old, 'Active')
      world.advance(60_000)
      await consumerUses(oldCredentials)
      const found = await world.run({}, withNode)
      expect(found.code).toBe(0)
      expect(found.stdout).toMatch(/reactivated by hand/)
      expect(found.stdout).toMatch(/::warning::.*by sts in eu-west-1: something still uses it/)
      expect(found.stdout).not.toMatch(/::error::/)
      expect(markOf(old)).toMatch(/state=reactivated/)
      expect(world.stored().accessKeyId).toBe(current)

      world.advance(60_000)
      await consumerUses(oldCredentials)
      world.advance(12 * 3_600_000)
      const used = await world.run({}, withNode)
      expect(used.stdout).toMatch(/::warning::.*by sts in eu-west-1: something still uses it/)
      expect(status(old)).toBe('Active')

      world.advance(DAY)
      const quiet = await world.run({}, withNode)
      expect(quiet.outputs['deactivated-access-key-ids']).toBe(old)
      expect(status(old)).toBe('Inactive')
    }, 60_000)

    it('warns, with the service and region, when the old key is used while the new one is written', async () => {
      world = await startWorld({ readLagMs, propagationDelayMs: 300 })
      const oldCredentials = world.stored()
      let used = false
      world.github.intercept(async call => {
        if (call.route === 'put-secret' && !used) {
          used = true
          // A second after the run began writing, a server still signs with the old key.
          await new Promise(resolve => setTimeout(resolve, 1_100))
          await consumerUses(oldCredentials)
        }
        return undefined
      })
      const result = await world.run({}, withNode)
      expect(result.code).toBe(0)
      expect(result.outputs['deactivated-access-key-ids']).toBe(oldCredentials.accessKeyId)
      expect(result.stdout).toMatch(
        /::warning::AKIA…\S+ was used at \S+ \(sts, eu-west-1\), while this run was writing the new key/
      )
    })

    it('does not take its own calls with the old key for another consumer', async () => {
      world = await startWorld({ readLagMs, propagationDelayMs: 300 })
      const result = await world.run({}, withNode)
      expect(result.outputs.rotated).toBe('true')
      expect(result.stdout).not.toMatch(/::warning::/)
    })

    it('refuses reactivate-previous when nothing was retired, changing nothing', async () => {
      world = await startWorld({ readLagMs, keyAgeDays: 10, propagationDelayMs: 300 })
      const before = world.aws.requests.length
      const refused = await world.run({ 'reactivate-previous': 'true' }, withNode)
      expect(refused.code).toBe(1)
      expect(refused.stdout).toMatch(
        /::error::reactivate-previous: IAM user deploy has no key that this action retired/
      )
      expect(refused.outputs['reactivated-access-key-ids']).toBe('')
      expect(writesSince(before)).toEqual([])
    })

    it('refuses reactivate-previous once the retired key was deleted', async () => {
      world = await startWorld({ readLagMs, propagationDelayMs: 300 })
      const { old } = await rotateOnce()
      world.advance(8 * DAY)
      await world.run({}, withNode)
      expect(status(old)).toBeUndefined()
      const refused = await world.run({ 'reactivate-previous': 'true' }, withNode)
      expect(refused.code).toBe(1)
      expect(refused.stdout).toMatch(/no key that this action retired and that still exists/)
    })
  }
)
