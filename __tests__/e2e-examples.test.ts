/**
 * The example workflows, exercised: each file is parsed, the `with:` block of its step that uses
 * this action is resolved the way GitHub would resolve it for a scheduled run, and the bundled
 * action runs with it against the emulators, as the deploy user (self-rotation) or as a role
 * holding policies/admin-rotation.json when the job assumes one. The files are also checked by
 * GitHub's own parser (npm run validate).
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { nodeBinaries } from './emulators/runner.js'
import {
  ACTION_REFERENCE,
  actionStep,
  isActionStep,
  loadExample,
  resolve as resolveIn,
  type RunContext
} from './emulators/workflow.js'
import { DAY, adminRole, startWorld, TOKEN, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}
const EXAMPLES = readdirSync('examples').filter(file => file.endsWith('.yml'))

/** `${{ ... }}` as a scheduled run sees it: no dispatch inputs, a token from a secret or an app. */
function resolve(inputs: Record<string, string>, matrix: Record<string, string> = {}) {
  const context: RunContext = { secret: () => TOKEN, appToken: TOKEN, matrix }
  return resolveIn(inputs, context)
}

/** The key-check step of examples/smoke-test.yml, as a runner's bash would run it. */
function smokeKeyCheck(): (
  keyId: string,
  rotation: string
) => { status: number | null; stdout: string } {
  const smoke = parse(readFileSync('examples/smoke-test.yml', 'utf8')) as {
    jobs: Record<string, { steps: Array<{ name?: string; run?: string }> }>
  }
  const script = Object.values(smoke.jobs)
    .flatMap(job => job.steps)
    .find(step => step.name === 'The secrets hold the key of this rotation')?.run
  if (!script) throw new Error('smoke-test.yml has no key check')
  return (keyId, rotation) => {
    const result = spawnSync('bash', ['-e', '-c', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, AWS_ACCESS_KEY_ID: keyId, ROTATION: rotation, LANG: 'C.UTF-8' }
    })
    return { status: result.status, stdout: result.stdout }
  }
}

