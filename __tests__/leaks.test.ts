/** The leak check: where it looks, what it matches, and what it says when it cannot look. */
import type { AlertListing, AlertPlace, AlertsApi, ScanningAlert } from '../src/leaks/alerts-api.js'
import { alertPlaces, matchLeaks, resolutionComment, scanForLeaks } from '../src/leaks/scan.js'

const KEY = 'AKIAEXAMPLEKEY000001'
const OTHER = 'AKIAEXAMPLEKEY000002'
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'

const alert = (
  number: number,
  secret: string,
  secretType = 'aws_access_key_id',
  repository = 'acme/app'
): ScanningAlert => ({
  number,
  repository,
  htmlUrl: `https://github.example/${repository}/security/secret-scanning/${number}`,
  secretType,
  secret
})

/** Answers each place from a table; records the places asked, in order. */
function fakeApi(answers: Record<string, AlertListing>): AlertsApi & { asked: string[] } {
  const asked: string[] = []
  return {
    asked,
    listOpenAwsAlerts: async (place: AlertPlace) => {
      const name = 'org' in place ? `org:${place.org}` : place.repository
      asked.push(name)
      return answers[name] ?? { kind: 'alerts', alerts: [] }
    },
    resolveRevoked: async () => 'resolved'
  }
}

describe('leak check', () => {
  it('looks in every organization and repository the targets write to, and its own, once each', () => {
    expect(
      alertPlaces(
        [
          { kind: 'repository', owner: 'Acme', repo: 'App' },
          { kind: 'environment', owner: 'acme', repo: 'app', environment: 'prod' },
          { kind: 'organization', org: 'Acme' },
          { kind: 'dependabot-org', org: 'acme' },
          { kind: 'codespaces', owner: 'other', repo: 'tool' }
        ],
        'acme/rotation'
      )
    ).toEqual({ orgs: ['acme'], repositories: ['acme/app', 'other/tool', 'acme/rotation'] })
  })

  it('tries one organization list for an owner of three or more repositories, not of two', () => {
    const repos = (owner: string, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        kind: 'repository' as const,
        owner,
        repo: `r${i}`
      }))
    expect(alertPlaces([...repos('Acme', 2), ...repos('solo', 2)], 'acme/rotation').owners).toEqual(
      ['acme']
    )
    expect(alertPlaces(repos('acme', 2), undefined).owners).toBeUndefined()
    // An organization the targets write to is read anyway: no second try.
    expect(
      alertPlaces([...repos('acme', 3), { kind: 'organization', org: 'acme' }], undefined).owners
    ).toBeUndefined()
  })

  it("an owner's list that answers covers its repositories; one that does not falls back without a word", async () => {
    const repositories = ['acme/a', 'acme/b', 'acme/c', 'user/x', 'user/y', 'user/z']
    const answered = fakeApi({
      'org:acme': { kind: 'alerts', alerts: [alert(1, KEY, undefined, 'acme/b')] }
    })
    const found = await scanForLeaks(
      answered,
      { orgs: [], owners: ['acme'], repositories },
      [KEY],
      new Map()
    )
    expect(answered.asked).toEqual(['org:acme', 'user/x', 'user/y', 'user/z'])
    expect(found.leaks.map(leak => leak.keyId)).toEqual([KEY])
    for (const refusal of [
      { kind: 'off' },
      { kind: 'forbidden' },
      { kind: 'failed', status: 502, message: 'bad gateway' }
    ] as const) {
      const api = fakeApi({ 'org:user': refusal })
      const scan = await scanForLeaks(
        api,
        { orgs: [], owners: ['user'], repositories },
        [KEY],
        new Map()
      )
      expect(api.asked).toEqual(['org:user', ...repositories])
      expect(scan.notices).toEqual([])
    }
  })

  it("skips a repository whose organization's list was read", async () => {
    const api = fakeApi({})
    await scanForLeaks(
      api,
      { orgs: ['acme'], repositories: ['acme/app', 'other/tool'] },
      [KEY],
      new Map()
    )
    expect(api.asked).toEqual(['org:acme', 'other/tool'])
  })

  it("reads the repositories when the organization's list is refused as off", async () => {
    const api = fakeApi({ 'org:acme': { kind: 'off' } })
    const scan = await scanForLeaks(
      api,
      { orgs: ['acme'], repositories: ['acme/app'] },
      [KEY],
      new Map()
    )
    expect(api.asked).toEqual(['org:acme', 'acme/app'])
    expect(scan.notices).toEqual([
      expect.stringMatching(
        /^Leak check: secret scanning is off or not available for organization acme\. /
      )
    ])
  })

  it('a 403 stops the check with one notice naming the permission', async () => {
    const api = fakeApi({ 'acme/app': { kind: 'forbidden' } })
    const scan = await scanForLeaks(
      api,
      { orgs: [], repositories: ['acme/app', 'acme/api'] },
      [KEY],
      new Map()
    )
    expect(api.asked).toEqual(['acme/app'])
    expect(scan.notices).toHaveLength(1)
    expect(scan.notices[0]).toMatch(
      /"Secret scanning alerts" \(read; read and write to resolve alerts\)/
    )
  })

  it("an organization's 403: its repositories are read one by one, with a notice", async () => {
    const api = fakeApi({
      'org:acme': { kind: 'forbidden' },
      'acme/app': { kind: 'alerts', alerts: [alert(1, KEY)] }
    })
    const scan = await scanForLeaks(
      api,
      { orgs: ['acme'], repositories: ['acme/app'] },
      [KEY],
      new Map()
    )
    expect(api.asked).toEqual(['org:acme', 'acme/app'])
    expect(scan.leaks.map(leak => leak.keyId)).toEqual([KEY])
    expect(scan.notices).toEqual([
      'Leak check: the token may not read the secret scanning alerts of organization acme (that list needs "Secret scanning alerts: read" and an organization owner or security manager); only the target repositories were checked.'
    ])
  })

  it('keeps what it found before a 403', async () => {
    const api = fakeApi({
      'acme/app': { kind: 'alerts', alerts: [alert(1, KEY)] },
      'acme/api': { kind: 'forbidden' }
    })
    const scan = await scanForLeaks(
      api,
      { orgs: [], repositories: ['acme/app', 'acme/api'] },
      [KEY],
      new Map()
    )
    expect(scan.leaks.map(leak => leak.keyId)).toEqual([KEY])
  })

  it('lists at most five places that are off, and counts the rest', async () => {
    const repositories = ['a/1', 'a/2', 'a/3', 'a/4', 'a/5', 'a/6', 'a/7']
    const api = fakeApi(Object.fromEntries(repositories.map(r => [r, { kind: 'off' } as const])))
    const scan = await scanForLeaks(api, { orgs: [], repositories }, [KEY], new Map())
    expect(scan.notices[0]).toMatch(/for a\/1, a\/2, a\/3, a\/4, a\/5 and 2 more\. /)
  })

  it('says which places it could not read for another reason', async () => {
    const api = fakeApi({ 'acme/app': { kind: 'failed', status: 503, message: 'x' } })
    const scan = await scanForLeaks(api, { orgs: [], repositories: ['acme/app'] }, [KEY], new Map())
    expect(scan.notices).toEqual([
      'Leak check: could not read secret scanning alerts of acme/app (503).'
    ])
  })

  it('matches a key id alert by the id, a secret alert by the signing secret, and nothing else', () => {
    const found = matchLeaks(
      [
        alert(1, KEY),
        alert(2, SECRET, 'aws_secret_access_key'),
        alert(3, `${OTHER}:${SECRET}`),
        alert(4, 'AKIASOMEONEELSE00001'),
        alert(5, 'x'.repeat(40), 'aws_secret_access_key')
      ],
      [KEY, OTHER],
      new Map([[SECRET, KEY]])
    )
    expect(found.leaks).toEqual([
      {
        keyId: KEY,
        alerts: [expect.objectContaining({ number: 1 }), expect.objectContaining({ number: 2 })]
      },
      { keyId: OTHER, alerts: [expect.objectContaining({ number: 3 })] }
    ])
    expect(found.unmatched.map(ref => ref.number)).toEqual([4, 5])
    // No value travels on: the plan and the report hold references only.
    expect(JSON.stringify(found)).not.toContain(SECRET)
  })

  it('counts an alert seen in the organization list and the repository list once', () => {
    const found = matchLeaks(
      [alert(1, KEY), alert(1, KEY, 'aws_access_key_id', 'ACME/app')],
      [KEY],
      new Map()
    )
    expect(found.leaks[0]?.alerts).toHaveLength(1)
  })

  it('the notices, word for word', async () => {
    const forbidden = await scanForLeaks(
      fakeApi({ 'acme/app': { kind: 'forbidden' } }),
      { orgs: [], repositories: ['acme/app'] },
      [KEY],
      new Map()
    )
    expect(forbidden.notices).toEqual([
      'Leak check skipped: the token may not read secret scanning alerts. Grant it the repository permission "Secret scanning alerts" (read; read and write to resolve alerts), or set leak-response: off.'
    ])
    const off = await scanForLeaks(
      fakeApi({ 'acme/app': { kind: 'off' } }),
      { orgs: [], repositories: ['acme/app'] },
      [KEY],
      new Map()
    )
    expect(off.notices).toEqual([
      "Leak check: secret scanning is off or not available for acme/app. Turn it on under Settings, Advanced Security (free for public repositories; private ones need GitHub's Secret Protection), or set leak-response: off."
    ])
  })

  it('lists exactly five places that are off without a count; says when GitHub gave no status', async () => {
    const repositories = ['a/1', 'a/2', 'a/3', 'a/4', 'a/5']
    const api = fakeApi(Object.fromEntries(repositories.map(r => [r, { kind: 'off' } as const])))
    const scan = await scanForLeaks(api, { orgs: [], repositories }, [KEY], new Map())
    expect(scan.notices[0]).toMatch(/for a\/1, a\/2, a\/3, a\/4, a\/5\. Turn/)
    const silent = await scanForLeaks(
      fakeApi({ x: { kind: 'failed', status: undefined, message: 'reset' } }),
      { orgs: [], repositories: ['x'] },
      [KEY],
      new Map()
    )
    expect(silent.notices).toEqual([
      'Leak check: could not read secret scanning alerts of x (no answer).'
    ])
  })

  it('without a repository of its own it looks only where the targets are', () => {
    expect(alertPlaces([{ kind: 'repository', owner: 'acme', repo: 'app' }], undefined)).toEqual({
      orgs: [],
      repositories: ['acme/app']
    })
  })

  it('a secret alert matches with surrounding whitespace, and a secret of another length does not', () => {
    const found = matchLeaks(
      [
        alert(1, `${SECRET}\n`, 'aws_secret_access_key'),
        alert(2, `${SECRET}x`, 'aws_secret_access_key')
      ],
      [KEY],
      new Map([[SECRET, KEY]])
    )
    expect(found.leaks).toEqual([{ keyId: KEY, alerts: [expect.objectContaining({ number: 1 })] }])
    expect(found.unmatched.map(ref => ref.number)).toEqual([2])
  })

  it("the resolution comment names the run and the key's short form, never the id", () => {
    const comment = resolutionComment('AKIA…0001', {
      repository: 'acme/app',
      runId: '77',
      attempt: '2'
    })
    expect(comment).toBe(
      'rotate-aws-access-keys deactivated access key AKIA…0001 (run 77 attempt 2 of acme/app); it can no longer sign requests.'
    )
    expect(
      resolutionComment('k', { repository: 'r'.repeat(400), runId: '1', attempt: '1' })
    ).toHaveLength(280)
  })
})
