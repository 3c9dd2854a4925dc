/**
 * The GitHub emulator's secret scanning alerts, driven over real HTTP as the action sends its
 * requests (API version header included), and every exchange held to GitHub's OpenAPI
 * description: the error answers too.
 */
import { INSTANT, startGitHubEmulator } from './emulators/github.js'
import type { GitHubEmulator, TokenGrant } from './emulators/github.js'
import { API_VERSION, validateExchange } from './emulators/openapi.js'
import { MAX_RESOLUTION_COMMENT } from './emulators/secret-scanning.js'

const ORG = 'octo-org'
const REPO = `${ORG}/deploy`
const OTHER = `${ORG}/other`
const ELSEWHERE = 'someone/elsewhere'
const WRITER = 'ghp_alerts_writer'
const READER = 'ghp_alerts_reader'
const SECRETS_ONLY = 'ghp_secrets_only'
const WORKFLOW = 'ghs_workflow_token'
const HEADERS = { 'x-github-api-version': API_VERSION, 'content-type': 'application/json' }
const MINUTE = 60_000
const T0 = Date.parse('2026-11-01T10:00:00Z')

/** AWS-shaped values: they must reach answers, never the request records. */
const KEY_IDS = ['AKIAEXAMPLE000000001', 'AKIAEXAMPLE000000002', 'AKIAEXAMPLE000000003']
const SECRET_KEYS = [
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY1',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY2'
]

interface Answer {
  status: number
  body: unknown
  headers: Headers
}

interface AlertBody {
  number: number
  state: string
  resolution: string | null
  resolution_comment: string | null
  resolved_at: string | null
  resolved_by: { login: string } | null
  updated_at: string
  created_at: string
  secret_type: string
  secret_type_display_name: string
  secret?: string
  html_url: string
  url: string
  repository?: { full_name: string }
}

let emulator: GitHubEmulator
/**
 * What openapiProblems() must say when the test ends: nothing, unless the test sends requests
 * GitHub's description refuses on purpose; then those requests, and never a response.
 */
let expectedProblems: string[]
const PATCH_OP = 'PATCH /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}'

async function call(
  target: GitHubEmulator,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {}
): Promise<Answer> {
  const init: RequestInit = {
    method,
    headers: { ...HEADERS, authorization: `token ${options.token ?? WRITER}` }
  }
  if (options.body !== undefined) init.body = JSON.stringify(options.body)
  const response = await fetch(`${target.url}${path}`, init)
  const text = await response.text()
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as unknown) : undefined,
    headers: response.headers
  }
}

const alerts = (answer: Answer): AlertBody[] => answer.body as AlertBody[]
const numbers = (answer: Answer): number[] => alerts(answer).map(alert => alert.number)
const message = (answer: Answer): string => (answer.body as { message: string }).message
const list = (query = '', repo = REPO) => `/repos/${repo}/secret-scanning/alerts${query}`
const alertPath = (number: number | string, repo = REPO) =>
  `/repos/${repo}/secret-scanning/alerts/${number}`

/** The URLs of a Link header by rel. */
function links(answer: Answer): Record<string, string> {
  const header = answer.headers.get('link') ?? ''
  return Object.fromEntries(
    [...header.matchAll(/<([^>]+)>; rel="([a-z]+)"/g)].map(([, url = '', rel = '']) => [rel, url])
  )
}

/** A path with query from an absolute Link URL, relative to the emulator's base URL. */
function relative(target: GitHubEmulator, absolute: string): string {
  const url = new URL(absolute)
  return `${url.pathname.slice(new URL(target.url).pathname.replace(/\/$/, '').length)}${url.search}`
}

function world(target: GitHubEmulator): void {
  target.addOrg(ORG)
  target.addRepo(REPO)
  target.addRepo(OTHER)
  target.addRepo(ELSEWHERE)
  const all: TokenGrant = {
    repos: '*',
    secrets: 'write',
    permissions: { secret_scanning_alerts: 'write' }
  }
  target.addToken(WRITER, all)
  target.addToken(READER, { ...all, permissions: { secret_scanning_alerts: 'read' } })
  target.addToken(SECRETS_ONLY, { repos: '*', secrets: 'write' })
  target.addToken(WORKFLOW, {
    repos: [REPO],
    secrets: 'none',
    kind: 'github-token',
    permissions: { secret_scanning_alerts: 'write' }
  })
}

