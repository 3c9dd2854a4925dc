import { describeTarget, feedsRepository, parseTargets } from '../src/targets.js'

describe('targets', () => {
  it('reads every kind of target, keeping names as written', () => {
    const parsed = parseTargets(
      'env:acme/app/Production EU\nenv:acme/app/team/blue\norg:Acme-Co\ndependabot:acme/app\nDependabot-Org:acme'
    )
    expect(parsed).toEqual([
      { kind: 'environment', owner: 'acme', repo: 'app', environment: 'Production EU' },
      { kind: 'environment', owner: 'acme', repo: 'app', environment: 'team/blue' },
      { kind: 'organization', org: 'Acme-Co' },
      { kind: 'dependabot', owner: 'acme', repo: 'app' },
      { kind: 'dependabot-org', org: 'acme' }
    ])
    if ('error' in parsed) return
    expect(parsed.map(describeTarget)).toEqual([
      'env:acme/app/Production EU',
      'env:acme/app/team/blue',
      'org:Acme-Co',
      'dependabot:acme/app',
      'dependabot-org:acme'
    ])
  })

  it('a repository, its environments, Dependabot and Codespaces secrets are different scopes', () => {
    const parsed = parseTargets(
      'acme/app\nenv:acme/app/prod\ndependabot:acme/app\norg:acme\ndependabot-org:acme\ncodespaces:acme/app\ncodespaces-org:acme'
    )
    expect('error' in parsed ? parsed.error : parsed.map(describeTarget)).toEqual([
      'acme/app',
      'env:acme/app/prod',
      'dependabot:acme/app',
      'org:acme',
      'dependabot-org:acme',
      'codespaces:acme/app',
      'codespaces-org:acme'
    ])
    const feeds = parseTargets('codespaces:acme/app\ncodespaces-org:acme')
    if ('error' in feeds) throw new Error(feeds.error)
    expect(feeds.map(target => feedsRepository(target, 'acme/app'))).toEqual([false, false])
  })

  it('knows which targets feed a workflow in a repository (they are written last)', () => {
    const parsed = parseTargets(
      'acme/app\nenv:acme/app/prod\norg:acme\ndependabot:acme/app\nacme/api\norg:other'
    )
    if ('error' in parsed) throw new Error(parsed.error)
    expect(parsed.map(target => feedsRepository(target, 'ACME/app'))).toEqual([
      true,
      true,
      true,
      false,
      false,
      false
    ])
  })

  it('reads owner/repo lines, skipping blanks and comments', () => {
    expect(
      parseTargets('acme/app\n\n# staging\n  acme/api  # trailing comment\r\nAcme-Co/site.io')
    ).toEqual([
      { kind: 'repository', owner: 'acme', repo: 'app' },
      { kind: 'repository', owner: 'acme', repo: 'api' },
      { kind: 'repository', owner: 'Acme-Co', repo: 'site.io' }
    ])
  })

  it.each([
    ['acme', /owner\/repo/],
    ['-acme/app', /owner/],
    ['acme-/app', /owner/],
    ['acme/..', /repository name/],
    ['acme/app\nacme/APP', /reaches the same secrets as line 1/],
    ['env:acme/app/Prod\n\nenv:ACME/app/prod', /line 3 .* reaches the same secrets as line 1/],
    ['org:acme\norg:Acme', /same secrets/],
    ['gitlab:acme/app', /'gitlab:' is not a kind of target/],
    ['org:acme/app', /not a valid GitHub organization name/],
    ['org:', /not a valid GitHub organization name/],
    ['env:acme/app', /names the environment after the repository/],
    ['env:acme/app/', /names the environment/],
    ['env:acme/app/bad\u0007bell', /not a valid environment name/],
    ['env:acme/app/' + 'e'.repeat(256), /not a valid environment name/],
    ['env:acme/../prod', /not a valid repository name/],
    ['dependabot:acme', /not a target/]
  ])('rejects %p', (text, message) => {
    const parsed = parseTargets(text)
    expect('error' in parsed && parsed.error).toMatch(message)
  })
})
