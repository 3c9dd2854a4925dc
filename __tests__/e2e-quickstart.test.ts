/**
 * The README's quick start, followed literally by a newcomer: step 1's policy on the deploy user,
 * a fine-grained token with exactly the permissions step 2 lists (read from the README), step 3's
 * secrets, and the workflow step 4 copies, run by hand with dry-run ticked and then for real:
 * both green. Then step 5, the smoke gate: smoke-test.yml in the repository, the permissions
 * step 5 adds, the workflow's smoke lines uncommented: green again; and without step 5's
 * permissions, the gate's preflight names them and nothing changes.
 */
import { readFileSync } from 'node:fs'
import type { TokenGrant } from './emulators/github.js'
import { nodeBinaries } from './emulators/runner.js'
import {
  ACTION_REFERENCE,
  actionStep,
  loadExample,
  resolve,
  type RunContext
} from './emulators/workflow.js'
import { ID_SECRET, KEY_SECRET, startWorld, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}
const REPO = 'acme/app'
const QUICKSTART_TOKEN = 'github_pat_quickstart_newcomer'

/** The quick start's numbered steps, by number, with line breaks folded into spaces. */
function quickStartSteps(): Map<number, string> {
  const readme = readFileSync('README.md', 'utf8')
  const start = readme.indexOf('\n## Quick start')
  const end = readme.indexOf('\n## ', start + 1)
  const section = readme.slice(start, end < 0 ? undefined : end)
  const steps = new Map<number, string>()
  for (const item of section.split(/^(?=\d+\. )/m).slice(1)) {
    steps.set(Number(/^(\d+)\./.exec(item)?.[1]), item.replace(/\s+/g, ' '))
  }
  return steps
}

/** The fine-grained permissions a step asks for: `"Secrets: read and write"`. */
function permissionsIn(step: string): string[] {
  return [...step.matchAll(/"(\w[\w ]*: (?:read and write|read))"/g)].map(match => match[1] ?? '')
}

/** A fine-grained PAT on the one repository, with those permissions and no other. */
function tokenWith(permissions: string[]): TokenGrant {
  const grant: TokenGrant = { repos: [REPO], secrets: 'none', kind: 'pat', permissions: {} }
  for (const permission of permissions) {
    if (permission === 'Secrets: read and write') grant.secrets = 'write'
    else if (permission === 'Actions: read and write') {
      grant.actions = 'read'
      grant.permissions = { ...grant.permissions, actions: 'write' }
    } else if (permission === 'Contents: read') {
      grant.permissions = { ...grant.permissions, contents: 'read' }
    } else throw new Error(`the test does not know the permission "${permission}"`)
  }
  return grant
}

const steps = quickStartSteps()
const step = (n: number): string => steps.get(n) ?? ''
const tokenSecret = /repository secret `(\w+)`/.exec(step(2))?.[1] ?? ''
const copied = /examples\/([\w-]+\.yml)/.exec(step(4))?.[1] ?? ''

/** The run as GitHub would start it: the workflow's inputs, the token from its secret. */
function inputsOf(options: { smokeGate?: boolean; dispatch?: Record<string, string> }) {
  const { inputs } = actionStep(loadExample(copied, options))
  const context: RunContext = {
    ...(options.dispatch ? { dispatch: options.dispatch } : {}),
    secret: name => {
      if (name === tokenSecret) return QUICKSTART_TOKEN
      throw new Error(`the quick start never stores a secret ${name}`)
    }
  }
  return resolve(inputs, context)
}

async function newcomersWorld(permissions: string[]): Promise<World> {
  const world = await startWorld({ repos: [REPO], propagationDelayMs: 300 })
  world.github.addToken(QUICKSTART_TOKEN, tokenWith(permissions))
  return world
}