/** Five alerts in REPO, one a minute: numbers 1 to 5, 5 the newest; 2 and 4 are secret keys. */
function fiveAlerts(target: GitHubEmulator): void {
  for (let i = 0; i < 5; i++) {
    const secretKey = i % 2 === 1
    target.addSecretScanningAlert(REPO, {
      secretType: secretKey ? 'aws_secret_access_key' : 'aws_access_key_id',
      secret: secretKey ? (SECRET_KEYS[(i - 1) / 2] ?? '') : (KEY_IDS[i / 2] ?? ''),
      createdAt: new Date(T0 + i * MINUTE)
    })
  }
}

beforeEach(async () => {
  emulator = await startGitHubEmulator({ latencyMs: INSTANT })
  world(emulator)
  expectedProblems = []
})

afterEach(async () => {
  // Every exchange, refusals included, is one GitHub could have had.
  const problems = emulator.openapiProblems()
  // Nothing recorded may hold an alert's secret.
  const recorded = JSON.stringify(emulator.requests)
  await emulator.close()
  expect(problems).toEqual(expectedProblems)
  for (const value of [...KEY_IDS, ...SECRET_KEYS]) expect(recorded).not.toContain(value)
})

describe('listing alerts', () => {
  test('an array, newest first, paged by a Link header that keeps the filters', async () => {
    fiveAlerts(emulator)
    const first = await call(emulator, 'GET', list('?state=open&per_page=2'))
    expect(first.status).toBe(200)
    expect(Array.isArray(first.body)).toBe(true)
    expect(numbers(first)).toEqual([5, 4])
    const firstLinks = links(first)
    expect(Object.keys(firstLinks).sort()).toEqual(['last', 'next'])
    expect(firstLinks.next).toContain('state=open')
    expect(firstLinks.last).toMatch(/per_page=2&page=3$/)

    const second = await call(emulator, 'GET', relative(emulator, firstLinks.next ?? ''))
    expect(numbers(second)).toEqual([3, 2])
    expect(Object.keys(links(second)).sort()).toEqual(['first', 'last', 'next', 'prev'])
    expect(links(second).prev).toMatch(/state=open&per_page=2&page=1$/)

    const last = await call(emulator, 'GET', relative(emulator, links(second).next ?? ''))
    expect(numbers(last)).toEqual([1])
    expect(Object.keys(links(last)).sort()).toEqual(['first', 'prev'])

    // One page: no Link header at all; per_page is capped at 100.
    const whole = await call(emulator, 'GET', list('?per_page=1000'))
    expect(numbers(whole)).toEqual([5, 4, 3, 2, 1])
    expect(whole.headers.get('link')).toBeNull()
  })

  test('an alert as GitHub shows it: URLs, display names, the secret unless hidden', async () => {
    fiveAlerts(emulator)
    const [newest] = alerts(await call(emulator, 'GET', list('?per_page=1')))
    const host = new URL(emulator.url).host
    expect(newest).toMatchObject({
      number: 5,
      state: 'open',
      resolution: null,
      resolved_at: null,
      resolved_by: null,
      secret_type: 'aws_access_key_id',
      secret_type_display_name: 'Amazon AWS Access Key ID',
      secret: KEY_IDS[2],
      validity: 'unknown',
      publicly_leaked: false,
      multi_repo: false,
      is_base64_encoded: false,
      push_protection_bypassed: false,
      created_at: '2026-11-01T10:04:00Z',
      html_url: `http://${host}/${REPO}/security/secret-scanning/5`,
      url: `${emulator.url}/repos/${REPO}/secret-scanning/alerts/5`,
      locations_url: `${emulator.url}/repos/${REPO}/secret-scanning/alerts/5/locations`
    })
    expect(newest).not.toHaveProperty('repository')
    const hidden = alerts(await call(emulator, 'GET', list('?hide_secret=true')))
    expect(hidden).toHaveLength(5)
    for (const alert of hidden) expect(alert).not.toHaveProperty('secret')
    const shown = alerts(await call(emulator, 'GET', list('?hide_secret=false')))
    expect(shown.map(alert => alert.secret)).toEqual([
      KEY_IDS[2],
      SECRET_KEYS[1],
      KEY_IDS[1],
      SECRET_KEYS[0],
      KEY_IDS[0]
    ])
    expect(shown[1]?.secret_type_display_name).toBe('Amazon AWS Secret Access Key')
  })

  test('state and secret_type (a comma-separated list) filter', async () => {
    fiveAlerts(emulator)
    emulator.addSecretScanningAlert(REPO, {
      secretType: 'github_personal_access_token',
      secret: 'ghp_notanawskey',
      state: 'resolved',
      resolution: 'revoked',
      createdAt: new Date(T0 + 10 * MINUTE)
    })
    expect(numbers(await call(emulator, 'GET', list('?state=open')))).toEqual([5, 4, 3, 2, 1])
    expect(numbers(await call(emulator, 'GET', list('?state=resolved')))).toEqual([6])
    expect(numbers(await call(emulator, 'GET', list()))).toEqual([6, 5, 4, 3, 2, 1])
    const keyIds = await call(emulator, 'GET', list('?secret_type=aws_access_key_id'))
    expect(numbers(keyIds)).toEqual([5, 3, 1])
    const both = await call(
      emulator,
      'GET',
      list('?state=open&secret_type=aws_access_key_id,aws_secret_access_key')
    )
    expect(numbers(both)).toEqual([5, 4, 3, 2, 1])
    const other = alerts(
      await call(emulator, 'GET', list('?secret_type=github_personal_access_token'))
    )
    expect(other.map(alert => [alert.number, alert.secret_type_display_name])).toEqual([
      [6, 'github_personal_access_token']
    ])
    expect(numbers(await call(emulator, 'GET', list('?secret_type=slack_api_token')))).toEqual([])
    const badState = await call(emulator, 'GET', list('?state=closed'))
    expect(badState.status).toBe(422)
    expectedProblems = [
      'GET /repos/{owner}/{repo}/secret-scanning/alerts: query parameter "state"="closed": must be equal to one of the allowed values ("open", "resolved")'
    ]
  })

  test("secret scanning off (a new repository, or turned off): 404 with GitHub's message", async () => {
    const off = await call(emulator, 'GET', list())
    expect(off.status).toBe(404)
    expect(message(off)).toBe('Secret scanning is disabled on this repository.')
    emulator.setSecretScanning(REPO, true)
    const empty = await call(emulator, 'GET', list())
    expect([empty.status, empty.body]).toEqual([200, []])
    fiveAlerts(emulator)
    emulator.setSecretScanning(REPO, false)
    const again = await call(emulator, 'GET', list())
    expect(again.status).toBe(404)
    const patch = await call(emulator, 'PATCH', alertPath(1), {
      body: { state: 'resolved', resolution: 'revoked' }
    })
    expect([patch.status, message(patch)]).toEqual([
      404,
      'Secret scanning is disabled on this repository.'
    ])
    const org = await call(emulator, 'GET', `/orgs/${ORG}/secret-scanning/alerts`)
    expect([org.status, message(org)]).toEqual([
      404,
      'Secret scanning is disabled on this organization.'
    ])
  })

  test('permissions: read lists, none is refused with the permission named, unseen is 404', async () => {
    fiveAlerts(emulator)
    expect((await call(emulator, 'GET', list(), { token: READER })).status).toBe(200)
    for (const token of [SECRETS_ONLY, WORKFLOW]) {
      const refused = await call(emulator, 'GET', list(), { token })
      expect(refused.status).toBe(403)
      expect(message(refused)).toMatch(/^Resource not accessible by /)
      expect(refused.headers.get('x-accepted-github-permissions')).toBe(
        'secret_scanning_alerts=read'
      )
    }
    const org = await call(emulator, 'GET', `/orgs/${ORG}/secret-scanning/alerts`, {
      token: SECRETS_ONLY
    })
    expect(org.status).toBe(403)
    emulator.addToken('ghp_other_repo', {
      repos: [OTHER],
      orgs: [],
      secrets: 'none',
      permissions: { secret_scanning_alerts: 'write' }
    })
    const unseen = await call(emulator, 'GET', list(), { token: 'ghp_other_repo' })
    expect([unseen.status, message(unseen)]).toEqual([404, 'Not Found'])
    const unseenOrg = await call(emulator, 'GET', `/orgs/${ORG}/secret-scanning/alerts`, {
      token: 'ghp_other_repo'
    })
    expect(unseenOrg.status).toBe(404)
  })
})

