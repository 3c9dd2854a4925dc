/**
 * Bad input, through the bundled action: each case exits non-zero with a message that names the
 * input, and nothing reaches AWS or GitHub (not even a read).
 */
import { nodeBinaries } from './emulators/runner.js'
import { startWorld, type World } from './emulators/world.js'

const [runner] = nodeBinaries()

const CASES: Array<[string, Record<string, string>, string]> = [
  ['empty token', { 'github-token': '' }, 'github-token'],
  ['token with a newline', { 'github-token': 'abc\ndef' }, 'github-token'],
  ['token with a space', { 'github-token': 'ghp_abc def' }, 'github-token'],
  ['target without a slash', { targets: 'acme' }, 'targets'],
  ['target with three parts', { targets: 'acme/app/extra' }, 'targets'],
  ['target with an empty owner', { targets: '/app' }, 'targets'],
  ['target with an empty repo', { targets: 'acme/' }, 'targets'],
  ['target owner with an underscore', { targets: 'ac_me/app' }, 'targets'],
  ['target repo with a space', { targets: 'acme/my app' }, 'targets'],
  ['target repo ..', { targets: 'acme/..' }, 'targets'],
  ['target listed twice', { targets: 'acme/app\n# again\nACME/app' }, 'targets'],
  ['unknown target form', { targets: 'gitlab:acme/app' }, 'targets'],
  ['environment name with a control character', { targets: 'env:acme/app/prod\u0007' }, 'targets'],
  ['environment target without the environment', { targets: 'env:acme/app' }, 'targets'],
  ['org target with a repository', { targets: 'org:acme/app' }, 'targets'],
  ['dependabot target without a repository', { targets: 'dependabot:acme' }, 'targets'],
  [
    'an environment listed twice in two cases',
    { targets: 'env:acme/app/Prod\nenv:acme/app/prod' },
    'targets'
  ],
  [
    'org-secret-visibility selected',
    { 'org-secret-visibility': 'selected' },
    'org-secret-visibility'
  ],
  [
    'org-secret-visibility unknown',
    { 'org-secret-visibility': 'internal' },
    'org-secret-visibility'
  ],
  ['only comments', { targets: '# none\n\n   # still none' }, 'targets'],
  ['user name with a space', { 'iam-user-name': 'deploy bot' }, 'iam-user-name'],
  ['user name too long', { 'iam-user-name': 'u'.repeat(65) }, 'iam-user-name'],
  [
    'secret name with a dash',
    { 'access-key-id-secret-name': 'AWS-KEY-ID' },
    'access-key-id-secret-name'
  ],
  [
    'secret name starting GITHUB_',
    { 'secret-access-key-secret-name': 'github_secret' },
    'secret-access-key-secret-name'
  ],
  [
    'secret name starting with a digit',
    { 'access-key-id-secret-name': '1KEY' },
    'access-key-id-secret-name'
  ],
  [
    'the two secret names equal',
    { 'access-key-id-secret-name': 'KEY', 'secret-access-key-secret-name': 'key' },
    'secret-access-key-secret-name'
  ],
  ['max-age without a unit', { 'max-age': '90' }, 'max-age'],
  ['max-age in weeks', { 'max-age': '2w' }, 'max-age'],
  ['max-age with words', { 'max-age': '90 days' }, 'max-age'],
  ['deactivate-after negative', { 'deactivate-after': '-1h' }, 'deactivate-after'],
  ['delete-after units out of order', { 'delete-after': '30m1d' }, 'delete-after'],
  ['verify-timeout too short', { 'verify-timeout': '2s' }, 'verify-timeout'],
  ['verify-timeout too long', { 'verify-timeout': '1h' }, 'verify-timeout'],
  ['force is yes', { force: 'yes' }, 'force'],
  ['dry-run is 1', { 'dry-run': '1' }, 'dry-run'],
  ['export-credentials is on', { 'export-credentials': 'on' }, 'export-credentials'],
  ['region that does not exist', { 'aws-region': 'us-east-7' }, 'aws-region'],
  ['region misspelt', { 'aws-region': 'us-esat-1' }, 'aws-region'],
  ['account id with letters', { 'expected-account-id': '12345678901a' }, 'expected-account-id'],
  ['account id too short', { 'expected-account-id': '12345' }, 'expected-account-id'],
  ['request-timeout below a second', { 'request-timeout': '0' }, 'request-timeout'],
  [
    'reactivate-previous with force',
    { 'reactivate-previous': 'true', force: 'true' },
    'reactivate-previous'
  ],
  ['reactivate-previous is yes', { 'reactivate-previous': 'yes' }, 'reactivate-previous'],
  // Undeclared `with:` keys: the runner passes them on with a warning only.
  ['dryrun, meant dry-run', { dryrun: 'true' }, 'dryrun'],
  ['max_age, meant max-age', { max_age: '200d' }, 'max_age'],
  ['an input this action never had', { colour: 'blue' }, 'colour']
]

describe(`bad input on ${runner?.name ?? 'node'}`, () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(() => world.close())

  it('has at least 30 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(30))

  it.each(CASES)('%s', async (_name, inputs, input) => {
    const awsBefore = world.aws.requests.length
    const githubBefore = world.github.requests.length
    const result = await world.run(inputs, runner ? { node: runner.path } : {})
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(new RegExp(`::error::Input '${input}': `))
    expect(world.aws.requests.length).toBe(awsBefore)
    expect(world.github.requests.length).toBe(githubBefore)
    expect(result.outputs).toEqual({})
  })

  it('says which declared input a misspelt one meant', async () => {
    const result = await world.run({ dryrun: 'true' }, runner ? { node: runner.path } : {})
    expect(result.stdout).toMatch(/::error::Input 'dryrun': .*did you mean dry-run\?/)
  })
})
