/**
 * Inputs that must not be echoed as given, through the bundled action: a refused API URL's
 * credential, however it is spelt, and a pasted blob as the user name. The `::error::` line and
 * the step summary are what a reader of the run sees; neither may hold them.
 */
import { nodeBinaries } from './emulators/runner.js'
import { startWorld, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}
const PASSWORD = 'hunter2-Secret'

const errorLines = (stdout: string) =>
  stdout.split('\n').filter(line => line.startsWith('::error::'))

describe(`inputs echoed in an error, on ${runner?.name ?? 'node'}`, () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(() => world.close())

  it.each([
    `https:\\\\deploy:${PASSWORD}@ghes.example/api/v3`,
    `https:/deploy:${PASSWORD}@ghes.example/api/v3`,
    `https://deploy:${PASSWORD.replace('-', '/')}@ghes.example/api/v3`,
    `https://ghes.example/api/v3?access_token=${PASSWORD}`
  ])('github-api-url %s: neither the error nor the summary holds the password', async url => {
    const viaInput = await world.run({ 'github-api-url': url }, withNode)
    const viaRunner = await world.run({}, { ...withNode, githubUrl: url })
    for (const result of [viaInput, viaRunner]) {
      expect(result.code).toBe(1)
      expect(errorLines(result.stdout)).toEqual([
        expect.stringMatching(/^::error::Input 'github-api-url': .*\*\*\*/)
      ])
      expect(result.summary).toMatch(/\*\*\*/)
      for (const part of ['hunter2', 'Secret']) {
        expect(result.stdout).not.toContain(part)
        expect(result.summary).not.toContain(part)
      }
    }
    expect(world.github.requests).toEqual([])
  })

  it('a 100 KB iam-user-name is cut in the error and the summary', async () => {
    const name = 'u'.repeat(100 * 1024)
    const result = await world.run({ 'iam-user-name': name }, withNode)
    expect(result.code).toBe(1)
    const [error] = errorLines(result.stdout)
    expect(error).toContain(`'${'u'.repeat(100)}… (102400 characters)'`)
    expect(error?.length).toBeLessThan(300)
    expect(result.summary.length).toBeLessThan(1000)
    expect(world.aws.requests).toEqual([])
  })
})