describe('resolving an alert', () => {
  const resolve = { state: 'resolved', resolution: 'revoked', resolution_comment: 'Rotated.' }

  test('resolved as revoked: the answer, the state, and the open list without it', async () => {
    fiveAlerts(emulator)
    const answer = await call(emulator, 'PATCH', alertPath(3), { body: resolve })
    expect(answer.status).toBe(200)
    const alert = answer.body as AlertBody
    expect(alert).toMatchObject({
      number: 3,
      state: 'resolved',
      resolution: 'revoked',
      resolution_comment: 'Rotated.',
      resolved_by: { login: 'rotation-bot', type: 'User' },
      secret: KEY_IDS[1]
    })
    expect(Date.parse(alert.resolved_at ?? '')).toBeGreaterThan(T0 + 10 * MINUTE)
    expect(alert.updated_at).not.toBe(alert.created_at)
    expect(emulator.secretScanningAlert(REPO, 3)).toEqual({
      state: 'resolved',
      resolution: 'revoked',
      resolutionComment: 'Rotated.',
      resolvedBy: 'rotation-bot'
    })
    expect(emulator.secretScanningAlert(REPO, 9)).toBeUndefined()
    expect(numbers(await call(emulator, 'GET', list('?state=open')))).toEqual([5, 4, 2, 1])
    expect(numbers(await call(emulator, 'GET', list('?state=resolved')))).toEqual([3])

    const again = await call(emulator, 'PATCH', alertPath(3), { body: resolve })
    expect(again.status).toBe(400)
    expect(message(again)).toMatch(/the resolution was not changed/)
    // Another resolution is a change; reopening clears the resolution and its author.
    const other = { state: 'resolved', resolution: 'used_in_tests' }
    expect((await call(emulator, 'PATCH', alertPath(3), { body: other })).status).toBe(200)
    const reopened = await call(emulator, 'PATCH', alertPath(3), { body: { state: 'open' } })
    expect(reopened.status).toBe(200)
    expect(reopened.body).toMatchObject({ state: 'open', resolution: null, resolved_by: null })
    expect(emulator.secretScanningAlert(REPO, 3)?.resolvedBy).toBeNull()
  })

  /** Sends each body to alert 1 and checks the status and message of the refusal. */
  async function refusals(cases: Array<[unknown, number, RegExp]>): Promise<void> {
    for (const [body, status, pattern] of cases) {
      const answer = await call(emulator, 'PATCH', alertPath(1), { body })
      expect([JSON.stringify(body), answer.status]).toEqual([JSON.stringify(body), status])
      expect(message(answer)).toMatch(pattern)
    }
    expect(emulator.secretScanningAlert(REPO, 1)?.state).toBe('open')
  }

  test('refusals of bodies the schema allows: no resolution, one on reopening, a long comment', async () => {
    fiveAlerts(emulator)
    await refusals([
      [{ state: 'resolved' }, 422, /^State does not match the resolution/],
      [{ state: 'resolved', resolution: null }, 422, /^State does not match the resolution/],
      [{ state: 'open', resolution: 'revoked' }, 422, /^State does not match the resolution/],
      [{ assignee: 'octocat', resolution: 'revoked' }, 422, /^State does not match/],
      [
        { state: 'resolved', resolution: 'revoked', resolution_comment: 'x'.repeat(281) },
        400,
        /^Resolution comment is invalid/
      ]
    ])
    const longest = 'x'.repeat(MAX_RESOLUTION_COMMENT)
    const atLimit = await call(emulator, 'PATCH', alertPath(1), {
      body: { state: 'resolved', resolution: 'wont_fix', resolution_comment: longest }
    })
    expect(atLimit.status).toBe(200)
    const missing = await call(emulator, 'PATCH', alertPath(99), { body: resolve })
    expect([missing.status, message(missing)]).toEqual([404, 'Not Found'])
  })

  test('refusals of bodies the schema refuses: 422 (400 not JSON), each request named', async () => {
    fiveAlerts(emulator)
    await refusals([
      [{ state: 'closed' }, 422, /is not a member of \["open", "resolved"\]/],
      [{ state: 'resolved', resolution: 'fixed' }, 422, /is not null or a member of/],
      [
        { state: 'resolved', resolution: 'revoked', note: 'x' },
        422,
        /"note" is not a permitted key/
      ],
      [{}, 422, /No subschema in "anyOf" matched/]
    ])
    const notNumber = await call(emulator, 'PATCH', alertPath('abc'), { body: resolve })
    expect([notNumber.status, message(notNumber)]).toEqual([404, 'Not Found'])
    const notJson = await fetch(`${emulator.url}${alertPath(2)}`, {
      method: 'PATCH',
      headers: { ...HEADERS, authorization: `token ${WRITER}` },
      body: '{'
    })
    expect(notJson.status).toBe(400)
    // The requests are named; no response is (the refusals are GitHub's error bodies).
    expectedProblems = [
      `${PATCH_OP}: request body/state: must be equal to one of the allowed values ("open", "resolved")`,
      `${PATCH_OP}: request body/resolution: must be equal to one of the allowed values ("false_positive", "wont_fix", "revoked", "used_in_tests")`,
      `${PATCH_OP}: request body/resolution: must be null`,
      `${PATCH_OP}: request body/resolution: must match a schema in anyOf`,
      `${PATCH_OP}: request body: must have required properties 'state', 'assignee', 'validity'`,
      `${PATCH_OP}: request body: must match a schema in anyOf`,
      `${PATCH_OP}: path parameter "alert_number"="abc": must be integer`,
      `${PATCH_OP}: request body: must be object`
    ]
  })

  test('a read-only token, or none, is refused with the write permission named', async () => {
    fiveAlerts(emulator)
    for (const token of [READER, SECRETS_ONLY, WORKFLOW]) {
      const refused = await call(emulator, 'PATCH', alertPath(1), { token, body: resolve })
      expect(refused.status).toBe(403)
      expect(message(refused)).toMatch(/^Resource not accessible by /)
      expect(refused.headers.get('x-accepted-github-permissions')).toBe(
        'secret_scanning_alerts=write'
      )
    }
    expect(emulator.secretScanningAlert(REPO, 1)?.state).toBe('open')
  })
})

