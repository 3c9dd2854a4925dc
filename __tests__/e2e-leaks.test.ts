/**
 * Answering a leak, end to end through the bundled action: GitHub's secret scanning has an open
 * alert naming one of the user's keys (the emulator serves alerts as GitHub's API describes
 * them), and the run rotates, deactivates and resolves, or says why it cannot.
 */
import { maskedLog, nodeBinaries } from './emulators/runner.js'
import { ID_SECRET, KEY_SECRET, startWorld, USER, type World } from './emulators/world.js'
import type { WorldOptions } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}
const REPO = 'acme/app'
/** Not due: only the leak makes the run rotate. */
const YOUNG = { keyAgeDays: 10 }

const notices = (stdout: string, pattern: RegExp) =>
  stdout.split('\n').filter(line => line.startsWith('::notice::') && pattern.test(line))
const alertLists = (world: World) =>
  world.github.requests.filter(
    r => r.route === 'list-secret-scanning-alerts' || r.route === 'list-org-secret-scanning-alerts'
  )
const status = (world: World, keyId: string) =>
  world.aws.keys(USER).find(key => key.accessKeyId === keyId)?.status

async function leakWorld(
  options: WorldOptions = {},
  scanning: 'read' | 'write' | 'none' = 'write'
): Promise<World> {
  return startWorld({
    repos: [REPO, 'acme/api'],
    propagationDelayMs: 200,
    ...(scanning === 'none' ? {} : { secretScanning: scanning }),
    ...YOUNG,
    ...options
  })
}

/** Everything the run printed or wrote must be free of the leaked values. */
function expectNoValue(result: { stdout: string; summary: string }, values: string[]): void {
  const { visible } = maskedLog(result.stdout)
  for (const value of values) {
    expect(visible).not.toContain(value)
    expect(result.summary).not.toContain(value)
  }
}

