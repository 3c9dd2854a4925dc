/**
 * A cancelled workflow run: the runner sends SIGINT (then SIGTERM). The action finishes the
 * request in flight and stops where the next run knows the state, never between the two PUTs of
 * a target.
 */
import type { ChildProcess } from 'node:child_process'
import { nodeBinaries } from './emulators/runner.js'
import { ID_SECRET, KEY_SECRET, startWorld, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}

describe(`cancellation on ${runner?.name ?? 'node'}`, () => {
  let world: World
  afterEach(() => world.close())

  it('deletes the new key when cancelled while AWS verifies it', async () => {
    world = await startWorld({ propagationDelayMs: 3_000 })
    const old = world.stored()
    let child: ChildProcess | undefined
    world.aws.intercept(call => {
      if (call.service === 'sts' && call.accessKeyId !== old.accessKeyId) child?.kill('SIGINT')
      return undefined
    })
    const result = await world.run({}, { ...withNode, onSpawn: c => (child = c) })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/::warning::Received SIGINT: stopping at the next safe point/)
    expect(result.stdout).toMatch(
      /::error::The run was cancelled while AWS verified the new key\. Deleted the new key/
    )
    expect(world.aws.keys(USER).map(k => [k.accessKeyId, k.status])).toEqual([
      [old.accessKeyId, 'Active']
    ])
    expect(world.github.history('acme/app', KEY_SECRET)).toHaveLength(1)
  })

  it('finishes the pair in flight and leaves a state the next run heals when cancelled mid-distribution', async () => {
    world = await startWorld({ repos: ['acme/app', 'acme/api'] })
    const old = world.stored()
    let child: ChildProcess | undefined
    world.github.intercept(call => {
      if (call.route !== 'put-secret' || call.repo !== 'acme/api') return undefined
      child?.kill('SIGTERM')
      return { delayMs: 500 }
    })
    const result = await world.run({}, { ...withNode, onSpawn: c => (child = c) })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/acme\/app: not written, because the run was cancelled/)
    // acme/api got both secrets of the new key; acme/app (the workflow's own) still holds the old pair.
    const created = world.aws.keys(USER).find(k => k.accessKeyId !== old.accessKeyId)
    expect(world.stored('acme/api')).toEqual({
      accessKeyId: created?.accessKeyId,
      secretAccessKey: created?.secretAccessKey
    })
    expect(world.stored('acme/app')).toEqual(old)
    expect(world.aws.keys(USER).every(k => k.status === 'Active')).toBe(true)

    const next = await world.run({}, { ...withNode, runId: '1002' })
    expect(next.code).toBe(0)
    const active = world.aws.keys(USER).filter(k => k.status === 'Active')
    expect(active).toHaveLength(1)
    for (const repo of world.repos)
      expect(world.github.secret(repo, ID_SECRET)?.value).toBe(active[0]?.accessKeyId)
  })
})