describe('the organization list', () => {
  test('covers every scanned repository of the organization, each alert with its repository', async () => {
    const at = (minutes: number) => new Date(T0 + minutes * MINUTE)
    emulator.addSecretScanningAlert(REPO, {
      secretType: 'aws_access_key_id',
      secret: KEY_IDS[0] ?? '',
      createdAt: at(1)
    })
    emulator.addSecretScanningAlert(OTHER, {
      secretType: 'aws_secret_access_key',
      secret: SECRET_KEYS[0] ?? '',
      createdAt: at(2)
    })
    emulator.addSecretScanningAlert(REPO, {
      secretType: 'aws_access_key_id',
      secret: KEY_IDS[1] ?? '',
      createdAt: at(3),
      state: 'resolved',
      resolution: 'false_positive'
    })
    // Another owner's repository is not the organization's.
    emulator.addSecretScanningAlert(ELSEWHERE, {
      secretType: 'aws_access_key_id',
      secret: KEY_IDS[2] ?? '',
      createdAt: at(4)
    })
    const path = `/orgs/${ORG}/secret-scanning/alerts`
    const all = alerts(await call(emulator, 'GET', path))
    expect(all.map(alert => [alert.repository?.full_name, alert.number, alert.state])).toEqual([
      [REPO, 2, 'resolved'],
      [OTHER, 1, 'open'],
      [REPO, 1, 'open']
    ])
    expect(all[0]?.repository).toMatchObject({ id: emulator.repoId(REPO), private: true })
    expect(all[0]?.url).toBe(`${emulator.url}/repos/${REPO}/secret-scanning/alerts/2`)

    const open = await call(emulator, 'GET', `${path}?state=open&per_page=1&hide_secret=true`)
    expect(alerts(open).map(alert => alert.repository?.full_name)).toEqual([OTHER])
    expect(alerts(open)[0]).not.toHaveProperty('secret')
    expect(links(open).next).toMatch(/state=open&per_page=1&hide_secret=true&page=2$/)
    const next = await call(emulator, 'GET', relative(emulator, links(open).next ?? ''))
    expect(alerts(next).map(alert => alert.repository?.full_name)).toEqual([REPO])

    // A token limited to one repository sees that one's alerts.
    emulator.addToken('ghp_one_repo', {
      repos: [OTHER],
      secrets: 'none',
      permissions: { secret_scanning_alerts: 'read' }
    })
    const one = await call(emulator, 'GET', path, { token: 'ghp_one_repo' })
    expect(alerts(one).map(alert => alert.repository?.full_name)).toEqual([OTHER])

    // Scanning turned off in every repository: the organization's 404.
    emulator.setSecretScanning(REPO, false)
    emulator.setSecretScanning(OTHER, false)
    expect((await call(emulator, 'GET', path)).status).toBe(404)
  })
})

