/**
 * Another writer, end to end through the bundled action: two IAM users listed with one target
 * both rotate it; after the second user's rotation the first user's next run warns, opens its
 * issue and rotates as it would have; a forced run of the first user writes its key again and
 * heals. One user rotating again and again, days apart, never warns. Every run reads each
 * target's access key id secret once (GET, updated_at), never a value; a refused read is one
 * notice and changes nothing.
 */
import { maskedLog, type RunResult } from './emulators/runner.js'
import {
  DAY,
  ID_SECRET,
  KEY_SECRET,
  policyFile,
  startWorld,
  type World
} from './emulators/world.js'

const SHARED = 'acme/app'
/** Each user's own repository, holding the key its workflow signs with. */
const OWN_A = 'acme/ops-a'
const OWN_B = 'acme/ops-b'
const USER_B = 'deploy-b'
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ'

const otherWriterWarnings = (result: RunResult) =>
  maskedLog(result.stdout)
    .visible.split('\n')
    .filter(line => line.startsWith('::warning::') && line.includes('Another writer'))

/** Reads of one secret's metadata since request `from`, as `target name`. */
const secretReads = (world: World, from: number) =>
  world.github.requests
    .slice(from)
    .filter(r => r.route === 'get-secret')
    .map(r => `${r.repo} ${r.secretName}`)

/** A second deploy user whose workflow runs in OWN_B and also lists SHARED. */
function addUserB(world: World): { accessKeyId: string; secretAccessKey: string } {
  world.aws.createUser(USER_B)
  world.aws.attachPolicy(USER_B, policyFile('self-rotation'))
  const key = world.aws.createAccessKey(USER_B, { createdAt: new Date(Date.now() - 100 * DAY) })
  world.github.setSecret(OWN_B, ID_SECRET, key.accessKeyId)
  world.github.setSecret(OWN_B, KEY_SECRET, key.secretAccessKey)
  return key
}

describe('two IAM users listed with one target', () => {
  let world: World
  afterEach(() => world.close())

  it("after the second user's rotation, the first user's next run warns and opens its issue", async () => {
    world = await startWorld({ repos: [SHARED, OWN_A, OWN_B], issues: 'write' })
    const keyB = addUserB(world)
    const runA = (runId: string, inputs: Record<string, string> = {}) =>
      world.run({ targets: `${OWN_A}\n${SHARED}`, ...inputs }, { repo: OWN_A, runId })

    const first = await runA('3001')
    expect(first.outputs.rotated).toBe('true')
    world.advance(DAY)
    const before = world.github.requests.length
    const other = await world.run(
      { targets: `${OWN_B}\n${SHARED}` },
      { repo: OWN_B, runId: '3002' }
    )
    expect(other.code).toBe(0)
    expect(other.outputs.rotated).toBe('true')
    expect(otherWriterWarnings(other)).toEqual([])
    // One read per target, of the access key id secret only.
    expect(secretReads(world, before)).toEqual([`${OWN_B} ${ID_SECRET}`, `${SHARED} ${ID_SECRET}`])
    expect(world.stored(SHARED)).toEqual(world.stored(OWN_B))

    // Right after, the write may be another run of deploy's: left to a later run.
    const soon = await runA('3010')
    expect(soon.code).toBe(0)
    expect(otherWriterWarnings(soon)).toEqual([])
    world.advance(10 * 60_000)
    const told = await runA('3003')
    expect(told.code).toBe(0)
    expect(told.outputs.rotated).toBe('false')
    const warnings = otherWriterWarnings(told)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      new RegExp(
        `^::warning::Another writer: GitHub says ${ID_SECRET} in ${SHARED} at ${ISO} was updated after this action wrote AKIA…\\w{4} of IAM user deploy to every target at ${ISO}, and no run of deploy has written since\\. `
      )
    )
    expect(warnings[0]).toContain('Check which IAM user each of these targets should belong to')
    expect(told.outputs.issue).toBe('opened')
    const [issue, ...more] = world.github.issues(OWN_A)
    expect(more).toEqual([])
    expect(issue?.body).toContain(`Another writer: GitHub says ${ID_SECRET} in ${SHARED}`)
    const shown = `${warnings[0]}\n${issue?.title}\n${issue?.body}\n${told.summary}`
    for (const value of [keyB.secretAccessKey, world.stored(SHARED).secretAccessKey]) {
      expect(shown).not.toContain(value)
    }
    expect(world.stored(SHARED)).toEqual(world.stored(OWN_B))

    // A person decides the target is deploy's: a forced run writes its key again and heals.
    const forced = await runA('3004', { force: 'true' })
    expect(forced.code).toBe(0)
    expect(forced.outputs.rotated).toBe('true')
    expect(world.stored(SHARED)).toEqual(world.stored(OWN_A))
    const healed = await runA('3005')
    expect(otherWriterWarnings(healed)).toEqual([])
    expect(healed.outputs.issue).toBe('closed')
  })

  it('one user rotating again and again, days apart, never warns', async () => {
    world = await startWorld({ repos: [SHARED, 'acme/web'], issues: 'write' })
    const runs: Array<[string, Record<string, string>, number]> = [
      ['4001', {}, 0],
      ['4002', {}, DAY],
      ['4003', { force: 'true' }, 0],
      ['4004', {}, 30 * DAY],
      ['4005', { force: 'true' }, DAY],
      ['4006', {}, 0]
    ]
    for (const [runId, inputs, then] of runs) {
      const result = await world.run(inputs, { runId })
      expect({ runId, code: result.code, warnings: otherWriterWarnings(result) }).toEqual({
        runId,
        code: 0,
        warnings: []
      })
      expect(result.outputs.issue).toBe('none')
      world.advance(then)
    }
    expect(world.github.requests.filter(r => r.route === 'get-secret')).toHaveLength(12)
  })

  it('a read GitHub refuses is one notice, and the run rotates as it would have', async () => {
    world = await startWorld({ repos: [SHARED, 'acme/web'] })
    world.github.intercept(call =>
      call.route === 'get-secret' && call.repo === 'acme/web'
        ? { status: 403, message: 'Resource not accessible by personal access token' }
        : undefined
    )
    const result = await world.run()
    expect(result.code).toBe(0)
    expect(result.outputs.rotated).toBe('true')
    const notices = result.stdout.split('\n').filter(line => line.startsWith('::notice::'))
    expect(notices.filter(line => line.includes('last written'))).toEqual([
      `::notice::Could not read when ${ID_SECRET} was last written in acme/web (403), so this run cannot tell whether someone else wrote it there. The rotation goes on; the read needs the same secrets permission as the writes.`
    ])
  })
})
