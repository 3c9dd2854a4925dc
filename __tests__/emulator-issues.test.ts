/**
 * The GitHub emulator's issues API, held to GitHub's description on every exchange: the list's filters and its pull requests, create, update and comment, their
 * validation, the Issues permission, and a repository with issues turned off.
 */
import { INSTANT, startGitHubEmulator, type GitHubEmulator } from './emulators/github.js'
import { API_VERSION } from './emulators/openapi.js'

const REPO = 'acme/app'
const WRITER = 'ghp_issues_writer'
const READER = 'ghp_issues_reader'
const NONE = 'ghp_secrets_only'
const NO_PUSH = 'ghp_issues_no_push'
const HEADERS = { 'x-github-api-version': API_VERSION, 'content-type': 'application/json' }

let emulator: GitHubEmulator

interface IssueJson {
  number: number
  state: string
  comments: number
  labels: { name: string }[]
  message?: string
}

beforeEach(async () => {
  emulator = await startGitHubEmulator({ latencyMs: INSTANT })
  emulator.addRepo(REPO)
  emulator.addToken(WRITER, {
    repos: '*',
    secrets: 'none',
    permissions: { issues: 'write', contents: 'write' }
  })
  emulator.addToken(READER, { repos: '*', secrets: 'none', permissions: { issues: 'read' } })
  emulator.addToken(NONE, { repos: '*', secrets: 'write' })
  emulator.addToken(NO_PUSH, { repos: '*', secrets: 'none', permissions: { issues: 'write' } })
})
/** Requests a test sends against the description on purpose: it must flag exactly these. */
let invalidRequests: RegExp[] = []

afterEach(async () => {
  const problems = emulator.openapiProblems()
  await emulator.close()
  // Every answer is one GitHub's description allows; invalid requests are the test's own.
  expect(problems).toEqual(invalidRequests.map(pattern => expect.stringMatching(pattern)))
  invalidRequests = []
})

async function call(method: string, path: string, sent?: unknown, token = WRITER) {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { ...HEADERS, authorization: `token ${token}` },
    ...(sent === undefined ? {} : { body: JSON.stringify(sent) })
  })
  const text = await response.text()
  // One issue, a list of them, or an error: each test reads the shape it asked for.
  const body = (text ? JSON.parse(text) : undefined) as IssueJson & IssueJson[]
  return { status: response.status, body }
}

describe('issues', () => {
  test('creates an issue with labels, lists it by label and state beside pull requests, comments, and closes it', async () => {
    emulator.addPullRequest(REPO, 'A pull request', ['rotate-aws-access-keys'])
    const created = await call('POST', `/repos/${REPO}/issues`, {
      title: 'Needs a person',
      body: 'why',
      labels: ['rotate-aws-access-keys']
    })
    expect(created.status).toBe(201)
    expect(created.body.labels.map((label: { name: string }) => label.name)).toEqual([
      'rotate-aws-access-keys'
    ])
    const listed = await call(
      'GET',
      `/repos/${REPO}/issues?labels=rotate-aws-access-keys&state=open`
    )
    expect(listed.body.map((issue: { number: number }) => issue.number)).toEqual([2, 1])
    expect(listed.body.map((issue: object) => 'pull_request' in issue)).toEqual([false, true])
    expect((await call('GET', `/repos/${REPO}/issues?labels=other`)).body).toEqual([])
    const comment = await call('POST', `/repos/${REPO}/issues/2/comments`, { body: 'more' })
    expect(comment.status).toBe(201)
    const closed = await call('PATCH', `/repos/${REPO}/issues/2`, { state: 'closed' })
    expect(closed.body.state).toBe('closed')
    expect(closed.body.comments).toBe(1)
    const open = await call('GET', `/repos/${REPO}/issues?labels=rotate-aws-access-keys`)
    expect(open.body.map((issue: { number: number }) => issue.number)).toEqual([1])
    const all = await call('GET', `/repos/${REPO}/issues?state=all`)
    expect(all.body).toHaveLength(2)
  })

  test('refuses what GitHub refuses: no title, a bad state, an empty comment, a missing issue', async () => {
    invalidRequests = [
      /^POST \/repos\/\{owner\}\/\{repo\}\/issues: request body: must have required property 'title'/,
      /^GET \/repos\/\{owner\}\/\{repo\}\/issues: query parameter "state"="shut"/,
      /^PATCH \/repos\/\{owner\}\/\{repo\}\/issues\/\{issue_number\}: request body\/state/
    ]
    expect((await call('POST', `/repos/${REPO}/issues`, { body: 'no title' })).status).toBe(422)
    expect((await call('GET', `/repos/${REPO}/issues?state=shut`)).status).toBe(422)
    await call('POST', `/repos/${REPO}/issues`, { title: 't' })
    expect((await call('PATCH', `/repos/${REPO}/issues/1`, { state: 'shut' })).status).toBe(422)
    expect((await call('POST', `/repos/${REPO}/issues/1/comments`, { body: ' ' })).status).toBe(422)
    expect((await call('POST', `/repos/${REPO}/issues/9/comments`, { body: 'x' })).status).toBe(404)
  })

  test('without push access the labels of a new issue are silently dropped', async () => {
    const created = await call(
      'POST',
      `/repos/${REPO}/issues`,
      { title: 't', labels: ['x'] },
      NO_PUSH
    )
    expect(created.status).toBe(201)
    expect(created.body.labels).toEqual([])
  })

  test('needs the Issues permission: read to list, write to change', async () => {
    expect((await call('GET', `/repos/${REPO}/issues`, undefined, NONE)).status).toBe(403)
    expect((await call('GET', `/repos/${REPO}/issues`, undefined, READER)).status).toBe(200)
    expect((await call('POST', `/repos/${REPO}/issues`, { title: 't' }, READER)).status).toBe(403)
  })

  test('issues turned off: 410 on every change, and the list shows only pull requests', async () => {
    await call('POST', `/repos/${REPO}/issues`, { title: 'before' })
    emulator.addPullRequest(REPO, 'A pull request', [])
    emulator.setIssuesEnabled(REPO, false)
    const refused = await call('POST', `/repos/${REPO}/issues`, { title: 't' })
    expect(refused.status).toBe(410)
    expect(refused.body.message).toBe('Issues are disabled for this repo')
    expect((await call('PATCH', `/repos/${REPO}/issues/1`, { state: 'closed' })).status).toBe(410)
    const listed = await call('GET', `/repos/${REPO}/issues`)
    expect(listed.body.map((issue: { number: number }) => issue.number)).toEqual([2])
  })
})

describe('the API version', () => {
  test('a version GitHub does not serve is refused with 400; none given means 2022-11-28', async () => {
    // The description's check flags both requests: the action always sends its version.
    invalidRequests = [/X-GitHub-Api-Version is "2021-01-01"/, /no X-GitHub-Api-Version header/]
    const versioned = (version?: string) =>
      fetch(`${emulator.url}/repos/${REPO}/issues`, {
        headers: {
          authorization: `token ${WRITER}`,
          ...(version ? { 'x-github-api-version': version } : {})
        }
      })
    const refused = await versioned('2021-01-01')
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { message: string }).message).toBe(
      'API version 2021-01-01 is not supported.'
    )
    expect((await versioned()).status).toBe(200)
    expect((await versioned(API_VERSION)).status).toBe(200)
  })
})