describe('GitHub Enterprise Server', () => {
  test('under a base path the routes answer as GHES 3.19 describes them', async () => {
    const ghes = await startGitHubEmulator({ latencyMs: INSTANT, basePath: '/api/v3' })
    try {
      world(ghes)
      fiveAlerts(ghes)
      const first = await call(ghes, 'GET', list('?state=open&per_page=2'))
      expect(numbers(first)).toEqual([5, 4])
      expect(links(first).next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3\/repos\//)
      const second = await call(ghes, 'GET', relative(ghes, links(first).next ?? ''))
      expect(numbers(second)).toEqual([3, 2])
      const [alert] = alerts(first)
      expect(alert?.url).toBe(`${ghes.url}/repos/${REPO}/secret-scanning/alerts/5`)
      // GHES's description has no provider or publicly_leaked fields.
      expect(alert).not.toHaveProperty('provider')
      expect(alert).not.toHaveProperty('publicly_leaked')
      const resolved = await call(ghes, 'PATCH', alertPath(5), {
        body: { state: 'resolved', resolution: 'revoked' }
      })
      expect(resolved.body).toMatchObject({ state: 'resolved', resolution: 'revoked' })
      // GitHub.com's assignee is not a key GHES takes.
      const assign = await call(ghes, 'PATCH', alertPath(4), { body: { assignee: 'octocat' } })
      expect([assign.status, message(assign)]).toEqual([
        422,
        'Invalid request.\n\n"assignee" is not a permitted key.'
      ])
      const org = alerts(await call(ghes, 'GET', `/orgs/${ORG}/secret-scanning/alerts`))
      expect(org.map(entry => entry.repository?.full_name)).toEqual(Array(5).fill(REPO))
      expect(ghes.openapiProblems()).toEqual([
        `${PATCH_OP}: request body: must have required property 'state'`,
        `${PATCH_OP}: request body: must match a schema in anyOf`
      ])
    } finally {
      await ghes.close()
    }
  })
})

describe('the OpenAPI check of error answers GitHub describes without a body', () => {
  const exchange = (responseBody: unknown) => ({
    method: 'GET',
    path: `/repos/${REPO}/secret-scanning/alerts`,
    query: {},
    requestHeaders: { 'x-github-api-version': API_VERSION },
    requestBody: undefined,
    status: 404,
    responseBody
  })

  test('GitHub error body is held to basic-error; none at all is fine too', () => {
    expect(validateExchange('api.github.com', exchange({ message: 'Not Found' }))).toEqual([])
    expect(validateExchange('api.github.com', exchange(undefined))).toEqual([])
    expect(validateExchange('api.github.com', exchange({ message: 404 }))).toEqual([
      'GET /repos/{owner}/{repo}/secret-scanning/alerts: 404 response body/message: must be string'
    ])
  })
})
