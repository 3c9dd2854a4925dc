import {
  describeTarget,
  feedsRepository,
  parseTargets,
  repositoryOf,
  type Target
} from '../src/targets.js'

describe('targets', () => {
  it("a matrix's list: a JSON array of strings is its items; an array passed as it is is explained", () => {
    expect(parseTargets('["acme/app", "env:acme/app/prod\\norg:acme"]')).toEqual([
      { kind: 'repository', owner: 'acme', repo: 'app' },
      { kind: 'environment', owner: 'acme', repo: 'app', environment: 'prod' },
      { kind: 'organization', org: 'acme' }
    ])
    expect(parseTargets('Array')).toEqual({
      error:
        "is 'Array', which is what GitHub writes for an array in ${{ }}: pass a list as ${{ join(matrix.entry.targets, '\\n') }} or ${{ toJSON(matrix.entry.targets) }}"
    })
    expect(parseTargets(' Object ')).toMatchObject({
      error: expect.stringMatching(/^is 'Object', .* an object in/)
    })
    expect(parseTargets('[acme/app]')).toEqual({
      error: 'starts with [ but is not a JSON array of strings; write one target per line'
    })
    expect(parseTargets('["acme/app", 3]')).toEqual({
      error: 'is JSON, but not an array of strings; write one target per line'
    })
    expect(parseTargets('{"a": 1}')).toMatchObject({ error: expect.stringContaining("line 1 ('{") })
    expect(parseTargets('["acme/app", "acme/app"]')).toMatchObject({
      error: expect.stringContaining('reaches the same secrets as line 1')
    })
  })

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

describe('targets, rule by rule', () => {
  const error = (text: string): string => {
    const parsed = parseTargets(text)
    if (!('error' in parsed)) throw new Error(`accepted ${text}`)
    return parsed.error
  }

  it('names the repository a target belongs to, and none for an organization', () => {
    const parsed = parseTargets(
      'acme/app\nenv:acme/web/prod\ndependabot:acme/api\ncodespaces:acme/dev\norg:acme\ndependabot-org:acme\ncodespaces-org:acme'
    )
    if ('error' in parsed) throw new Error(parsed.error)
    expect(parsed.map(repositoryOf)).toEqual([
      'acme/app',
      'acme/web',
      'acme/api',
      'acme/dev',
      undefined,
      undefined,
      undefined
    ])
  })

  it('an organization feeds its own repositories only, whatever the case', () => {
    const org: Target = { kind: 'organization', org: 'Acme' }
    expect(feedsRepository(org, 'acme/app')).toBe(true)
    expect(feedsRepository(org, 'acme-co/app')).toBe(false)
    expect(feedsRepository({ kind: 'repository', owner: 'Acme', repo: 'App' }, 'acme/app')).toBe(
      true
    )
    expect(feedsRepository({ kind: 'dependabot-org', org: 'acme' }, 'acme/app')).toBe(false)
  })

  it('keeps a # that does not start a comment', () => {
    expect(parseTargets('env:acme/app/team#1 # the team')).toEqual([
      { kind: 'environment', owner: 'acme', repo: 'app', environment: 'team#1' }
    ])
  })

  it('takes names up to the lengths GitHub allows', () => {
    const owner = 'o'.repeat(39)
    const repo = 'r'.repeat(100)
    const environment = 'e'.repeat(255)
    expect(
      parseTargets(`${owner}/${repo}\nenv:a/b/${environment}\nenv:a/b/x\norg:${owner}`)
    ).toEqual([
      { kind: 'repository', owner, repo },
      { kind: 'environment', owner: 'a', repo: 'b', environment },
      { kind: 'environment', owner: 'a', repo: 'b', environment: 'x' },
      { kind: 'organization', org: owner }
    ])
    expect(error(`${'o'.repeat(40)}/app`)).toMatch(/not a valid GitHub owner name/)
    expect(error(`acme/${'r'.repeat(101)}`)).toMatch(/not a valid repository name/)
    expect(error(`org:${'o'.repeat(40)}`)).toMatch(/not a valid GitHub organization name/)
  })

  it('says exactly what is wrong with a line, and what is allowed', () => {
    const forms =
      "write 'owner/repo', 'env:owner/repo/ENVIRONMENT', 'org:ORG', 'dependabot:owner/repo', 'dependabot-org:ORG', 'codespaces:owner/repo' or 'codespaces-org:ORG'"
    expect(error('acme')).toBe(`line 1 ('acme'): not a target; ${forms}, one per line`)
    expect(error('acme/app\nacme-/app')).toBe(
      "line 2 ('acme-/app'): 'acme-' is not a valid GitHub owner name"
    )
    expect(error('acme/.')).toBe("line 1 ('acme/.'): '.' is not a valid repository name")
    expect(error('org:acme-')).toBe(
      `line 1 ('org:acme-'): 'acme-' is not a valid GitHub organization name; ${forms}`
    )
    expect(error('gitlab:acme/app')).toBe(
      `line 1 ('gitlab:acme/app'): 'gitlab:' is not a kind of target; ${forms}`
    )
    expect(error('env:acme')).toBe("line 1 ('env:acme'): '' is not a valid repository name")
    expect(error('env:acme/app')).toBe(
      "line 1 ('env:acme/app'): an environment target names the environment after the repository: 'env:owner/repo/ENVIRONMENT'"
    )
    expect(error('acme/app\n\nACME/App')).toBe(
      "line 3 ('ACME/App') reaches the same secrets as line 1; list each target once"
    )
  })

  it("refuses environments '.', '..' and names starting with a space", () => {
    for (const environment of ['.', '..', ' prod']) {
      expect(error(`env:acme/app/${environment}`)).toBe(
        `line 1 ('env:acme/app/${environment}'): '${environment}' is not a valid environment name (1 to 255 characters, no control characters)`
      )
    }
  })

  it('echoes a line of up to 100 characters whole, and cuts a longer one', () => {
    const exact = `acme/${'r'.repeat(94)}!`
    expect(exact).toHaveLength(100)
    expect(error(exact)).toContain(`line 1 ('${exact}'): '${exact.slice(5)}' is not`)
    const long = `acme/${'r'.repeat(200)}!`
    const message = error(long)
    expect(message).toBe(
      `line 1 ('${long.slice(0, 100)}… (206 characters)'): '${long.slice(5, 105)}… (201 characters)' is not a valid repository name`
    )
  })

  it('takes a colon after the owner for part of a repository name, not for a kind of target', () => {
    expect(error('acme/app:x')).toBe(
      "line 1 ('acme/app:x'): 'app:x' is not a valid repository name"
    )
  })

  it('refuses a line with a carriage return inside rather than read part of it', () => {
    expect(error('env:acme/app/prod\rx')).toMatch(/: not a target;/)
  })
})
