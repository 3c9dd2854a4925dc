import { InputError } from '../src/errors.js'
import { readSettings, type InputName } from '../src/settings.js'

const env = { GITHUB_REPOSITORY: 'acme/app', GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2' }
type Inputs = Partial<Record<InputName, string>>
const read = (inputs: Inputs, extraEnv: Record<string, string> = {}) =>
  readSettings(name => ({ 'github-token': 'github_pat_example', ...inputs })[name] ?? '', {
    ...env,
    ...extraEnv
  })
/** The refusal, as the run prints it. */
const refusal = (inputs: Inputs, extraEnv: Record<string, string> = {}): string => {
  try {
    read(inputs, extraEnv)
  } catch (error) {
    if (error instanceof InputError) return error.message
    throw error
  }
  throw new Error('accepted')
}

describe('settings: the ranges of the duration inputs, both ends included', () => {
  it.each<[InputName, string, string, string, string, string]>([
    [
      'verify-timeout',
      '5s',
      '30m',
      '4s',
      '31m',
      'must be between 5s and 30m (AWS usually accepts a new key within 5-10 seconds)'
    ],
    ['request-timeout', '1s', '5m', '0', '301s', 'must be between 1s and 5m'],
    [
      'smoke-timeout',
      '10s',
      '6h',
      '9s',
      '6h1s',
      'must be between 10s and 6h (a GitHub-hosted job stops after 6 hours anyway)'
    ],
    [
      'rate-limit-budget',
      '0',
      '6h',
      '',
      '6h1s',
      'must be at most 6h (0 fails at the first rate limit)'
    ]
  ])('%s takes %s to %s', (name, lowest, highest, below, above, rule) => {
    const field = {
      'verify-timeout': 'verifyTimeoutMs',
      'request-timeout': 'requestTimeoutMs',
      'smoke-timeout': 'smokeTimeoutMs',
      'rate-limit-budget': 'rateLimitBudgetMs'
    }[name as string] as 'verifyTimeoutMs'
    const ms = (text: string) =>
      text === '0'
        ? 0
        : /^(\d+)h$/.test(text)
          ? Number(text.slice(0, -1)) * 3_600_000
          : /^(\d+)m$/.test(text)
            ? Number(text.slice(0, -1)) * 60_000
            : Number(text.slice(0, -1)) * 1_000
    expect(read({ [name]: lowest })[field]).toBe(ms(lowest))
    expect(read({ [name]: highest })[field]).toBe(ms(highest))
    if (below !== '') expect(refusal({ [name]: below })).toBe(`Input '${name}': ${rule}`)
    expect(refusal({ [name]: above })).toBe(`Input '${name}': ${rule}`)
  })

  it('names a duration it cannot read, and how to write one', () => {
    expect(refusal({ 'max-age': '90 days' })).toBe(
      "Input 'max-age': '90 days' is not a duration; write 0 or a number with d, h, m or s, in that order (90d, 1d12h, 30m)"
    )
  })
})

describe('settings: each refusal names the input and what to write', () => {
  it('the token', () => {
    expect(refusal({ 'github-token': '' })).toBe(
      "Input 'github-token': is required: a fine-grained personal access token with the repository permission \"Secrets: read and write\", or a GitHub App installation token with the secrets permission. The workflow's GITHUB_TOKEN cannot write secrets."
    )
    expect(refusal({ 'github-token': 'ghp_a\tb' })).toBe(
      "Input 'github-token': contains whitespace; pass the token alone"
    )
    expect(read({ 'github-token': '  ghp_token  ' }).githubToken).toBe('ghp_token')
  })

  it('the targets, falling back to the workflow repository', () => {
    expect(() => readSettings(name => (name === 'github-token' ? 't' : ''), {})).toThrow(
      "Input 'targets': is empty and GITHUB_REPOSITORY is not set; list one owner/repo per line"
    )
    expect(() =>
      readSettings(name => (name === 'github-token' ? 't' : ''), { GITHUB_REPOSITORY: ' ' })
    ).toThrow("Input 'targets': is empty and GITHUB_REPOSITORY is not set")
    expect(refusal({ targets: '# none\n\n' })).toBe(
      "Input 'targets': lists no target (only blank lines or comments)"
    )
    expect(refusal({ targets: 'acme' })).toMatch(
      /^Input 'targets': line 1 \('acme'\): not a target/
    )
    expect(read({ targets: 'acme/api' }).targets).toEqual([
      { kind: 'repository', owner: 'acme', repo: 'api' }
    ])
    expect(Object.isFrozen(read({}).targets)).toBe(true)
  })

  it('the IAM user name', () => {
    expect(read({ 'iam-user-name': `a+=,.@_-${'b'.repeat(56)}` }).iamUserName).toHaveLength(64)
    expect(refusal({ 'iam-user-name': 'b'.repeat(65) })).toBe(
      `Input 'iam-user-name': '${'b'.repeat(65)}' is not an IAM user name (1-64 letters, digits and + = , . @ _ -)`
    )
    expect(refusal({ 'iam-user-name': 'deploy/bot' })).toMatch(/is not an IAM user name/)
  })

  it('the secret names', () => {
    expect(refusal({ 'access-key-id-secret-name': 'github_key' })).toBe(
      "Input 'access-key-id-secret-name': 'github_key' is not a valid secret name: letters, digits and underscore, not starting with a digit or GITHUB_"
    )
    expect(refusal({ 'secret-access-key-secret-name': 'KEY!' })).toMatch(
      /^Input 'secret-access-key-secret-name': 'KEY!' is not a valid secret name/
    )
    expect(
      refusal({ 'access-key-id-secret-name': 'Key', 'secret-access-key-secret-name': 'kEY' })
    ).toBe(
      "Input 'secret-access-key-secret-name': must differ from access-key-id-secret-name (both are 'Key'; GitHub stores names upper-case)"
    )
    expect(
      read({ 'access-key-id-secret-name': '_id', 'secret-access-key-secret-name': 'a1' })
    ).toMatchObject({ accessKeyIdSecretName: '_id', secretAccessKeySecretName: 'a1' })
  })

  it('the region', () => {
    expect(refusal({ 'aws-region': 'mars-1' })).toBe(
      "Input 'aws-region': 'mars-1' is not an AWS region this version knows (for example us-east-1, eu-west-1, us-gov-west-1)"
    )
    expect(read({ 'aws-region': 'eu-west-1' }).awsRegion).toBe('eu-west-1')
  })

  it('the account id: exactly 12 digits', () => {
    expect(refusal({ 'expected-account-id': '1234567890123' })).toBe(
      "Input 'expected-account-id': must be 12 digits, got '1234567890123'"
    )
    expect(refusal({ 'expected-account-id': 'x123456789012' })).toMatch(/must be 12 digits/)
    expect(refusal({ 'expected-account-id': '12345678901a' })).toMatch(/must be 12 digits/)
  })

  it('reactivate-previous alone, never with force', () => {
    expect(read({ 'reactivate-previous': 'true' })).toMatchObject({
      reactivatePrevious: true,
      force: false
    })
    expect(refusal({ 'reactivate-previous': 'TRUE', force: 'True' })).toBe(
      "Input 'reactivate-previous': cannot be combined with force: one undoes a rotation, the other starts one. Set only one of them."
    )
    expect(refusal({ 'reactivate-previous': 'yes' })).toBe(
      "Input 'reactivate-previous': 'yes' is not a boolean; write true or false"
    )
    expect(read({ force: 'FALSE', 'dry-run': 'False' })).toMatchObject({
      force: false,
      dryRun: false
    })
  })

  it('org-secret-visibility: private or all, in any case', () => {
    expect(read({}).orgSecretVisibility).toBe('private')
    expect(read({ 'org-secret-visibility': 'ALL' }).orgSecretVisibility).toBe('all')
    expect(refusal({ 'org-secret-visibility': 'public' })).toBe(
      "Input 'org-secret-visibility': must be private or all, got 'public'"
    )
    expect(refusal({ 'org-secret-visibility': 'Selected' })).toBe(
      "Input 'org-secret-visibility': 'selected' needs a list of repositories: create the two organization secrets once with their selection, and the action keeps it on every write"
    )
  })
})

describe('settings: where the token is sent', () => {
  const rule =
    'an https:// URL (http:// only for localhost) without a user name, password, query or fragment, such as https://HOST/api/v3'

  it('takes an https URL, or http on this machine only', () => {
    for (const url of [
      'https://ghes.example/api/v3',
      'http://localhost:3000',
      'http://127.0.0.1:3000/api',
      'http://[::1]:3000'
    ]) {
      expect(read({ 'github-api-url': url }).githubApiUrl).toBe(url)
    }
    expect(read({}).githubApiUrl).toBeUndefined()
  })

  it('refuses a user name, even alone, without echoing it', () => {
    expect(refusal({ 'github-api-url': 'https://deploy@ghes.example/api/v3' })).toBe(
      `Input 'github-api-url': must be ${rule}; got 'https://***@ghes.example/api/v3'. The token is sent there.`
    )
  })

  it('refuses a password alone, a query and a fragment', () => {
    for (const url of [
      'https://:hunter2@ghes.example/api/v3',
      'https://ghes.example/api/v3?x=1',
      'https://ghes.example/api/v3#top',
      'ftp://ghes.example/api/v3',
      'http://ghes.example/api/v3'
    ]) {
      expect(refusal({ 'github-api-url': url })).toMatch(
        /^Input 'github-api-url': must be an https/
      )
    }
    expect(refusal({ 'github-api-url': 'https://:hunter2@ghes.example/api/v3' })).not.toMatch(
      /hunter2/
    )
  })

  it('holds GITHUB_API_URL to the same rule only when github-api-url is not set', () => {
    expect(refusal({}, { GITHUB_API_URL: 'https://deploy@ghes.example/api/v3' })).toBe(
      `Input 'github-api-url': is not set, and GITHUB_API_URL ('https://***@ghes.example/api/v3') is not ${rule}. The token would be sent there; set github-api-url, or fix GITHUB_API_URL.`
    )
    expect(
      read(
        { 'github-api-url': 'https://ghes.example/api/v3' },
        { GITHUB_API_URL: 'http://wrong.example' }
      ).githubApiUrl
    ).toBe('https://ghes.example/api/v3')
  })

  it('refuses Codespaces on GHES, naming the target; the input wins over GITHUB_API_URL', () => {
    expect(
      refusal(
        {
          targets: 'acme/app\ncodespaces:acme/app',
          'github-api-url': 'https://ghes.example/api/v3'
        },
        { GITHUB_API_URL: 'https://api.github.com' }
      )
    ).toBe(
      "Input 'targets': codespaces:acme/app: GitHub Enterprise Server (the API at .../api/v3) has no Codespaces secrets API (GitHub's API descriptions for GHES 3.17 to 3.19 have none); use repository, environment or organization targets there"
    )
    expect(
      read(
        { targets: 'codespaces-org:acme', 'github-api-url': 'https://api.github.com' },
        { GITHUB_API_URL: 'https://ghes.example/api/v3' }
      ).targets
    ).toHaveLength(1)
    expect(
      read({ targets: 'codespaces:acme/app', 'github-api-url': 'https://ghes.example/api/v3/x' })
        .targets
    ).toHaveLength(1)
  })
})

describe('settings: the smoke workflow', () => {
  const form = 'write FILE.yml or owner/repo/FILE.yml, optionally @REF (a branch or tag)'

  it('needs a workflow file, in a known form, in a valid repository, at a valid ref', () => {
    expect(refusal({ 'smoke-workflow': 'acme/app/smoke.json' })).toBe(
      `Input 'smoke-workflow': 'acme/app/smoke.json' does not name a workflow file (.yml or .yaml) of .github/workflows: ${form}`
    )
    expect(refusal({ 'smoke-workflow': 'app/smoke.yml' })).toBe(
      `Input 'smoke-workflow': 'app/smoke.yml' is not in a known form: ${form}`
    )
    expect(refusal({ 'smoke-workflow': 'acme-/app/smoke.yml' })).toBe(
      `Input 'smoke-workflow': 'acme-' is not a valid GitHub owner name: ${form}`
    )
    expect(refusal({ 'smoke-workflow': 'smoke.yml@bad ref' })).toBe(
      `Input 'smoke-workflow': '@bad ref' is not a branch or tag name: ${form}`
    )
    expect(() =>
      readSettings(
        name =>
          ({ 'github-token': 't', targets: 'acme/app', 'smoke-workflow': 'smoke.yml' })[
            name as string
          ] ?? '',
        {}
      )
    ).toThrow(
      "Input 'smoke-workflow': 'smoke.yml' names no repository and GITHUB_REPOSITORY is not set: write owner/repo/smoke.yml"
    )
  })

  it('takes a branch or tag with slashes, and refuses what git refuses', () => {
    expect(read({ 'smoke-workflow': 'smoke.yml@v1.2' }).smokeWorkflow).toEqual({
      repository: 'acme/app',
      file: 'smoke.yml',
      ref: 'v1.2'
    })
    for (const ref of [
      '/main',
      'main/',
      'a..b',
      'a~1',
      'a^',
      'a:b',
      'a?',
      'a*',
      'a[',
      'a\\b',
      ''
    ]) {
      expect(refusal({ 'smoke-workflow': `smoke.yml@${ref}` })).toMatch(
        /is not a branch or tag name/
      )
    }
  })

  it('is refused when no target feeds its repository', () => {
    expect(refusal({ targets: 'org:acme', 'smoke-workflow': 'other/app/smoke.yml' })).toBe(
      "Input 'smoke-workflow': no target feeds other/app (a repository, environment or organization secret it can read), so its run would not see the new key and would prove nothing. Add a target for it, or pick a workflow in a repository that one of the targets feeds."
    )
    expect(
      read({ targets: 'org:acme', 'smoke-workflow': 'acme/web/smoke.yml' }).smokeWorkflow
    ).toEqual({ repository: 'acme/web', file: 'smoke.yml', ref: undefined })
  })
})

describe('settings: the run', () => {
  it('records who runs, with defaults for a local run', () => {
    expect(read({}).run).toEqual({ repository: 'acme/app', runId: '42', attempt: '2' })
    const local = readSettings(
      name => ({ 'github-token': 't', targets: 'acme/app' })[name as string] ?? '',
      {}
    )
    expect(local.run).toEqual({ repository: 'local', runId: '0', attempt: '1' })
    expect(Object.isFrozen(local.run)).toBe(true)
  })
})

describe('settings: leak-response', () => {
  it('takes one of its four words, in any case', () => {
    expect(read({}).leakResponse).toBe('rotate-and-deactivate')
    expect(read({ 'leak-response': 'Report' }).leakResponse).toBe('report')
    expect(refusal({ 'leak-response': 'never' })).toBe(
      "Input 'leak-response': must be one of rotate-and-deactivate, rotate, report, off, got 'never'"
    )
  })
})

describe('settings: issue-on-failure and issue-repository', () => {
  it('is on by default, in the workflow repository', () => {
    expect(read({})).toMatchObject({ issueOnFailure: true, issueRepository: 'acme/app' })
    expect(read({ 'issue-on-failure': 'false' }).issueOnFailure).toBe(false)
    expect(read({ 'issue-repository': 'acme/ops' }).issueRepository).toBe('acme/ops')
  })

  it('has no repository outside a workflow, and refuses a repository that is not owner/repo', () => {
    const local = readSettings(
      name => ({ 'github-token': 't', targets: 'acme/app' })[name as string] ?? '',
      {}
    )
    expect(local.issueRepository).toBeUndefined()
    expect(
      read({ targets: 'acme/app' }, { GITHUB_REPOSITORY: 'local' }).issueRepository
    ).toBeUndefined()
    expect(refusal({ 'issue-repository': 'acme' })).toBe(
      "Input 'issue-repository': write owner/repo, got 'acme'"
    )
    expect(refusal({ 'issue-repository': 'acme/ops/extra' })).toBe(
      "Input 'issue-repository': write owner/repo, got 'acme/ops/extra'"
    )
    expect(refusal({ 'issue-repository': '-acme/ops' })).toBe(
      "Input 'issue-repository': '-acme' is not a valid GitHub owner name, got '-acme/ops'"
    )
    expect(refusal({ 'issue-on-failure': 'yes' })).toMatch(/^Input 'issue-on-failure': /)
  })
})

describe('settings: a with: key that is not an input', () => {
  const refusalFor = (key: string): string => {
    try {
      readSettings(name => (name === 'github-token' ? 't' : ''), { ...env, [`INPUT_${key}`]: 'x' })
    } catch (error) {
      if (error instanceof InputError) return error.message
      throw error
    }
    throw new Error('accepted')
  }

  it('says what happened, what was not done, and why', () => {
    expect(refusalFor('DRYRUN')).toBe(
      "Input 'dryrun': is not an input of this action (a with: key, or an INPUT_DRYRUN environment variable); did you mean dry-run? Nothing was done: the runner passes undeclared inputs on with only a warning, and an ignored input could turn a dry run into a real rotation."
    )
  })

  it.each([
    ['TIMEOUT', 'smoke-timeout or verify-timeout or request-timeout'],
    ['FORC', 'force'],
    ['EXPO', 'export-credentials'],
    ['DRYRN', 'dry-run'],
    ['FROCE', 'force'],
    ['MAXAGE_', 'max-age']
  ])('suggests the nearest inputs for %s: %s', (key, guesses) => {
    expect(refusalFor(key)).toContain(`; did you mean ${guesses}? Nothing was done`)
  })

  it.each(['DRY', 'VERBOSE', 'FOOBAR'])('suggests nothing for %s', key => {
    expect(refusalFor(key)).toContain('; known inputs are listed in action.yml and the README.')
  })

  it('leaves other environment variables alone', () => {
    expect(
      readSettings(name => (name === 'github-token' ? 't' : ''), {
        ...env,
        MY_INPUT_DRYRUN: 'true',
        'INPUT_DRY-RUN': 'true'
      }).githubToken
    ).toBe('t')
  })
})
