/**
 * Every secret scope through the bundled action: environment, organization (visibility and
 * selected repositories kept), Dependabot, a GitHub Enterprise Server base path, and the
 * permission each needs.
 */
import type { OrgAccess, ScopeRef } from './emulators/github.js'
import { nodeBinaries } from './emulators/runner.js'
import {
  ID_SECRET,
  KEY_SECRET,
  SECRET_WRITE_PERMISSIONS,
  startWorld,
  TOKEN,
  USER,
  type World
} from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}

describe(`secret scopes on ${runner?.name ?? 'node'}`, () => {
  let world: World
  afterEach(() => world.close())

  /** Seeds a scope with the key the repository holds, as a person set it up before. */
  function seed(scope: ScopeRef, access?: OrgAccess): void {
    const { accessKeyId, secretAccessKey } = world.stored()
    world.github.setScopeSecret(scope, ID_SECRET, accessKeyId, access)
    world.github.setScopeSecret(scope, KEY_SECRET, secretAccessKey, access)
  }
  function held(scope: ScopeRef): { id: string | undefined; key: string | undefined } {
    return {
      id: world.github.scopeSecret(scope, ID_SECRET)?.value,
      key: world.github.scopeSecret(scope, KEY_SECRET)?.value
    }
  }
  function activeKey() {
    const active = world.aws.keys(USER).filter(k => k.status === 'Active')
    expect(active).toHaveLength(1)
    return { id: active[0]?.accessKeyId, key: active[0]?.secretAccessKey }
  }
  const created = () =>
    world.aws.requests.filter(r => r.action === 'CreateAccessKey' && r.status === 200).length

  it('writes environment, repository and Dependabot secrets of a repository', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    world.github.addEnvironment('acme/app', 'Production EU')
    world.github.addEnvironment('acme/app', 'team/blue')
    seed({ kind: 'environment', repo: 'acme/app', environment: 'Production EU' })
    const result = await world.run(
      {
        targets: 'acme/app\nenv:acme/app/Production EU\nenv:acme/app/team/blue\ndependabot:acme/app'
      },
      withNode
    )
    expect(result.code).toBe(0)
    const key = activeKey()
    expect(held({ kind: 'actions', repo: 'acme/app' })).toEqual(key)
    expect(held({ kind: 'environment', repo: 'acme/app', environment: 'Production EU' })).toEqual(
      key
    )
    expect(held({ kind: 'environment', repo: 'acme/app', environment: 'team/blue' })).toEqual(key)
    expect(held({ kind: 'dependabot', repo: 'acme/app' })).toEqual(key)
    // The name with a slash travelled as one path segment.
    expect(world.github.requests.some(r => r.path.includes('/environments/team%2Fblue/'))).toBe(
      true
    )
    expect(result.summary).toMatch(/env:acme\/app\/Production EU: written this run/)
  })

  it('a missing environment is a preflight error naming it; nothing changes', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    world.github.addEnvironment('acme/app', 'production')
    const result = await world.run(
      { targets: 'acme/app\nenv:acme/app/production\nenv:acme/app/prodution' },
      withNode
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::Preflight failed, so nothing was changed.*Environment 'prodution' does not exist in acme\/app/
    )
    expect(created()).toBe(0)
    expect(world.github.requests.filter(r => r.route === 'put-secret')).toEqual([])
  })

  it('keeps an organization secret’s selected repositories across pages, and its visibility', async () => {
    const members = Array.from({ length: 150 }, (_, i) => `acme/svc-${i}`)
    world = await startWorld({
      repos: ['acme/app'],
      orgs: ['acme', 'other'],
      propagationDelayMs: 300
    })
    for (const repo of members) world.github.addRepo(repo)
    const selected: OrgAccess = {
      visibility: 'selected',
      selectedRepositoryIds: members.map(repo => world.github.repoId(repo))
    }
    seed({ kind: 'org-actions', org: 'acme' }, selected)
    seed({ kind: 'org-dependabot', org: 'acme' }, { visibility: 'all', selectedRepositoryIds: [] })
    // A new org secret: private by default.
    const result = await world.run(
      { targets: 'acme/app\norg:acme\ndependabot-org:acme\norg:other' },
      withNode
    )
    expect(result.code).toBe(0)
    const key = activeKey()
    for (const scope of [
      { kind: 'org-actions', org: 'acme' },
      { kind: 'org-dependabot', org: 'acme' },
      { kind: 'org-actions', org: 'other' }
    ] as const) {
      expect(held(scope)).toEqual(key)
    }
    for (const name of [ID_SECRET, KEY_SECRET]) {
      expect(world.github.scopeSecret({ kind: 'org-actions', org: 'acme' }, name)?.access).toEqual(
        selected
      )
      expect(
        world.github.scopeSecret({ kind: 'org-dependabot', org: 'acme' }, name)?.access?.visibility
      ).toBe('all')
      expect(world.github.scopeSecret({ kind: 'org-actions', org: 'other' }, name)?.access).toEqual(
        { visibility: 'private', selectedRepositoryIds: [] }
      )
    }
    // 150 repositories are two pages of 100, read for each of the two secrets.
    const pages = world.github.requests.filter(r => r.route === 'list-secret-repositories')
    expect(pages).toHaveLength(4)
    // One public-key read per scope, however many secrets it gets.
    const keyReads = world.github.requests.filter(r => r.route === 'get-public-key')
    expect(keyReads).toHaveLength(4)
  })

  it('a new org secret takes its partner’s selection, else org-secret-visibility', async () => {
    world = await startWorld({ orgs: ['acme'], propagationDelayMs: 300 })
    world.github.addRepo('acme/web')
    const selected: OrgAccess = {
      visibility: 'selected',
      selectedRepositoryIds: [world.github.repoId('acme/web')]
    }
    world.github.setScopeSecret(
      { kind: 'org-actions', org: 'acme' },
      ID_SECRET,
      world.stored().accessKeyId,
      selected
    )
    const result = await world.run(
      { targets: 'acme/app\norg:acme\ndependabot-org:acme', 'org-secret-visibility': 'all' },
      withNode
    )
    expect(result.code).toBe(0)
    expect(
      world.github.scopeSecret({ kind: 'org-actions', org: 'acme' }, KEY_SECRET)?.access
    ).toEqual(selected)
    expect(
      world.github.scopeSecret({ kind: 'org-dependabot', org: 'acme' }, KEY_SECRET)?.access
        ?.visibility
    ).toBe('all')
  })

  it.each([
    ['env:acme/app/production', 'environments', /"Environments: read and write"/],
    ['dependabot:acme/app', 'dependabot_secrets', /"Dependabot secrets: read and write"/],
    ['org:acme', 'organization_secrets', /organization permission "Secrets: read and write"/],
    [
      'dependabot-org:acme',
      'organization_dependabot_secrets',
      /"Organization dependabot secrets: read and write"/
    ],
    [
      'codespaces:acme/app',
      'codespaces_secrets',
      /repository permission "Codespaces secrets: read/
    ],
    [
      'codespaces-org:acme',
      'organization_codespaces_secrets',
      /organization permission "Organization codespaces secrets: read and write"/
    ]
  ] as const)(
    '%s without the %s permission: preflight names it, nothing changes',
    async (target, missing, message) => {
      world = await startWorld({ orgs: ['acme'], propagationDelayMs: 300 })
      world.github.addEnvironment('acme/app', 'production')
      const permissions = { ...SECRET_WRITE_PERMISSIONS, [missing]: 'none' } as const
      world.github.addToken('github_pat_narrow', {
        repos: '*',
        secrets: 'write',
        actions: 'read',
        permissions
      })
      const result = await world.run(
        { targets: `acme/app\n${target}`, 'github-token': 'github_pat_narrow' },
        withNode
      )
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(/::error::Preflight failed, so nothing was changed/)
      expect(result.stdout).toMatch(message)
      expect(created()).toBe(0)
    }
  )

  it('writes Codespaces secrets of a repository and of the organization, keeping the selection', async () => {
    world = await startWorld({ orgs: ['acme'], propagationDelayMs: 300 })
    world.github.addRepo('acme/web')
    const selected: OrgAccess = {
      visibility: 'selected',
      selectedRepositoryIds: [world.github.repoId('acme/web'), world.github.repoId('acme/app')]
    }
    seed({ kind: 'org-codespaces', org: 'acme' }, selected)
    const result = await world.run(
      { targets: 'acme/app\ncodespaces:acme/app\ncodespaces-org:acme' },
      withNode
    )
    expect(result.code).toBe(0)
    const key = activeKey()
    expect(held({ kind: 'codespaces', repo: 'acme/app' })).toEqual(key)
    expect(held({ kind: 'org-codespaces', org: 'acme' })).toEqual(key)
    for (const name of [ID_SECRET, KEY_SECRET]) {
      expect(
        world.github.scopeSecret({ kind: 'org-codespaces', org: 'acme' }, name)?.access
      ).toEqual(selected)
    }
    // Codespaces secrets are not the Actions secrets of the same repository.
    expect(world.github.requests.some(r => r.scope === 'codespaces')).toBe(true)
  })

  it('GitHub Enterprise Server: the API base path comes from GITHUB_API_URL', async () => {
    world = await startWorld({ basePath: '/api/v3', orgs: ['acme'], propagationDelayMs: 300 })
    world.github.addEnvironment('acme/app', 'production')
    const result = await world.run(
      { targets: 'acme/app\nenv:acme/app/production\norg:acme' },
      withNode
    )
    expect(result.code).toBe(0)
    expect(world.github.url).toMatch(/\/api\/v3$/)
    expect(world.github.requests.length).toBeGreaterThan(0)
    expect(world.github.requests.every(r => r.path.startsWith('/api/v3/'))).toBe(true)
    expect(held({ kind: 'org-actions', org: 'acme' })).toEqual(activeKey())
  })

  it('github-api-url points the writes elsewhere than GITHUB_API_URL', async () => {
    world = await startWorld({ basePath: '/api/v3', propagationDelayMs: 300 })
    const result = await world.run(
      { 'github-api-url': world.github.url },
      {
        ...withNode,
        githubUrl: 'http://127.0.0.1:9/unreachable'
      }
    )
    expect(result.code).toBe(0)
    expect(result.outputs.rotated).toBe('true')
    expect(held({ kind: 'actions', repo: 'acme/app' })).toEqual(activeKey())
  })

  it('honours NO_PROXY for github-api-url, not only for GITHUB_API_URL', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    // GITHUB_API_URL's host goes through a proxy that answers nothing; github-api-url's host is
    // in NO_PROXY (loopback), so its requests must go direct.
    const result = await world.run(
      { 'github-api-url': world.github.url },
      {
        ...withNode,
        // Not loopback: @actions/http-client would bypass a proxy for that on its own.
        githubUrl: 'https://ghes.invalid/api/v3',
        extraEnv: {
          HTTPS_PROXY: 'http://127.0.0.1:9',
          HTTP_PROXY: 'http://127.0.0.1:9',
          NO_PROXY: '127.0.0.1'
        }
      }
    )
    expect(result.stdout).not.toMatch(/::error::/)
    expect(result.code).toBe(0)
    expect(held({ kind: 'actions', repo: 'acme/app' })).toEqual(activeKey())
  })

  it('writes the workflow’s own scopes last, after every other target', async () => {
    world = await startWorld({
      repos: ['acme/app', 'acme/api'],
      orgs: ['acme'],
      propagationDelayMs: 300
    })
    world.github.addEnvironment('acme/app', 'production')
    const result = await world.run(
      {
        targets: 'acme/app\nenv:acme/app/production\norg:acme\nacme/api\ndependabot:acme/app',
        'github-token': TOKEN
      },
      withNode
    )
    expect(result.code).toBe(0)
    const puts = world.github.requests.filter(r => r.route === 'put-secret')
    const lastOther = Math.max(
      ...puts.filter(r => r.repo === 'acme/api' || r.scope === 'dependabot').map(r => r.at)
    )
    const firstOwn = Math.min(
      ...puts
        .filter(
          r => r.scope === 'org-actions' || (r.repo === 'acme/app' && r.scope !== 'dependabot')
        )
        .map(r => r.at)
    )
    expect(firstOwn).toBeGreaterThanOrEqual(lastOther)
  })
})