describe(`example workflows on ${runner?.name ?? 'node'}`, () => {
  let world: World | undefined
  afterEach(() => world?.close())

  it('every example is valid for GitHub, and pins every other action by commit SHA', () => {
    const result = spawnSync('npx', ['tsx', 'scripts/validate-workflows.ts'], { encoding: 'utf8' })
    expect(result.stdout).toMatch(/\d+ files checked, 0 problem\(s\)/)
    expect(result.status).toBe(0)
    const checked = Number(/(\d+) files checked/.exec(result.stdout)?.[1])
    const workflows = readdirSync('.github/workflows').filter(f => /\.ya?ml$/.test(f))
    expect(checked).toBe(1 + EXAMPLES.length + workflows.length)
  }, 60_000)

  it(`every example names the action ${ACTION_REFERENCE}, with inputs action.yml declares`, () => {
    const declared = Object.keys(
      (parse(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, unknown> }).inputs
    )
    const steps = EXAMPLES.flatMap(file =>
      // The smoke gate's commented-out lines are checked too, as a user switches them on.
      [
        loadExample(file),
        ...(file === 'scheduled-rotation.yml' ? [loadExample(file, { smokeGate: true })] : [])
      ]
        .flatMap(workflow => Object.values(workflow.jobs))
        .flatMap(job => job.steps.filter(isActionStep))
        .map(step => ({ file, step }))
    )
    expect(steps.length).toBeGreaterThanOrEqual(5)
    for (const { file, step } of steps) {
      // A commit would pin an action.yml that may lack inputs the example uses.
      expect({ file, uses: step.uses }).toEqual({ file, uses: ACTION_REFERENCE })
      const unknown = Object.keys(step.with ?? {}).filter(name => !declared.includes(name))
      expect({ file, unknown }).toEqual({ file, unknown: [] })
    }
    // The README's own workflow snippets name it the same way.
    const readme = [
      ...readFileSync('README.md', 'utf8').matchAll(/uses:\s*(\S*rotate-aws-access-keys@[\w.-]*)/g)
    ]
    expect(readme.length).toBeGreaterThanOrEqual(1)
    for (const [, uses] of readme) expect(uses).toBe(ACTION_REFERENCE)
  })

  it("every job that rotates has a concurrency group, its own or its workflow's", () => {
    for (const file of EXAMPLES) {
      const workflow = loadExample(file)
      for (const [name, job] of Object.entries(workflow.jobs)) {
        // An audit changes nothing: it needs no group.
        if (!job.steps.some(step => isActionStep(step) && step.with?.audit === undefined)) continue
        expect({ file, name, grouped: Boolean(job.concurrency ?? workflow.concurrency) }).toEqual({
          file,
          name,
          grouped: true
        })
      }
    }
  })

  it('scheduled-rotation.yml with its smoke gate on rotates the deploy user, passes the smoke-test.yml gate and keeps the old key for deactivate-after', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    // The example smoke workflow itself, as the repository would hold it.
    world.github.addWorkflow('acme/app', 'smoke-test.yml', {
      content: readFileSync('examples/smoke-test.yml', 'utf8')
    })
    // The quick start's second step: the smoke gate's lines uncommented (e2e-quickstart: the first).
    const { inputs, admin } = actionStep(loadExample('scheduled-rotation.yml', { smokeGate: true }))
    expect(admin).toBe(false)
    expect(inputs['smoke-workflow']).toBe('smoke-test.yml')
    const old = world.stored().accessKeyId
    const result = await world.run(resolve(inputs), withNode)
    expect(result.code).toBe(0)
    expect(result.outputs.rotated).toBe('true')
    expect(result.outputs['smoke-conclusion']).toBe('success')
    const [smoke] = world.github.workflowRuns('acme/app')
    expect(smoke?.displayTitle).toBe(`AWS key smoke test for ${smoke?.inputs.rotation ?? '?'}`)
    expect(world.aws.keys(USER).find(k => k.accessKeyId === old)?.status).toBe('Active')
    // The example's key check, run by bash with what that smoke run would see: it passes with
    // the new key in the secrets and fails with the previous one.
    const check = smokeKeyCheck()
    const rotation = smoke?.inputs.rotation ?? ''
    expect(check(world.stored().accessKeyId, rotation).status).toBe(0)
    const stale = check(old, rotation)
    expect(stale.status).toBe(1)
    expect(stale.stdout).toMatch(
      /::error::AWS_ACCESS_KEY_ID holds AKIA…\w{4}, not the key of this rotation/
    )
  })

  it('smoke-test.yml signs in with the rotated secrets and runs aws sts get-caller-identity', () => {
    const smoke = parse(readFileSync('examples/smoke-test.yml', 'utf8')) as {
      on: { workflow_dispatch: { inputs: Record<string, { required?: boolean }> } }
      jobs: Record<string, { env: Record<string, string>; steps: Array<{ run?: string }> }>
    }
    expect(Object.keys(smoke.on.workflow_dispatch.inputs)).toEqual(['rotation'])
    const [job] = Object.values(smoke.jobs)
    expect(job?.env.AWS_ACCESS_KEY_ID).toBe('${{ secrets.AWS_ACCESS_KEY_ID }}')
    expect(job?.env.AWS_SECRET_ACCESS_KEY).toBe('${{ secrets.AWS_SECRET_ACCESS_KEY }}')
    expect(job?.steps.some(step => step.run?.startsWith('aws sts get-caller-identity'))).toBe(true)
  })

  it('rotate-then-deploy.yml exports the new key to the later steps', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    const { inputs } = actionStep(loadExample('rotate-then-deploy.yml'))
    const result = await world.run(resolve(inputs), withNode)
    expect(result.code).toBe(0)
    expect(result.exported).toEqual({
      AWS_ACCESS_KEY_ID: world.stored().accessKeyId,
      AWS_SECRET_ACCESS_KEY: world.stored().secretAccessKey
    })
  })

  /** An organization with the repositories, environments and users the admin examples name. */
  async function adminWorld(users: string[]): Promise<{ world: World; asRole: object }> {
    const created = await startWorld({
      repos: ['acme/web', 'acme/api'],
      orgs: ['acme'],
      propagationDelayMs: 300
    })
    created.github.addEnvironment('acme/api', 'production')
    created.github.addEnvironment('acme/web', 'production')
    for (const user of users) {
      created.aws.createUser(user, { path: '/deploy/' })
      created.aws.createAccessKey(user, { createdAt: new Date(Date.now() - 100 * DAY) })
    }
    return { world: created, asRole: { ...withNode, ...adminRole(created) } }
  }

  it('admin-rotation-oidc.yml rotates deploy-bot as the role, into repositories and an environment', async () => {
    const setup = await adminWorld(['deploy-bot'])
    world = setup.world
    const { inputs, admin } = actionStep(loadExample('admin-rotation-oidc.yml'))
    expect(admin).toBe(true)
    const result = await world.run(resolve(inputs), setup.asRole)
    expect(result.code).toBe(0)
    expect(result.outputs.rotated).toBe('true')
    const key = world.aws.keys('deploy-bot').find(k => k.status === 'Active')
    expect(
      world.github.scopeSecret(
        { kind: 'environment', repo: 'acme/api', environment: 'production' },
        'AWS_ACCESS_KEY_ID'
      )?.value
    ).toBe(key?.accessKeyId)
  })

  it('org-rollout-matrix.yml: one run per user in the JSON file, each with its targets', async () => {
    const entries = JSON.parse(readFileSync('examples/org-rollout-users.json', 'utf8')) as Array<{
      user: string
      targets: string
    }>
    const setup = await adminWorld(entries.map(entry => entry.user))
    world = setup.world
    const { inputs, admin } = actionStep(loadExample('org-rollout-matrix.yml'))
    expect(admin).toBe(true)
    const results = await Promise.all(
      entries.map((entry, index) =>
        world?.run(resolve(inputs, { ...entry }), {
          ...setup.asRole,
          runId: String(7000 + index)
        })
      )
    )
    expect(results.map(result => [result?.code, result?.outputs.rotated])).toEqual(
      entries.map(() => [0, 'true'])
    )
    const shared = world.aws.keys('deploy-shared').find(k => k.status === 'Active')
    expect(
      world.github.scopeSecret({ kind: 'org-actions', org: 'acme' }, 'AWS_ACCESS_KEY_ID')?.value
    ).toBe(shared?.accessKeyId)

    // The audit job after the matrix: every user just rotated, nothing to fail on.
    const audit = actionStep(loadExample('org-rollout-matrix.yml'), 'audit')
    expect(audit.admin).toBe(true)
    const audited = await world.run(resolve(audit.inputs), { ...setup.asRole, runId: '7100' })
    expect(audited.code).toBe(0)
    const report = JSON.parse(audited.outputs['audit-report'] ?? '{}') as {
      users: Array<{ userName: string; findings: string[]; keys: Array<{ role: string }> }>
    }
    expect(report.users.map(user => user.userName).sort()).toEqual(
      entries.map(entry => entry.user).sort()
    )
    for (const user of report.users) {
      expect(user.findings).toEqual([])
      expect(user.keys.map(key => key.role)).toContain('current')
    }
  })

  it('org-secret.yml keeps a private organization secret private', async () => {
    const setup = await adminWorld(['deploy-shared'])
    world = setup.world
    const { inputs } = actionStep(loadExample('org-secret.yml'))
    const result = await world.run(resolve(inputs), setup.asRole)
    expect(result.code).toBe(0)
    expect(
      world.github.scopeSecret({ kind: 'org-actions', org: 'acme' }, 'AWS_SECRET_ACCESS_KEY')
        ?.access?.visibility
    ).toBe('private')
  })
})
