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
import { DAY, adminRole, startWorld, TOKEN, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}

interface Step {
  uses?: string
  with?: Record<string, unknown>
}
interface Workflow {
  jobs: Record<string, { steps: Step[] }>
}

function load(file: string): Workflow {
  return parse(readFileSync(`examples/${file}`, 'utf8')) as Workflow
}

/** The action's step and whether its job signs in with a role first. */
function actionStep(workflow: Workflow): { inputs: Record<string, string>; admin: boolean } {
  for (const job of Object.values(workflow.jobs)) {
    const index = job.steps.findIndex(step => step.uses?.includes('/rotate-aws-access-keys@'))
    if (index < 0) continue
    const admin = job.steps
      .slice(0, index)
      .some(step => step.uses?.startsWith('aws-actions/configure-aws-credentials@'))
    const inputs = Object.fromEntries(
      Object.entries(job.steps[index]?.with ?? {}).map(([name, value]) => [name, String(value)])
    )
    return { inputs, admin }
  }
  throw new Error('no step uses the action')
}

/** `${{ ... }}` as a scheduled run sees it: no dispatch inputs, a token from a secret or an app. */
function resolve(inputs: Record<string, string>, matrix: Record<string, string> = {}) {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [
      name,
      value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_all, expression: string) => {
        if (/^inputs\.[\w-]+ \|\| false$/.test(expression)) return 'false'
        if (/^secrets\.|^steps\.app-token\.outputs\.token$/.test(expression)) return TOKEN
        const entry = /^matrix\.entry\.(\w+)$/.exec(expression)?.[1]
        if (entry && matrix[entry] !== undefined) return matrix[entry]
        throw new Error(`the test cannot resolve \${{ ${expression} }}`)
      })
    ])
  )
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

  it('every example is valid for GitHub, and pins every action by commit SHA', () => {
    const result = spawnSync('npx', ['tsx', 'scripts/validate-workflows.ts'], { encoding: 'utf8' })
    expect(result.stdout).toMatch(/\d+ files checked, 0 problem\(s\)/)
    expect(result.status).toBe(0)
    const checked = Number(/(\d+) files checked/.exec(result.stdout)?.[1])
    expect(checked).toBe(1 + readdirSync('examples').filter(f => f.endsWith('.yml')).length + 4)
  }, 60_000)

  it('scheduled-rotation.yml rotates the deploy user, passes the smoke-test.yml gate and keeps the old key for deactivate-after', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    // The example smoke workflow itself, as the repository would hold it.
    world.github.addWorkflow('acme/app', 'smoke-test.yml', {
      content: readFileSync('examples/smoke-test.yml', 'utf8')
    })
    const { inputs, admin } = actionStep(load('scheduled-rotation.yml'))
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
    const { inputs } = actionStep(load('rotate-then-deploy.yml'))
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
    const { inputs, admin } = actionStep(load('admin-rotation-oidc.yml'))
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
    const { inputs, admin } = actionStep(load('org-rollout-matrix.yml'))
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
  })

  it('org-secret.yml keeps a private organization secret private', async () => {
    const setup = await adminWorld(['deploy-shared'])
    world = setup.world
    const { inputs } = actionStep(load('org-secret.yml'))
    const result = await world.run(resolve(inputs), setup.asRole)
    expect(result.code).toBe(0)
    expect(
      world.github.scopeSecret({ kind: 'org-actions', org: 'acme' }, 'AWS_SECRET_ACCESS_KEY')
        ?.access?.visibility
    ).toBe('private')
  })
})
