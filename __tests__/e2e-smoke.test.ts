/**
 * The smoke workflow gate, end to end through the bundled action: after every target holds the
 * new key, a workflow that uses it is dispatched, and the previous key is deactivated only if
 * that run succeeds. The GitHub emulator runs the dispatched workflow with the outcome a test
 * sets.
 */
import { maskedLog, nodeBinaries } from './emulators/runner.js'
import { ID_SECRET, KEY_SECRET, USER, startWorld, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}
const REPO = 'acme/app'
const GATE = { 'smoke-workflow': 'smoke.yml', 'verify-timeout': '10s' }

const created = (world: World) =>
  world.aws.requests.filter(r => r.action === 'CreateAccessKey' && r.status === 200).length
const dispatches = (world: World) =>
  world.github.requests.filter(r => r.route === 'dispatch-workflow')

async function gatedWorld(options: Parameters<typeof startWorld>[0] = {}): Promise<World> {
  const world = await startWorld({ repos: [REPO, 'acme/api'], propagationDelayMs: 200, ...options })
  world.github.addWorkflow(REPO, 'smoke.yml')
  return world
}

describe(`smoke workflow gate on ${runner?.name ?? 'node'}`, () => {
  let world: World | undefined
  afterEach(() => world?.close())

  it('dispatches the smoke workflow once every target holds the new key, then deactivates', async () => {
    world = await gatedWorld()
    const old = world.stored()
    const result = await world.run(GATE, withNode)
    expect(result.code).toBe(0)
    const fresh = world.stored()
    expect(fresh.accessKeyId).not.toBe(old.accessKeyId)
    const keys = world.aws.keys(USER)
    expect(keys.find(k => k.accessKeyId === old.accessKeyId)?.status).toBe('Inactive')

    // One run, dispatched after the last secret was written, saying which rotation it checks.
    const [run, ...others] = world.github.workflowRuns(REPO)
    expect(others).toEqual([])
    expect(run?.ref).toBe('main')
    expect(run?.inputs.rotation).toMatch(
      new RegExp(`^AKIA…${fresh.accessKeyId.slice(-4)} from acme/app run 1001\\.1$`)
    )
    expect(run?.displayTitle).toContain(run?.inputs.rotation)
    const lastWrite = Math.max(
      ...world.repos.flatMap(repo =>
        [ID_SECRET, KEY_SECRET].map(
          name => world?.github.secret(repo, name)?.updatedAt.getTime() ?? 0
        )
      )
    )
    expect(run?.createdAt).toBeGreaterThanOrEqual(lastWrite - 1000)
    const deactivation = world.aws.requests.find(r => r.action === 'UpdateAccessKey')
    expect(deactivation?.at).toBeGreaterThanOrEqual(run?.createdAt ?? Infinity)

    expect(result.outputs['smoke-conclusion']).toBe('success')
    expect(result.outputs['smoke-run-url']).toMatch(
      new RegExp(`/acme/app/actions/runs/${run?.id}$`)
    )
    expect(result.summary).toMatch(/### Smoke workflow\s+Passed: \[run \d+\]/)
    expect(result.stdout).toMatch(
      /Preflight: smoke workflow acme\/app\/\.github\/workflows\/smoke\.yml@main can be dispatched/
    )
    expect(result.stdout).toMatch(/Smoke run .* ended: success/)
    // The gate passed: the mark no longer says it is due.
    expect(world.aws.tags(USER)[fresh.accessKeyId]).not.toMatch(/smoke=/)
  })

  it('keeps the previous key active when the smoke run fails, and a later run retries the gate instead of rotating', async () => {
    world = await gatedWorld()
    const old = world.stored()
    world.github.setWorkflowOutcome(REPO, 'smoke.yml', { conclusion: 'failure' })
    const failed = await world.run(GATE, { ...withNode, runId: '2001' })
    expect(failed.code).toBe(1)
    const fresh = world.stored()
    expect(fresh.accessKeyId).not.toBe(old.accessKeyId)
    for (const repo of world.repos) expect(world.stored(repo)).toEqual(fresh)
    expect(world.aws.keys(USER).map(k => k.status)).toEqual(['Active', 'Active'])
    expect(world.aws.tags(USER)[fresh.accessKeyId]).toMatch(/state=active .*smoke=failed/)
    const url = failed.outputs['smoke-run-url']
    expect(url).toMatch(/\/actions\/runs\/\d+$/)
    expect(failed.outputs['smoke-conclusion']).toBe('failure')
    expect(failed.stdout).toContain(
      `::error::The smoke workflow did not pass: the smoke run ended with "failure" (${url})`
    )
    expect(failed.stdout).toMatch(
      /previous key AKIA…\w{4} stays active.*runs the smoke workflow again before it deactivates anything/
    )

    // The consumer is fixed; the next scheduled run gates again and finishes, without a new key.
    world.github.setWorkflowOutcome(REPO, 'smoke.yml', { conclusion: 'success' })
    const keysMade = created(world)
    const retried = await world.run(GATE, { ...withNode, runId: '2002' })
    expect(retried.code).toBe(0)
    expect(created(world)).toBe(keysMade)
    expect(retried.stdout).toMatch(/did not pass for AKIA…\w{4} on an earlier run/)
    expect(world.stored()).toEqual(fresh)
    expect(world.aws.keys(USER).find(k => k.accessKeyId === old.accessKeyId)?.status).toBe(
      'Inactive'
    )
    expect(world.github.workflowRuns(REPO)).toHaveLength(2)
    expect(world.github.workflowRuns(REPO)[1]?.inputs.rotation).toMatch(/run 2002\.1$/)
    expect(retried.outputs['deactivated-access-key-ids']).toBe(old.accessKeyId)
  })

  it('never skips a failed gate: a run without smoke-workflow refuses, keeping the previous key active', async () => {
    world = await gatedWorld()
    const old = world.stored()
    world.github.setWorkflowOutcome(REPO, 'smoke.yml', { conclusion: 'failure' })
    expect((await world.run(GATE, { ...withNode, runId: '3001' })).code).toBe(1)
    // Another workflow rotating the same user, without the gate.
    const ungated = await world.run({ force: 'true' }, { ...withNode, runId: '3002' })
    expect(ungated.code).toBe(1)
    expect(ungated.stdout).toMatch(
      /::error::The smoke workflow has not passed for AKIA…\w{4} \(its mark says smoke=failed\), and this run has no smoke-workflow/
    )
    expect(world.aws.keys(USER).find(k => k.accessKeyId === old.accessKeyId)?.status).toBe('Active')
    expect(ungated.outputs['deactivated-access-key-ids']).toBe('')
    expect(ungated.outputs.rotated).toBe('false')
  })

  it('reactivate-previous still works with smoke-workflow set, as the scheduled example passes both', async () => {
    world = await gatedWorld()
    const old = world.stored()
    expect((await world.run(GATE, { ...withNode, runId: '4001' })).code).toBe(0)
    const undo = await world.run(
      { ...GATE, 'reactivate-previous': 'true' },
      { ...withNode, runId: '4002' }
    )
    expect(undo.code).toBe(0)
    expect(undo.outputs['reactivated-access-key-ids']).toBe(old.accessKeyId)
    expect(world.github.workflowRuns(REPO)).toHaveLength(1)
  })

  it('counts a smoke run that does not finish within smoke-timeout as failed, and leaves both keys active', async () => {
    world = await gatedWorld()
    world.github.setWorkflowOutcome(REPO, 'smoke.yml', { never: true })
    const result = await world.run({ ...GATE, 'smoke-timeout': '10s' }, withNode)
    expect(result.code).toBe(1)
    expect(result.outputs['smoke-conclusion']).toBe('timeout')
    expect(result.stdout).toMatch(
      /did not finish within smoke-timeout \(10s\); it was left in progress/
    )
    expect(result.stdout).toMatch(/Smoke run .*: in progress/)
    expect(world.aws.keys(USER).map(k => k.status)).toEqual(['Active', 'Active'])
  })

  it('records nothing over another run that moved the key on while this one waited', async () => {
    world = await gatedWorld()
    const current = world
    current.github.setWorkflowOutcome(REPO, 'smoke.yml', { never: true })
    let moved = false
    current.github.intercept(call => {
      if (call.route === 'get-run' && !moved) {
        // Another run passes its own gate for the same key: its mark drops smoke=.
        moved = true
        const keyId = current.stored().accessKeyId
        const mark = current.aws.tags(USER)[keyId] ?? ''
        expect(mark).toMatch(/state=active .*run=1001\.1 .*smoke=due/)
        current.aws.setTag(USER, keyId, mark.replace(' smoke=due', ''))
      }
      return undefined
    })
    const result = await current.run({ ...GATE, 'smoke-timeout': '10s' }, withNode)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /Another run changed the mark of AKIA…\w{4} while this one waited, so this run leaves the keys to it and records nothing/
    )
    expect(current.aws.tags(USER)[current.stored().accessKeyId]).not.toMatch(/smoke=/)
  })

  it('refuses in preflight, changing nothing, when the smoke workflow does not exist', async () => {
    world = await gatedWorld()
    const before = world.stored()
    const result = await world.run(
      { ...GATE, 'smoke-workflow': 'acme/app/smoke-test.yml' },
      withNode
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::Preflight failed, so nothing was changed in AWS or GitHub: smoke-workflow: acme\/app\/\.github\/workflows\/smoke-test\.yml does not exist/
    )
    expect(created(world)).toBe(0)
    expect(world.stored()).toEqual(before)
    expect(dispatches(world)).toEqual([])
  })

  it('refuses in preflight when the workflow has no workflow_dispatch trigger', async () => {
    world = await gatedWorld()
    world.github.addWorkflow(REPO, 'on-push.yml', {
      content:
        'name: On push\non: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n'
    })
    const result = await world.run({ ...GATE, 'smoke-workflow': 'on-push.yml' }, withNode)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /smoke-workflow: .*on-push\.yml@main has no workflow_dispatch trigger/
    )
    expect(created(world)).toBe(0)
  })

  it('refuses in preflight when the token may not dispatch workflows (no Actions write)', async () => {
    world = await gatedWorld()
    const readOnly = 'github_pat_actions_read_only'
    world.github.addToken(readOnly, {
      repos: '*',
      secrets: 'write',
      kind: 'pat',
      permissions: { actions: 'read', contents: 'read' }
    })
    const result = await world.run({ ...GATE, 'github-token': readOnly }, withNode)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /smoke-workflow: the github-token may not dispatch workflows \(Actions: write\) in acme\/app .*"Actions: read and write" and "Contents: read"/
    )
    expect(created(world)).toBe(0)
    expect(dispatches(world)).toEqual([])
    expect(maskedLog(result.stdout).visible).not.toContain(readOnly)
  })

  it('finds its run by title on a GitHub Enterprise Server that refuses return_run_details', async () => {
    world = await gatedWorld({
      dispatchRunDetails: false,
      runListDelayMs: 700,
      basePath: '/api/v3',
      // The action asks for the run details first, as GitHub.com takes them, and this GHES
      // refuses the key with 422: that refusal is what this test is about.
      openapi: { allow: [/dispatches: request body: "return_run_details" is not a property/] }
    })
    const old = world.stored()
    const result = await world.run(GATE, withNode)
    expect(result.code).toBe(0)
    expect(dispatches(world).map(r => r.status)).toEqual([422, 204])
    expect(result.stdout).toMatch(/looks for it by its title/)
    expect(result.stdout).toMatch(/Found the smoke run .* by its title/)
    expect(world.aws.keys(USER).find(k => k.accessKeyId === old.accessKeyId)?.status).toBe(
      'Inactive'
    )
  })

  it('dry run checks the gate in preflight and dispatches nothing', async () => {
    world = await gatedWorld()
    const result = await world.run({ ...GATE, 'dry-run': 'true' }, withNode)
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(
      /Preflight: smoke workflow .* found \(a dry run does not check Actions write\)/
    )
    expect(dispatches(world)).toEqual([])
    expect(world.github.requests.filter(r => r.route === 'enable-workflow')).toEqual([])
    expect(created(world)).toBe(0)
  })
})