describe(`leak response on ${runner?.name ?? 'node'}`, () => {
  let world: World | undefined
  afterEach(() => world?.close())

  it.each([
    { owner: 'acme', kind: 'an organization', lists: ['list-org-secret-scanning-alerts'] },
    {
      owner: 'solo',
      kind: 'a user account (no organization list)',
      lists: ['list-org-secret-scanning-alerts', ...Array(3).fill('list-secret-scanning-alerts')]
    }
  ])(
    'three repositories of $kind: the organization list first, then each repository if it does not answer',
    async ({ owner, lists }) => {
      const repos = ['app', 'api', 'web'].map(name => `${owner}/${name}`)
      world = await leakWorld({ repos, ...(owner === 'acme' ? { orgs: ['acme'] } : {}) })
      for (const repo of repos) world.github.setSecretScanning(repo, true)
      const leaked = world.stored()
      world.github.addSecretScanningAlert(`${owner}/web`, {
        secretType: 'aws_access_key_id',
        secret: leaked.accessKeyId
      })
      const result = await world.run({}, withNode)
      expect(result.code).toBe(0)
      expect(alertLists(world).map(r => r.route)).toEqual(lists)
      expect(status(world, leaked.accessKeyId)).toBe('Inactive')
      expect(notices(result.stdout, /Leak check/)).toEqual([])
    }
  )

  it('the current key leaked: rotates now, deactivates it before deactivate-after, resolves the alert', async () => {
    world = await leakWorld()
    const leaked = world.stored()
    world.github.setSecretScanning('acme/api', true)
    const alert = world.github.addSecretScanningAlert(REPO, {
      secretType: 'aws_access_key_id',
      secret: leaked.accessKeyId
    })
    const result = await world.run({ 'deactivate-after': '7d' }, withNode)
    expect(result.code).toBe(0)

    const fresh = world.stored()
    expect(fresh.accessKeyId).not.toBe(leaked.accessKeyId)
    expect(world.stored('acme/api')).toEqual(fresh)
    expect(status(world, leaked.accessKeyId)).toBe('Inactive')
    // Deactivated only after the last target held the new key, and resolved after that.
    const lastWrite = Math.max(
      ...world.repos.flatMap(repo =>
        [ID_SECRET, KEY_SECRET].map(
          name => world?.github.secret(repo, name)?.updatedAt.getTime() ?? 0
        )
      )
    )
    const deactivation = world.aws.requests.find(
      r => r.action === 'UpdateAccessKey' && r.status === 200
    )
    const resolution = world.github.requests.find(r => r.route === 'update-secret-scanning-alert')
    expect(deactivation?.at).toBeGreaterThanOrEqual(lastWrite - 1000)
    expect(resolution?.at).toBeGreaterThanOrEqual(deactivation?.at ?? Infinity)

    const shown = world.github.secretScanningAlert(REPO, alert)
    expect(shown).toMatchObject({ state: 'resolved', resolution: 'revoked' })
    expect(shown?.resolutionComment).toMatch(/run 1001 attempt 1 of acme\/app/)
    expect(shown?.resolutionComment).not.toContain(leaked.accessKeyId)

    const url = `/acme/app/security/secret-scanning/${alert}`
    expect(result.outputs['leaked-access-key-ids']).toBe(leaked.accessKeyId)
    expect(result.outputs['leak-alert-urls']).toContain(url)
    expect(result.outputs['resolved-alert-urls']).toContain(url)
    expect(result.outputs['deactivated-access-key-ids']).toBe(leaked.accessKeyId)
    expect(result.summary).toMatch(/has leaked/)
    expect(result.summary).toContain(url)
    // One list per repository, newest first: the check costs a request per place.
    expect(alertLists(world)).toHaveLength(2)
    expectNoValue(result, [leaked.accessKeyId, leaked.secretAccessKey, fresh.secretAccessKey])
  })

  it('with a smoke gate: the gate still runs and is reported, but the leaked key is not kept for it', async () => {
    world = await leakWorld()
    world.github.addWorkflow(REPO, 'smoke.yml')
    world.github.setWorkflowOutcome(REPO, 'smoke.yml', { conclusion: 'failure' })
    const leaked = world.stored()
    world.github.addSecretScanningAlert(REPO, {
      secretType: 'aws_access_key_id',
      secret: leaked.accessKeyId
    })
    const result = await world.run({ 'smoke-workflow': 'smoke.yml' }, withNode)
    // The gate failed and says so; the leaked key is inactive all the same.
    expect(result.code).toBe(1)
    expect(result.outputs['smoke-conclusion']).toBe('failure')
    expect(status(world, leaked.accessKeyId)).toBe('Inactive')
    const deactivation = world.aws.requests.find(
      r => r.action === 'UpdateAccessKey' && r.status === 200
    )
    const [smokeRun] = world.github.workflowRuns(REPO)
    expect(deactivation?.at).toBeLessThanOrEqual(smokeRun?.createdAt ?? 0)
    expect(result.summary).toMatch(/not kept active for it/)
  })

  it('an alert holding the secret access key itself names the key this run signs with', async () => {
    world = await leakWorld()
    const leaked = world.stored()
    world.github.addSecretScanningAlert(REPO, {
      secretType: 'aws_secret_access_key',
      secret: leaked.secretAccessKey
    })
    const result = await world.run({}, withNode)
    expect(result.code).toBe(0)
    expect(status(world, leaked.accessKeyId)).toBe('Inactive')
    expect(result.outputs['leaked-access-key-ids']).toBe(leaked.accessKeyId)
    expectNoValue(result, [leaked.secretAccessKey])
  })

  it('a retired key leaked: its alert is resolved as revoked, and nothing else changes', async () => {
    world = await leakWorld({ keyAgeDays: 100 })
    const old = world.stored()
    expect((await world.run({}, withNode)).code).toBe(0)
    const current = world.stored()
    const alert = world.github.addSecretScanningAlert(REPO, {
      secretType: 'aws_access_key_id',
      secret: old.accessKeyId
    })
    const result = await world.run({}, withNode)
    expect(result.code).toBe(0)
    expect(world.stored()).toEqual(current)
    expect(status(world, current.accessKeyId)).toBe('Active')
    expect(world.github.secretScanningAlert(REPO, alert)).toMatchObject({
      state: 'resolved',
      resolution: 'revoked'
    })
    expect(result.outputs.rotated).toBe('false')
    expect(result.summary).toMatch(/inactive, so it can no longer sign/)
  })

  it('an active key the action did not create leaked: refuses, says where and what to do', async () => {
    world = await leakWorld()
    const theirs = world.aws.createAccessKey(USER, {})
    const alert = world.github.addSecretScanningAlert('acme/api', {
      secretType: 'aws_access_key_id',
      secret: theirs.accessKeyId
    })
    const keys = (w: World) => w.aws.keys(USER).map(k => `${k.accessKeyId} ${k.status}`)
    const before = keys(world)
    const result = await world.run({}, withNode)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      new RegExp(
        `::error::.*AKIA…${theirs.accessKeyId.slice(-4)} has leaked: .*acme/api/security/secret-scanning/${alert}.*deactivate it in the IAM console`
      )
    )
    expect(keys(world)).toEqual(before)
    expect(world.github.secretScanningAlert('acme/api', alert)?.state).toBe('open')
  })

  it('secret scanning off: one notice, and the run goes on unchanged', async () => {
    world = await leakWorld({ keyAgeDays: 100 })
    world.github.setSecretScanning(REPO, false)
    const result = await world.run({}, withNode)
    expect(result.code).toBe(0)
    expect(result.outputs.rotated).toBe('true')
    expect(notices(result.stdout, /secret scanning is off/)).toHaveLength(1)
    expect(notices(result.stdout, /acme\/app, acme\/api/)).toHaveLength(1)
  })

  it('no permission to read alerts: one notice naming the permission, one request, rotation unchanged', async () => {
    world = await leakWorld({ keyAgeDays: 100 }, 'none')
    world.github.addSecretScanningAlert(REPO, {
      secretType: 'aws_access_key_id',
      secret: world.stored().accessKeyId
    })
    const result = await world.run({}, withNode)
    expect(result.code).toBe(0)
    expect(result.outputs.rotated).toBe('true')
    expect(notices(result.stdout, /"Secret scanning alerts" \(read/)).toHaveLength(1)
    expect(alertLists(world)).toHaveLength(1)
    expect(result.outputs['leaked-access-key-ids']).toBe('')
  })

  it('no permission to resolve: the key is deactivated, and a warning links the alert', async () => {
    world = await leakWorld({}, 'read')
    const leaked = world.stored()
    const alert = world.github.addSecretScanningAlert(REPO, {
      secretType: 'aws_access_key_id',
      secret: leaked.accessKeyId
    })
    const result = await world.run({}, withNode)
    expect(result.code).toBe(0)
    expect(status(world, leaked.accessKeyId)).toBe('Inactive')
    expect(world.github.secretScanningAlert(REPO, alert)?.state).toBe('open')
    expect(result.stdout).toMatch(
      new RegExp(
        `::warning::.*may not resolve its secret scanning alerts: \\S*/acme/app/security/secret-scanning/${alert}`
      )
    )
    expect(result.outputs['resolved-alert-urls']).toBe('')
  })

  it('finds the key on the second page of alerts', async () => {
    world = await leakWorld()
    const leaked = world.stored()
    // The oldest alert: GitHub lists newest first, 100 to a page.
    const alert = world.github.addSecretScanningAlert(REPO, {
      secretType: 'aws_access_key_id',
      secret: leaked.accessKeyId,
      createdAt: new Date(Date.now() - 86_400_000)
    })
    for (let i = 0; i < 120; i += 1) {
      world.github.addSecretScanningAlert(REPO, {
        secretType: 'aws_access_key_id',
        secret: `AKIA${String(i).padStart(16, 'Z')}`
      })
    }
    const result = await world.run({}, withNode)
    expect(result.code).toBe(0)
    expect(world.github.secretScanningAlert(REPO, alert)?.state).toBe('resolved')
    expect(status(world, leaked.accessKeyId)).toBe('Inactive')
    expect(alertLists(world).filter(r => r.repo === REPO)).toHaveLength(2)
  })

  it("an organization target: the organization's list finds a leak in a repository that is no target", async () => {
    world = await leakWorld({ orgs: ['acme'], repos: [REPO, 'acme/website'] })
    const leaked = world.stored()
    const alert = world.github.addSecretScanningAlert('acme/website', {
      secretType: 'aws_access_key_id',
      secret: leaked.accessKeyId
    })
    const result = await world.run({ targets: `${REPO}\norg:acme` }, withNode)
    expect(result.code).toBe(0)
    expect(status(world, leaked.accessKeyId)).toBe('Inactive')
    expect(world.github.secretScanningAlert('acme/website', alert)?.state).toBe('resolved')
    // One organization list covers acme/app too: no repository list.
    expect(alertLists(world).map(r => r.route)).toEqual(['list-org-secret-scanning-alerts'])
  })

  it("a token whose owner is only a member: the organization's list is refused, the target repositories are read, and the run says so once", async () => {
    world = await leakWorld({ orgs: ['acme'], repos: [REPO, 'acme/website'], orgRole: 'member' })
    const leaked = world.stored()
    world.github.addSecretScanningAlert(REPO, {
      secretType: 'aws_access_key_id',
      secret: leaked.accessKeyId
    })
    const result = await world.run({ targets: `${REPO}\norg:acme` }, withNode)
    expect(result.code).toBe(0)
    expect(status(world, leaked.accessKeyId)).toBe('Inactive')
    expect(alertLists(world).map(r => `${r.route} ${r.status}`)).toEqual([
      'list-org-secret-scanning-alerts 403',
      'list-secret-scanning-alerts 200'
    ])
    expect(notices(result.stdout, /organization acme/)).toEqual([
      expect.stringContaining('an organization owner or security manager')
    ])
  })

  it('report: warns with the links, changes nothing, and opens the issue for a person', async () => {
    world = await leakWorld({ issues: 'write' })
    const leaked = world.stored()
    const alert = world.github.addSecretScanningAlert(REPO, {
      secretType: 'aws_access_key_id',
      secret: leaked.accessKeyId
    })
    const result = await world.run({ 'leak-response': 'report' }, withNode)
    expect(result.code).toBe(0)
    expect(world.stored()).toEqual(leaked)
    expect(status(world, leaked.accessKeyId)).toBe('Active')
    expect(world.github.secretScanningAlert(REPO, alert)?.state).toBe('open')
    expect(result.stdout).toMatch(/::warning::.*has leaked.*leak-response is report/)
    // Warned on every run until someone acts: a scheduled run's warning reaches a person.
    expect(result.outputs.issue).toBe('opened')
    const [issue] = world.github.issues(REPO)
    expect(issue?.body).toMatch(/has leaked.*leak-response is report/)
    expect(issue?.body).not.toContain(leaked.accessKeyId)
  })
})