describe(`the README quick start on ${runner?.name ?? 'node'}`, () => {
  let world: World | undefined
  afterEach(() => world?.close())

  it('says what a newcomer sets up, in steps 1 to 5', () => {
    expect(step(1)).toContain('[`policies/self-rotation.json`](policies/self-rotation.json)')
    expect(permissionsIn(step(2))).toEqual(['Secrets: read and write'])
    expect(tokenSecret).toBe('SECRETS_WRITER_TOKEN')
    expect(step(3)).toContain(`\`${ID_SECRET}\` and \`${KEY_SECRET}\``)
    expect(copied).toBe('scheduled-rotation.yml')
    expect(step(4)).toContain(`\`uses: ${ACTION_REFERENCE}\``)
    expect(permissionsIn(step(5))).toEqual(['Actions: read and write', 'Contents: read'])
    expect(step(5)).toContain('[`examples/smoke-test.yml`](examples/smoke-test.yml)')
    // The copied workflow signs in with step 3's secrets and names the action as step 4 does.
    const { step: action } = actionStep(loadExample(copied))
    expect(action.uses).toBe(ACTION_REFERENCE)
    expect(action.env).toEqual({
      AWS_ACCESS_KEY_ID: `\${{ secrets.${ID_SECRET} }}`,
      AWS_SECRET_ACCESS_KEY: `\${{ secrets.${KEY_SECRET} }}`
    })
    // As copied, it has no smoke gate: that is step 5.
    expect(actionStep(loadExample(copied)).inputs['smoke-workflow']).toBeUndefined()
  })

  it('step 4: a dry run by hand, then a real run, both green with the token of step 2', async () => {
    world = await newcomersWorld(permissionsIn(step(2)))
    const old = world.stored().accessKeyId

    const dry = await world.run(inputsOf({ dispatch: { 'dry-run': 'true' } }), withNode)
    expect({ code: dry.code, error: /::error::.*/.exec(dry.stdout)?.[0] }).toEqual({
      code: 0,
      error: undefined
    })
    expect(dry.summary).toContain('## AWS access key rotation: Dry run: nothing was changed')
    expect(world.stored().accessKeyId).toBe(old)

    const real = await world.run(inputsOf({}), withNode)
    expect({ code: real.code, error: /::error::.*/.exec(real.stdout)?.[0] }).toEqual({
      code: 0,
      error: undefined
    })
    expect(real.outputs.rotated).toBe('true')
    const held = world.stored().accessKeyId
    expect(held).not.toBe(old)
    expect(world.aws.keys(USER).find(key => key.accessKeyId === held)?.status).toBe('Active')
  })

  it('step 5: with smoke-test.yml, its permissions and the smoke lines uncommented, the gate passes', async () => {
    world = await newcomersWorld([...permissionsIn(step(2)), ...permissionsIn(step(5))])
    world.github.addWorkflow(REPO, 'smoke-test.yml', {
      content: readFileSync('examples/smoke-test.yml', 'utf8')
    })
    const result = await world.run(inputsOf({ smokeGate: true }), withNode)
    expect({ code: result.code, error: /::error::.*/.exec(result.stdout)?.[0] }).toEqual({
      code: 0,
      error: undefined
    })
    expect(result.outputs.rotated).toBe('true')
    expect(result.outputs['smoke-conclusion']).toBe('success')
  })

  it('step 5 without its permissions: the preflight names them and nothing changes', async () => {
    world = await newcomersWorld(permissionsIn(step(2)))
    world.github.addWorkflow(REPO, 'smoke-test.yml', {
      content: readFileSync('examples/smoke-test.yml', 'utf8')
    })
    const old = world.stored().accessKeyId
    const result = await world.run(inputsOf({ smokeGate: true }), withNode)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::Preflight failed, so nothing was changed.*"Actions: read and write" and "Contents: read"/
    )
    expect(world.stored().accessKeyId).toBe(old)
    expect(world.aws.keys(USER).map(key => key.accessKeyId)).toEqual([old])
  })
})
