import { readFileSync } from 'node:fs'
import { InputError } from '../src/errors.js'
import { describeTarget } from '../src/targets.js'
import { INPUT_DEFAULTS, readSettings, type InputName } from '../src/settings.js'

const env = { GITHUB_REPOSITORY: 'acme/app', GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2' }
const read = (inputs: Partial<Record<InputName, string>>) =>
  readSettings(name => inputs[name] ?? '', env)
const token = { 'github-token': 'github_pat_example' }

describe('settings', () => {
  it('applies the defaults in code, for a bare process without action.yml', () => {
    const settings = read(token)
    expect(settings).toMatchObject({
      targets: [{ kind: 'repository', owner: 'acme', repo: 'app' }],
      iamUserName: undefined,
      accessKeyIdSecretName: 'AWS_ACCESS_KEY_ID',
      secretAccessKeySecretName: 'AWS_SECRET_ACCESS_KEY',
      maxAgeMs: 90 * 86_400_000,
      force: false,
      deactivateAfterMs: 0,
      deleteAfterMs: 7 * 86_400_000,
      verifyTimeoutMs: 120_000,
      dryRun: false,
      awsRegion: 'us-east-1',
      expectedAccountId: undefined,
      exportCredentials: false,
      run: { repository: 'acme/app', runId: '42', attempt: '2' }
    })
    expect(Object.isFrozen(settings)).toBe(true)
  })

  it('has the same defaults as action.yml, and action.yml has every input', () => {
    const yaml = readFileSync('action.yml', 'utf8')
    const inputsBlock = yaml.slice(yaml.indexOf('\ninputs:'), yaml.indexOf('\noutputs:'))
    const declared = [
      ...inputsBlock.matchAll(/^ {2}([a-z-]+):\n([\s\S]*?)(?=^ {2}[a-z-]+:|(?![\s\S]))/gm)
    ]
    const defaults = Object.fromEntries(
      declared.map(([, name, body]) => {
        const value = /^ {4}default: ?(.*)$/m.exec(body ?? '')?.[1] ?? ''
        return [name, value.replace(/^'(.*)'$/, '$1')]
      })
    )
    expect(defaults).toEqual(INPUT_DEFAULTS)
  })

  it('reads every input', () => {
    const settings = read({
      ...token,
      targets: '# deploy targets\nacme/app\n\nacme/api   # the API\n',
      'iam-user-name': 'deploy-bot',
      'access-key-id-secret-name': 'DEPLOY_KEY_ID',
      'secret-access-key-secret-name': 'DEPLOY_SECRET',
      'max-age': '1d12h',
      force: 'TRUE',
      'deactivate-after': '30m',
      'delete-after': '0',
      'verify-timeout': '45s',
      'dry-run': 'True',
      'aws-region': 'us-gov-west-1',
      'expected-account-id': '123456789012',
      'export-credentials': 'true'
    })
    expect(settings.targets.map(describeTarget)).toEqual(['acme/app', 'acme/api'])
    expect(settings).toMatchObject({
      iamUserName: 'deploy-bot',
      maxAgeMs: 36 * 3_600_000,
      force: true,
      deactivateAfterMs: 1_800_000,
      deleteAfterMs: 0,
      verifyTimeoutMs: 45_000,
      dryRun: true,
      awsRegion: 'us-gov-west-1',
      expectedAccountId: '123456789012',
      exportCredentials: true
    })
  })

  const bad: Array<[string, Partial<Record<InputName, string>>, InputName, RegExp]> = [
    ['no token', { 'github-token': '' }, 'github-token', /GITHUB_TOKEN cannot write secrets/],
    ['token with a space', { 'github-token': 'a b' }, 'github-token', /whitespace/],
    ['target without repo', { targets: 'acme' }, 'targets', /owner\/repo/],
    ['target with three parts', { targets: 'a/b/c' }, 'targets', /line 1/],
    ['owner with a dot', { targets: 'ac.me/app' }, 'targets', /owner/],
    ['repo with a space', { targets: 'acme/my app' }, 'targets', /repository name/],
    [
      'target twice',
      { targets: 'acme/app\nAcme/App' },
      'targets',
      /reaches the same secrets as line 1/
    ],
    [
      'env target without environment',
      { targets: 'env:acme/app' },
      'targets',
      /names the environment/
    ],
    ['unknown target form', { targets: 'gitlab:acme/app' }, 'targets', /not a kind of target/],
    [
      'github-api-url over plain http',
      { 'github-api-url': 'http://github.example.com/api/v3' },
      'github-api-url',
      /https:\/\//
    ],
    [
      'github-api-url not a URL',
      { 'github-api-url': 'api.github.com' },
      'github-api-url',
      /https:\/\//
    ],
    [
      'org-secret-visibility selected',
      { 'org-secret-visibility': 'selected' },
      'org-secret-visibility',
      /needs a list of repositories/
    ],
    ['only comments', { targets: '# nothing' }, 'targets', /no target/],
    ['bad user name', { 'iam-user-name': 'deploy bot' }, 'iam-user-name', /IAM user name/],
    [
      'secret name with dash',
      { 'access-key-id-secret-name': 'AWS-KEY' },
      'access-key-id-secret-name',
      /letters, digits/
    ],
    [
      'secret name GITHUB_',
      { 'secret-access-key-secret-name': 'GITHUB_SECRET' },
      'secret-access-key-secret-name',
      /GITHUB_/
    ],
    [
      'secret name digit',
      { 'access-key-id-secret-name': '1KEY' },
      'access-key-id-secret-name',
      /digit/
    ],
    [
      'same secret names',
      { 'access-key-id-secret-name': 'key', 'secret-access-key-secret-name': 'KEY' },
      'secret-access-key-secret-name',
      /must differ/
    ],
    ['duration without unit', { 'max-age': '90' }, 'max-age', /not a duration/],
    ['duration units out of order', { 'delete-after': '1m2h' }, 'delete-after', /in that order/],
    ['negative duration', { 'deactivate-after': '-1d' }, 'deactivate-after', /not a duration/],
    [
      'verify-timeout too short',
      { 'verify-timeout': '1s' },
      'verify-timeout',
      /between 5s and 30m/
    ],
    ['verify-timeout zero', { 'verify-timeout': '0' }, 'verify-timeout', /between/],
    ['boolean yes', { force: 'yes' }, 'force', /true or false/],
    ['boolean 1', { 'dry-run': '1' }, 'dry-run', /true or false/],
    ['region typo', { 'aws-region': 'us-east' }, 'aws-region', /region/],
    [
      'region that does not exist',
      { 'aws-region': 'us-esat-1' },
      'aws-region',
      /not an AWS region/
    ],
    [
      'request-timeout too long',
      { 'request-timeout': '1h' },
      'request-timeout',
      /between 1s and 5m/
    ],
    ['account id short', { 'expected-account-id': '1234' }, 'expected-account-id', /12 digits/],
    [
      'reactivate-previous with force',
      { 'reactivate-previous': 'true', force: 'true' },
      'reactivate-previous',
      /cannot be combined with force/
    ],
    ['smoke workflow without .yml', { 'smoke-workflow': 'smoke' }, 'smoke-workflow', /\.yml/],
    [
      'smoke workflow with a path',
      { 'smoke-workflow': 'acme/app/.github/workflows/smoke.yml' },
      'smoke-workflow',
      /not in a known form/
    ],
    [
      'smoke workflow with a bad ref',
      { 'smoke-workflow': 'smoke.yml@a..b' },
      'smoke-workflow',
      /not a branch or tag/
    ],
    ['smoke-timeout too short', { 'smoke-timeout': '5s' }, 'smoke-timeout', /between 10s and 6h/],
    [
      'smoke workflow in a repository no target feeds',
      { 'smoke-workflow': 'acme/other/smoke.yml' },
      'smoke-workflow',
      /no target feeds acme\/other/
    ]
  ]
  it.each(bad)('rejects %s, naming the input', (_case, inputs, input, message) => {
    let caught: unknown
    try {
      read({ ...token, ...inputs })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(InputError)
    expect((caught as InputError).input).toBe(input)
    expect((caught as Error).message).toContain(`'${input}'`)
    expect((caught as Error).message).toMatch(message)
  })

  it('reads smoke-workflow in its three forms, with the default timeout', () => {
    expect(read({ ...token, 'smoke-workflow': 'smoke.yml' })).toMatchObject({
      smokeWorkflow: { repository: 'acme/app', file: 'smoke.yml', ref: undefined },
      smokeTimeoutMs: 15 * 60_000
    })
    expect(
      read({
        ...token,
        targets: 'acme/app\nenv:acme/deploy/production',
        'smoke-workflow': 'acme/deploy/check.yaml@release/v2',
        'smoke-timeout': '30m'
      })
    ).toMatchObject({
      smokeWorkflow: { repository: 'acme/deploy', file: 'check.yaml', ref: 'release/v2' },
      smokeTimeoutMs: 30 * 60_000
    })
    expect(read(token).smokeWorkflow).toBeUndefined()
    expect(() =>
      readSettings(
        name =>
          ({ 'github-token': 't', targets: 'acme/app', 'smoke-workflow': 'smoke.yml' })[
            name as string
          ] ?? '',
        {}
      )
    ).toThrow(/Input 'smoke-workflow'.*names no repository/)
  })

  it('never echoes a user name or password given in github-api-url', () => {
    expect(() =>
      read({ ...token, 'github-api-url': 'https://deploy:hunter2@ghes.example/api/v3' })
    ).toThrow(/without a user name, password.*got 'https:\/\/\*\*\*@ghes\.example\/api\/v3'/)
    let message = ''
    try {
      read({ ...token, 'github-api-url': 'https://deploy:hunter2@ghes.example/api/v3' })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).not.toMatch(/hunter2|deploy:/)
  })

  describe('unexpected inputs', () => {
    /** As the runner passes `with:` keys: INPUT_ + upper case, spaces to `_`, hyphens kept. */
    const runnerEnv = (withKeys: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(withKeys).map(([key, value]) => [
          `INPUT_${key.replace(/ /g, '_').toUpperCase()}`,
          value
        ])
      )
    const readWith = (withKeys: Record<string, string>) =>
      readSettings(name => token[name as keyof typeof token] ?? '', {
        ...env,
        ...runnerEnv(withKeys)
      })
    const refusal = (withKeys: Record<string, string>): InputError => {
      try {
        readWith(withKeys)
      } catch (error) {
        if (error instanceof InputError) return error
        throw error
      }
      throw new Error('no InputError')
    }

    it.each([
      ['dryrun', 'dry-run'],
      ['max_age', 'max-age'],
      ['max age', 'max-age'],
      ['deactivate_after', 'deactivate-after'],
      ['dry-runn', 'dry-run'],
      ['aws-regoin', 'aws-region'],
      ['token', 'github-token']
    ])('refuses `%s`, naming it and suggesting %s', (written, meant) => {
      const error = refusal({ 'github-token': 'github_pat_example', [written]: 'true' })
      const name = written.replace(/ /g, '_')
      expect(error.input).toBe(name)
      expect(error.message).toMatch(
        new RegExp(`^Input '${name}': is not an input of this action.*did you mean ${meant}\\?`)
      )
    })

    it('checks before anything else: github_token is a typo, not a missing token', () => {
      const error = refusal({ github_token: 'ghp_value_never_shown' })
      expect(error.message).toMatch(/^Input 'github_token': .*did you mean github-token\?/)
      expect(error.message).not.toContain('ghp_value_never_shown')
    })

    it('points at action.yml and the README when no input is close', () => {
      const error = refusal({ colour: 'blue' })
      expect(error.message).toMatch(/^Input 'colour': .*known inputs are listed in action\.yml/)
      expect(error.message).not.toMatch(/did you mean/)
    })

    it('names every unexpected input, the first in the InputError', () => {
      const error = refusal({ zeta: '1', dryrun: 'true', alpha: '1' })
      expect(error.input).toBe('alpha')
      expect(error.message).toMatch(/Also not inputs: dryrun, zeta\./)
    })

    it('accepts every declared input as the runner passes it, hyphens and all', () => {
      expect(() =>
        readWith({ ...INPUT_DEFAULTS, 'github-token': 'github_pat_example' })
      ).not.toThrow()
    })
  })

  it('needs targets when GITHUB_REPOSITORY is not set', () => {
    expect(() => readSettings(name => (name === 'github-token' ? 't' : ''), {})).toThrow(
      /Input 'targets'/
    )
  })

  describe('hardening found in a security read', () => {
    const withEnv = (
      extra: Record<string, string>,
      inputs: Partial<Record<InputName, string>> = {}
    ) => readSettings(name => ({ ...token, ...inputs })[name] ?? '', { ...env, ...extra })

    it('holds GITHUB_API_URL to the rule github-api-url follows, and never echoes credentials', () => {
      expect(() => withEnv({ GITHUB_API_URL: 'http://ghes.example.com/api/v3' })).toThrow(
        /github-api-url.*GITHUB_API_URL \('http:\/\/ghes.example.com\/api\/v3'\)/
      )
      expect(withEnv({ GITHUB_API_URL: 'https://api.github.com' }).githubApiUrl).toBeUndefined()
      expect(withEnv({ GITHUB_API_URL: 'http://127.0.0.1:8080' }).githubApiUrl).toBeUndefined()
      for (const url of [
        'https://user:p@ss@host.example/api/v3',
        'https://user@host.example/api/v3'
      ]) {
        let message = ''
        try {
          withEnv({}, { 'github-api-url': url })
        } catch (error) {
          message = (error as Error).message
        }
        expect(message).toMatch(/got 'https:\/\/\*\*\*@host.example\/api\/v3'/)
        expect(message).not.toMatch(/p@ss|user[:@]/)
      }
    })

    it('refuses Codespaces targets on GitHub Enterprise Server, which has no Codespaces secrets API', () => {
      for (const target of ['codespaces:acme/app', 'codespaces-org:acme']) {
        expect(() =>
          withEnv({ GITHUB_API_URL: 'https://ghes.example.com/api/v3' }, { targets: target })
        ).toThrow(/targets.*no Codespaces secrets API/)
        expect(() =>
          withEnv({}, { targets: target, 'github-api-url': 'https://ghes.example.com/api/v3/' })
        ).toThrow(/no Codespaces secrets API/)
        expect(
          withEnv({ GITHUB_API_URL: 'https://api.github.com' }, { targets: target }).targets
        ).toHaveLength(1)
      }
    })

    it("refuses the environments '.' and '..', and cuts a long target line in the error", () => {
      expect(() => withEnv({}, { targets: 'env:acme/app/..' })).toThrow(/not a valid environment/)
      expect(() => withEnv({}, { targets: 'env:acme/app/.' })).toThrow(/not a valid environment/)
      const long = `acme/${'x'.repeat(5_000)}`
      let message = ''
      try {
        withEnv({}, { targets: long })
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).toMatch(/… \(5005 characters\)/)
      expect(message.length).toBeLessThan(600)
    })

    it('takes rate-limit-budget from 0 to 6h', () => {
      expect(withEnv({}).rateLimitBudgetMs).toBe(30 * 60_000)
      expect(withEnv({}, { 'rate-limit-budget': '0s' }).rateLimitBudgetMs).toBe(0)
      expect(withEnv({}, { 'rate-limit-budget': '6h' }).rateLimitBudgetMs).toBe(6 * 3_600_000)
      expect(() => withEnv({}, { 'rate-limit-budget': '361m' })).toThrow(/rate-limit-budget/)
    })
  })
})
