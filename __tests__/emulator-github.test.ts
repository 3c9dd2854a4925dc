/**
 * Holds the GitHub emulator to the real service: the real Octokit drives it, every write is a
 * real libsodium sealed box, and every rejection GitHub makes is checked here.
 */
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import sodium from 'libsodium-wrappers'
import { INSTANT, startGitHubEmulator } from './emulators/github.js'
import type { GitHubEmulator, InterceptedCall } from './emulators/github.js'
import { API_VERSION, descriptionFile } from './emulators/openapi.js'
import { SECRET_WRITE_PERMISSIONS } from './emulators/world.js'

const REPO = 'octo-org/deploy'
const OTHER = 'octo-org/other'
const WRITER = 'ghp_writer'
const PUT_ROUTE = 'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}'
const BASE64_RULE =
  '/^(?:[A-Za-z0-9+\\/]{4})*(?:[A-Za-z0-9+\\/]{2}==|[A-Za-z0-9+\\/]{3}=|[A-Za-z0-9+\\/]{4})$/'

type Octokit = ReturnType<typeof getOctokit>

let emulator: GitHubEmulator

beforeAll(async () => {
  await sodium.ready
})

beforeEach(async () => {
  emulator = await startGitHubEmulator({ latencyMs: INSTANT })
  emulator.addRepo(REPO)
  emulator.addRepo(OTHER)
  emulator.addToken(WRITER, { repos: [REPO, OTHER], secrets: 'write' })
})

afterEach(async () => {
  await emulator.close()
})

function client(token = WRITER): Octokit {
  return getOctokit(token, { baseUrl: emulator.url })
}

function parts(fullName: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = fullName.split('/')
  return { owner, repo }
}

function seal(value: string, keyBase64: string, variant = sodium.base64_variants.ORIGINAL): string {
  const key = sodium.from_base64(keyBase64, sodium.base64_variants.ORIGINAL)
  return sodium.to_base64(sodium.crypto_box_seal(value, key), variant)
}

async function publicKey(
  octokit: Octokit,
  fullName = REPO
): Promise<{ key_id: string; key: string }> {
  const { data } = await octokit.rest.actions.getRepoPublicKey(parts(fullName))
  return data
}

/** Seals `value` for the repository and writes it, as the action does. */
async function writeSecret(octokit: Octokit, name: string, value: string, fullName = REPO) {
  const key = await publicKey(octokit, fullName)
  return octokit.rest.actions.createOrUpdateRepoSecret({
    ...parts(fullName),
    secret_name: name,
    key_id: key.key_id,
    encrypted_value: seal(value, key.key)
  })
}

/** Octokit's request without its parameter types, to send bodies GitHub would reject. */
function untypedRequest(octokit: Octokit, route: string, params: Record<string, unknown>) {
  const request = octokit.request as unknown as (
    route: string,
    params: Record<string, unknown>
  ) => Promise<{ status: number; data: unknown }>
  return request(route, params)
}

function untypedPut(octokit: Octokit, params: Record<string, unknown>) {
  return untypedRequest(octokit, PUT_ROUTE, {
    ...parts(REPO),
    secret_name: 'DEPLOY_KEY',
    ...params
  })
}

function rejection(status: number, message: string) {
  return {
    status,
    response: {
      data: {
        message,
        status: String(status),
        documentation_url: expect.stringContaining('https://docs.github.com/')
      }
    }
  }
}

async function raw(
  method: string,
  path: string,
  init: { token?: string; authorization?: string; body?: string } = {}
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (init.authorization !== undefined) headers.authorization = init.authorization
  else if (init.token !== undefined) headers.authorization = `token ${init.token}`
  const requestInit: RequestInit = { method, headers }
  if (init.body !== undefined) requestInit.body = init.body
  const response = await fetch(`${emulator.url}${path}`, requestInit)
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined
  }
}

describe('repository and public key', () => {
  test('GET repo returns GitHub-shaped JSON, matching owner and name case-insensitively', async () => {
    emulator.addRepo('Octo-Org/Mixed-Case')
    emulator.addToken('ghp_mixed', { repos: ['octo-org/mixed-case'], secrets: 'read' })
    const { data, status } = await client('ghp_mixed').rest.repos.get({
      owner: 'OCTO-ORG',
      repo: 'mixed-CASE'
    })
    expect(status).toBe(200)
    expect(data).toMatchObject({
      name: 'Mixed-Case',
      full_name: 'Octo-Org/Mixed-Case',
      owner: { login: 'Octo-Org' },
      private: true,
      default_branch: 'main'
    })
    expect(typeof data.id).toBe('number')
  })

  test('public key is a real 32-byte key in standard base64, stable per repo, distinct across repos', async () => {
    const octokit = client()
    const first = await publicKey(octokit)
    const again = await publicKey(octokit)
    const other = await publicKey(octokit, OTHER)
    expect(first).toEqual(again)
    expect(first.key).toMatch(/^[A-Za-z0-9+/]{43}=$/)
    expect(sodium.from_base64(first.key, sodium.base64_variants.ORIGINAL)).toHaveLength(32)
    expect(first.key_id).toMatch(/^\d+$/)
    expect(other.key).not.toBe(first.key)
    expect(other.key_id).not.toBe(first.key_id)
  })
})

describe('writing secrets', () => {
  test('a sealed box round trip: 201 on create, 204 on update, plaintext and history recorded', async () => {
    const octokit = client()
    const created = await writeSecret(octokit, 'aws_secret_access_key', 'first-value')
    expect(created.status).toBe(201)
    expect(created.data).toEqual({})
    const updated = await writeSecret(octokit, 'AWS_SECRET_ACCESS_KEY', 'second-value')
    expect(updated.status).toBe(204)

    const stored = emulator.secret(REPO, 'AWS_SECRET_ACCESS_KEY')
    expect(stored?.value).toBe('second-value')
    expect(stored?.updatedAt.getTime()).toBeGreaterThanOrEqual(
      stored?.createdAt.getTime() ?? Infinity
    )
    expect(emulator.history(REPO, 'aws_secret_access_key').map(entry => entry.value)).toEqual([
      'first-value',
      'second-value'
    ])
    expect(emulator.secret(OTHER, 'AWS_SECRET_ACCESS_KEY')).toBeUndefined()
  })

  test('non-ASCII values and exactly 48 KB survive; one byte more is rejected', async () => {
    const octokit = client()
    await writeSecret(octokit, 'UNICODE', 'päss 🔑 ключ')
    expect(emulator.secret(REPO, 'UNICODE')?.value).toBe('päss 🔑 ключ')

    const max = 'a'.repeat(48 * 1024)
    expect((await writeSecret(octokit, 'BIG', max)).status).toBe(201)
    await expect(writeSecret(octokit, 'BIG', `${max}b`)).rejects.toMatchObject(
      rejection(422, 'Failed to add secret. Value is too large.')
    )
    // Counted in bytes: 24,577 two-byte characters are over the limit too.
    await expect(writeSecret(octokit, 'BIG', 'é'.repeat(24 * 1024 + 1))).rejects.toMatchObject({
      status: 422
    })
    expect(emulator.secret(REPO, 'BIG')?.value).toBe(max)
  })

  test('a key_id from before a key rotation is rejected; the new key works', async () => {
    const octokit = client()
    const old = await publicKey(octokit)
    emulator.rotatePublicKey(REPO)
    const fresh = await publicKey(octokit)
    expect(fresh.key_id).not.toBe(old.key_id)
    expect(fresh.key).not.toBe(old.key)

    const stale = {
      ...parts(REPO),
      secret_name: 'DEPLOY_KEY',
      key_id: old.key_id,
      encrypted_value: seal('v', old.key)
    }
    await expect(octokit.rest.actions.createOrUpdateRepoSecret(stale)).rejects.toMatchObject(
      rejection(422, 'Bad request - validation failed due to an improperly encrypted secret')
    )
    // The current key_id with a box sealed for the old key fails too.
    await expect(
      octokit.rest.actions.createOrUpdateRepoSecret({ ...stale, key_id: fresh.key_id })
    ).rejects.toMatchObject({ status: 422 })
    expect(emulator.secret(REPO, 'DEPLOY_KEY')).toBeUndefined()
    expect((await writeSecret(octokit, 'DEPLOY_KEY', 'v')).status).toBe(201)
  })

  test('boxes that do not open against the repository key pair are rejected', async () => {
    const octokit = client()
    const mine = await publicKey(octokit)
    const theirs = await publicKey(octokit, OTHER)
    const bad = 'Bad request - validation failed due to an improperly encrypted secret'
    const put = (encrypted_value: string) =>
      octokit.rest.actions.createOrUpdateRepoSecret({
        ...parts(REPO),
        secret_name: 'DEPLOY_KEY',
        key_id: mine.key_id,
        encrypted_value
      })

    await expect(put(seal('v', theirs.key))).rejects.toMatchObject(rejection(422, bad))
    await expect(
      put(Buffer.from('plaintext, not sealed').toString('base64'))
    ).rejects.toMatchObject(rejection(422, bad))
    // A valid box with one byte flipped fails authentication.
    const box = Buffer.from(seal('v', mine.key), 'base64')
    box[box.length - 1] = (box[box.length - 1] ?? 0) ^ 1
    await expect(put(box.toString('base64'))).rejects.toMatchObject(rejection(422, bad))
    expect(emulator.secret(REPO, 'DEPLOY_KEY')).toBeUndefined()
  })

  test("libsodium's default URL-safe base64 is rejected with GitHub's pattern message", async () => {
    const octokit = client()
    const key = await publicKey(octokit)
    // Seal until the URL-safe text differs from standard base64 (it contains - or _).
    let urlSafe = ''
    while (!/[-_]/.test(urlSafe)) urlSafe = seal('v', key.key, sodium.base64_variants.URLSAFE)
    await expect(
      octokit.rest.actions.createOrUpdateRepoSecret({
        ...parts(REPO),
        secret_name: 'DEPLOY_KEY',
        key_id: key.key_id,
        encrypted_value: urlSafe
      })
    ).rejects.toMatchObject(
      rejection(422, `Invalid request.\n\n${urlSafe} does not match ${BASE64_RULE}.`)
    )
    await expect(
      untypedPut(octokit, { key_id: key.key_id, encrypted_value: '' })
    ).rejects.toMatchObject({
      status: 422
    })
    await expect(
      untypedPut(octokit, {
        key_id: key.key_id,
        encrypted_value: seal('v', key.key).replace(/=+$/, '')
      })
    ).rejects.toMatchObject({ status: 422 })
  })

  test('missing and mistyped fields are rejected as GitHub words it', async () => {
    const octokit = client()
    const key = await publicKey(octokit)
    const sealed = seal('v', key.key)
    await expect(untypedPut(octokit, { encrypted_value: sealed })).rejects.toMatchObject(
      rejection(422, 'Invalid request.\n\n"key_id" wasn\'t supplied.')
    )
    await expect(untypedPut(octokit, { key_id: key.key_id })).rejects.toMatchObject(
      rejection(422, 'Invalid request.\n\n"encrypted_value" wasn\'t supplied.')
    )
    await expect(untypedPut(octokit, {})).rejects.toMatchObject(
      rejection(422, 'Invalid request.\n\n"encrypted_value", "key_id" weren\'t supplied.')
    )
    await expect(
      untypedPut(octokit, { encrypted_value: sealed, key_id: Number(key.key_id) })
    ).rejects.toMatchObject(
      rejection(
        422,
        `Invalid request.\n\nFor 'properties/key_id', ${Number(key.key_id)} is not a string.`
      )
    )
    expect(emulator.secret(REPO, 'DEPLOY_KEY')).toBeUndefined()
  })

  test.each([
    ['1STARTS_WITH_DIGIT', 'chars'],
    ['HAS-DASH', 'chars'],
    ['HAS SPACE', 'chars'],
    ['ÜMLAUT', 'chars'],
    ['GITHUB_TOKEN', 'prefix'],
    ['github_lower', 'prefix']
  ])('secret name %s is rejected', async (name, kind) => {
    const message =
      kind === 'prefix'
        ? 'Secret names must not start with GITHUB_.'
        : 'Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed. Must start with a letter ([a-z], [A-Z]) or underscores (_).'
    await expect(writeSecret(client(), name, 'v')).rejects.toMatchObject(rejection(422, message))
    expect(emulator.requests.at(-1)).toMatchObject({ route: 'put-secret', status: 422 })
  })

  test('names are stored upper-cased and may start with an underscore', async () => {
    const octokit = client()
    await writeSecret(octokit, '_lower_case_1', 'v')
    const { data } = await octokit.rest.actions.getRepoSecret({
      ...parts(REPO),
      secret_name: '_LOWER_case_1'
    })
    expect(data.name).toBe('_LOWER_CASE_1')
  })

  test('malformed JSON gets 400 and the server keeps serving', async () => {
    const path = `/repos/${REPO}/actions/secrets/DEPLOY_KEY`
    const broken = await raw('PUT', path, { token: WRITER, body: '{"encrypted_value": ' })
    expect(broken.status).toBe(400)
    expect(broken.body).toMatchObject({ message: 'Problems parsing JSON', status: '400' })
    expect((await raw('PUT', path, { token: WRITER, body: '[]' })).status).toBe(400)
    expect((await raw('PUT', path, { token: WRITER, body: '\u0000\u00ff' })).status).toBe(400)
    expect(
      (await raw('GET', `/repos/${REPO}/actions/secrets/%E0%A4%A`, { token: WRITER })).status
    ).toBe(404)
    expect((await writeSecret(client(), 'DEPLOY_KEY', 'still alive')).status).toBe(201)
  })
})

describe('reading secrets', () => {
  test('GET a secret returns name and GitHub timestamps; absent is 404', async () => {
    emulator.setSecret(REPO, 'seeded', 'v')
    const octokit = client()
    const { data } = await octokit.rest.actions.getRepoSecret({
      ...parts(REPO),
      secret_name: 'SEEDED'
    })
    expect(Object.keys(data).sort()).toEqual(['created_at', 'name', 'updated_at'])
    expect(data.name).toBe('SEEDED')
    expect(data.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    await expect(
      octokit.rest.actions.getRepoSecret({ ...parts(REPO), secret_name: 'ABSENT' })
    ).rejects.toMatchObject(rejection(404, 'Not Found'))
  })

  test('updated_at is the last write, created_at the first; shiftSecretTimes moves both, in every scope', async () => {
    const DAY_MS = 86_400_000
    const octokit = client()
    const read = async () =>
      (await octokit.rest.actions.getRepoSecret({ ...parts(REPO), secret_name: 'DEPLOY_KEY' })).data
    const seconds = (ms: number) => Math.floor(ms / 1000) * 1000
    const before = seconds(Date.now())
    await writeSecret(octokit, 'DEPLOY_KEY', 'one')
    // A day passes, then the secret is written again.
    emulator.shiftSecretTimes(DAY_MS)
    await writeSecret(octokit, 'DEPLOY_KEY', 'two')
    const after = Date.now()
    const written = await read()
    expect(Date.parse(written.created_at)).toBeGreaterThanOrEqual(before - DAY_MS)
    expect(Date.parse(written.created_at)).toBeLessThanOrEqual(after - DAY_MS)
    expect(Date.parse(written.updated_at)).toBeGreaterThanOrEqual(before)
    expect(Date.parse(written.updated_at)).toBeLessThanOrEqual(after)

    emulator.addEnvironment(REPO, 'prod')
    emulator.addOrg('octo-org')
    const environment = { kind: 'environment', repo: REPO, environment: 'prod' } as const
    const org = { kind: 'org-actions', org: 'octo-org' } as const
    emulator.setScopeSecret(environment, 'DEPLOY_KEY', 'env')
    emulator.setScopeSecret(org, 'DEPLOY_KEY', 'org', {
      visibility: 'private',
      selectedRepositoryIds: []
    })
    const times = () =>
      [environment, org].map(ref => emulator.scopeSecret(ref, 'DEPLOY_KEY')?.updatedAt.getTime())
    const [envBefore, orgBefore] = times()
    const historyBefore = emulator.history(REPO, 'DEPLOY_KEY').map(entry => entry.at)
    emulator.shiftSecretTimes(DAY_MS)
    const shifted = await read()
    expect(Date.parse(shifted.updated_at)).toBe(Date.parse(written.updated_at) - DAY_MS)
    expect(Date.parse(shifted.created_at)).toBe(Date.parse(written.created_at) - DAY_MS)
    expect(times()).toEqual([(envBefore ?? 0) - DAY_MS, (orgBefore ?? 0) - DAY_MS])
    expect(emulator.history(REPO, 'DEPLOY_KEY').map(entry => entry.at)).toEqual(
      historyBefore.map(at => at - DAY_MS)
    )
    expect(emulator.secret(REPO, 'DEPLOY_KEY')?.value).toBe('two')
  })

  test('list is sorted and paginated with link headers that Octokit follows', async () => {
    for (const name of ['E', 'C', 'A', 'D', 'B']) emulator.setSecret(REPO, name, name)
    const octokit = client()
    const page = await octokit.rest.actions.listRepoSecrets({
      ...parts(REPO),
      per_page: 2,
      page: 2
    })
    expect(page.data.total_count).toBe(5)
    expect(page.data.secrets.map(secret => secret.name)).toEqual(['C', 'D'])
    expect(page.headers.link).toContain('rel="next"')
    expect(page.headers.link).toContain('rel="prev"')

    const all = await octokit.paginate(octokit.rest.actions.listRepoSecrets, {
      ...parts(REPO),
      per_page: 2
    })
    expect(all.map(secret => secret.name)).toEqual(['A', 'B', 'C', 'D', 'E'])
    expect(emulator.requests.filter(request => request.route === 'list-secrets')).toHaveLength(4)

    const capped = await octokit.rest.actions.listRepoSecrets({ ...parts(REPO), per_page: 1000 })
    expect(capped.data.secrets).toHaveLength(5)
    expect(capped.headers.link).toBeUndefined()
  })
})

describe('authentication and permissions', () => {
  test('a missing or unknown token gets 401 Bad credentials', async () => {
    const expected = {
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401'
    }
    const none = await raw('GET', `/repos/${REPO}/actions/secrets/public-key`)
    expect(none.status).toBe(401)
    expect(none.body).toEqual(expected)
    await expect(publicKey(client('ghp_unknown'))).rejects.toMatchObject({
      status: 401,
      response: { data: expected }
    })
    expect((await raw('GET', `/repos/${REPO}`, { authorization: `Basic ${WRITER}` })).status).toBe(
      401
    )
  })

  test('both token and Bearer schemes are accepted', async () => {
    expect((await raw('GET', `/repos/${REPO}`, { authorization: `token ${WRITER}` })).status).toBe(
      200
    )
    expect((await raw('GET', `/repos/${REPO}`, { authorization: `Bearer ${WRITER}` })).status).toBe(
      200
    )
  })

  test('a repository the token cannot see, or that does not exist, is 404 on every route', async () => {
    emulator.addRepo('octo-org/hidden')
    const octokit = client()
    const hidden = parts('octo-org/hidden')
    const notFound = rejection(404, 'Not Found')
    await expect(octokit.rest.repos.get(hidden)).rejects.toMatchObject(notFound)
    await expect(octokit.rest.actions.getRepoPublicKey(hidden)).rejects.toMatchObject(notFound)
    await expect(writeSecret(octokit, 'X', 'v', 'octo-org/hidden')).rejects.toMatchObject(notFound)
    await expect(octokit.rest.actions.listRepoSecrets(hidden)).rejects.toMatchObject(notFound)
    await expect(octokit.rest.repos.get(parts('octo-org/absent'))).rejects.toMatchObject(notFound)

    emulator.addToken('ghp_all', { repos: '*', secrets: 'read' })
    expect((await client('ghp_all').rest.repos.get(hidden)).status).toBe(200)
  })

  test('read-only and no-secrets PATs get 403 with the permission GitHub names', async () => {
    emulator.addToken('ghp_read', { repos: [REPO], secrets: 'read' })
    emulator.addToken('ghp_none', { repos: [REPO], secrets: 'none' })
    const message = 'Resource not accessible by personal access token'

    const reader = client('ghp_read')
    const key = await publicKey(reader)
    await expect(
      reader.rest.actions.createOrUpdateRepoSecret({
        ...parts(REPO),
        secret_name: 'X',
        key_id: key.key_id,
        encrypted_value: seal('v', key.key)
      })
    ).rejects.toMatchObject({
      ...rejection(403, message),
      response: { headers: { 'x-accepted-github-permissions': 'secrets=write' } }
    })
    expect((await reader.rest.actions.listRepoSecrets(parts(REPO))).status).toBe(200)

    const none = client('ghp_none')
    expect((await none.rest.repos.get(parts(REPO))).status).toBe(200)
    await expect(publicKey(none)).rejects.toMatchObject(rejection(403, message))
    await expect(none.rest.actions.listRepoSecrets(parts(REPO))).rejects.toMatchObject(
      rejection(403, message)
    )
    await expect(
      none.rest.actions.getRepoSecret({ ...parts(REPO), secret_name: 'X' })
    ).rejects.toMatchObject(rejection(403, message))
    expect(emulator.secret(REPO, 'X')).toBeUndefined()
  })

  test('app tokens without write get "Resource not accessible by integration"', async () => {
    emulator.addToken('ghs_app', { repos: [REPO], secrets: 'read', kind: 'app' })
    const app = client('ghs_app')
    const key = await publicKey(app)
    await expect(
      app.rest.actions.createOrUpdateRepoSecret({
        ...parts(REPO),
        secret_name: 'X',
        key_id: key.key_id,
        encrypted_value: seal('v', key.key)
      })
    ).rejects.toMatchObject(rejection(403, 'Resource not accessible by integration'))
  })

  test('the workflow GITHUB_TOKEN can never read the public key or write, whatever its grant', async () => {
    emulator.addToken('ghs_workflow', { repos: [REPO], secrets: 'write', kind: 'github-token' })
    const workflow = client('ghs_workflow')
    const message = 'Resource not accessible by integration'
    expect((await workflow.rest.repos.get(parts(REPO))).status).toBe(200)
    await expect(publicKey(workflow)).rejects.toMatchObject(rejection(403, message))
    await expect(workflow.rest.actions.listRepoSecrets(parts(REPO))).rejects.toMatchObject(
      rejection(403, message)
    )
    const key = await publicKey(client())
    await expect(
      workflow.rest.actions.createOrUpdateRepoSecret({
        ...parts(REPO),
        secret_name: 'X',
        key_id: key.key_id,
        encrypted_value: seal('v', key.key)
      })
    ).rejects.toMatchObject(rejection(403, message))
    expect(emulator.requests.at(-1)).toMatchObject({ route: 'put-secret', status: 403 })
  })
})

describe('routes and headers', () => {
  test('unknown routes and wrong methods on known paths are 404', async () => {
    const expected = {
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest',
      status: '404'
    }
    const unknown = await raw('GET', '/nope', { token: WRITER })
    expect(unknown.status).toBe(404)
    expect(unknown.body).toEqual(expected)
    expect(
      (await raw('PATCH', `/repos/${REPO}/actions/secrets/X`, { token: WRITER })).body
    ).toEqual(expected)
    expect(
      (await raw('POST', `/repos/${REPO}/actions/secrets/public-key`, { token: WRITER })).status
    ).toBe(404)
    expect((await raw('GET', `/repos/${REPO}/actions/variables`, { token: WRITER })).status).toBe(
      404
    )
    expect(emulator.requests.map(request => request.route)).toEqual([
      'unknown',
      'unknown',
      'unknown',
      'unknown'
    ])
  })

  test('every answer carries rate-limit headers and a request id; bodies are JSON', async () => {
    const octokit = client()
    const answers = [
      await raw('GET', `/repos/${REPO}`, { token: WRITER }),
      await raw('GET', `/repos/${REPO}`),
      await raw('GET', '/nope', { token: WRITER }),
      await raw('PUT', `/repos/${REPO}/actions/secrets/X`, { token: WRITER, body: '{}' })
    ]
    for (const answer of answers) {
      for (const header of [
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-reset',
        'x-ratelimit-used'
      ]) {
        expect(answer.headers.get(header)).toMatch(/^\d+$/)
      }
      expect(answer.headers.get('x-ratelimit-resource')).toBe('core')
      expect(answer.headers.get('x-github-request-id')).toMatch(/^[0-9A-F:]+$/)
      expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8')
    }
    expect(answers[0]?.headers.get('x-ratelimit-limit')).toBe('5000')
    expect(answers[1]?.headers.get('x-ratelimit-limit')).toBe('60')

    await writeSecret(octokit, 'X', 'one')
    const updated = await writeSecret(octokit, 'X', 'two')
    expect(updated.status).toBe(204)
    expect(updated.headers['content-type']).toBeUndefined()
    expect(updated.headers['x-ratelimit-resource']).toBe('core')
    const used = Number(updated.headers['x-ratelimit-used'])
    expect(Number(updated.headers['x-ratelimit-remaining'])).toBe(5000 - used)
    expect(used).toBe(7) // 3 raw calls with the token, then 2 x (public key + PUT)
  })

  test('a base path serves the API under it, as GitHub Enterprise Server does', async () => {
    const enterprise = await startGitHubEmulator({ latencyMs: INSTANT, basePath: '/api/v3' })
    try {
      enterprise.addRepo(REPO)
      enterprise.addToken(WRITER, { repos: '*', secrets: 'write' })
      expect(enterprise.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/)
      const octokit = getOctokit(WRITER, { baseUrl: enterprise.url })
      const key = await publicKey(octokit)
      await octokit.rest.actions.createOrUpdateRepoSecret({
        ...parts(REPO),
        secret_name: 'GHES',
        key_id: key.key_id,
        encrypted_value: seal('on-prem', key.key)
      })
      expect(enterprise.secret(REPO, 'GHES')?.value).toBe('on-prem')
      expect(enterprise.requests.map(request => request.path)).toEqual([
        `/api/v3/repos/${REPO}/actions/secrets/public-key`,
        `/api/v3/repos/${REPO}/actions/secrets/GHES`
      ])
      const root = new URL(enterprise.url).origin
      const outside = await fetch(`${root}/repos/${REPO}`, {
        headers: { authorization: `token ${WRITER}` }
      })
      expect(outside.status).toBe(404)
    } finally {
      await enterprise.close()
    }
  })
})

describe('faults', () => {
  test('an injected 500 reaches Octokit; plugin-retry retries it to success', async () => {
    let failures = 1
    emulator.intercept(call =>
      call.route === 'put-secret' && failures-- > 0 ? { status: 500 } : undefined
    )
    await expect(writeSecret(client(), 'X', 'v')).rejects.toMatchObject(
      rejection(500, 'Internal Server Error')
    )
    expect(emulator.secret(REPO, 'X')).toBeUndefined()

    failures = 2
    const withRetry = getOctokit(
      WRITER,
      { baseUrl: emulator.url, retry: { retryAfterBaseValue: 1 } },
      retry
    )
    expect((await writeSecret(withRetry, 'X', 'v')).status).toBe(201)
    const puts = emulator.requests.filter(request => request.route === 'put-secret')
    expect(puts.map(request => request.status)).toEqual([500, 500, 500, 201])
  })

  test('a 502 with a custom message and headers is answered as given', async () => {
    emulator.intercept(() => ({
      status: 502,
      message: 'Server Error',
      headers: { 'x-custom': 'yes' }
    }))
    await expect(publicKey(client())).rejects.toMatchObject({
      ...rejection(502, 'Server Error'),
      response: { headers: { 'x-custom': 'yes', 'x-ratelimit-resource': 'core' } }
    })
  })

  test.each([403, 429])(
    'a secondary rate limit (%i with retry-after) is recognised by plugin-throttling',
    async status => {
      let remaining = 1
      emulator.intercept(call =>
        call.route === 'get-public-key' && remaining-- > 0
          ? { status, retryAfterSeconds: 3 }
          : undefined
      )
      const waits: number[] = []
      const octokit = getOctokit(
        WRITER,
        {
          baseUrl: emulator.url,
          throttle: {
            retryAfterBaseValue: 1,
            onSecondaryRateLimit: (retryAfter: number) => {
              waits.push(retryAfter)
              return true
            },
            onRateLimit: () => false
          }
        },
        throttling
      )
      expect((await publicKey(octokit)).key_id).toMatch(/^\d+$/)
      expect(waits).toEqual([3])
      const [limited] = emulator.requests
      expect(limited).toMatchObject({ route: 'get-public-key', status })
    }
  )

  test('a secondary rate limit answer has the retry-after header and GitHub message', async () => {
    emulator.intercept(() => ({ status: 403, retryAfterSeconds: 60 }))
    await expect(publicKey(client())).rejects.toMatchObject({
      status: 403,
      message: expect.stringMatching(/You have exceeded a secondary rate limit/),
      response: { headers: { 'retry-after': '60' }, data: { status: '403' } }
    })
  })

  test('a primary rate limit can be modelled with headers, and plugin-throttling sees it', async () => {
    const reset = String(Math.floor(Date.now() / 1000))
    let remaining = 1
    emulator.intercept(() =>
      remaining-- > 0
        ? {
            status: 403,
            message: 'API rate limit exceeded for user ID 1.',
            headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }
          }
        : undefined
    )
    const seen: number[] = []
    const octokit = getOctokit(
      WRITER,
      {
        baseUrl: emulator.url,
        throttle: {
          retryAfterBaseValue: 1,
          onSecondaryRateLimit: () => false,
          onRateLimit: (retryAfter: number) => {
            seen.push(retryAfter)
            return true
          }
        }
      },
      throttling
    )
    await publicKey(octokit)
    expect(seen).toHaveLength(1)
  })

  test('a reset destroys the connection: Octokit fails and nothing is written', async () => {
    emulator.intercept(call => (call.route === 'put-secret' ? { reset: true } : undefined))
    await expect(writeSecret(client(), 'X', 'v')).rejects.toThrow()
    expect(emulator.secret(REPO, 'X')).toBeUndefined()
    // Not retried behind Octokit's back: one PUT arrived, and it got no answer.
    const puts = emulator.requests.filter(request => request.route === 'put-secret')
    expect(puts).toEqual([expect.objectContaining({ status: 0 })])
  })

  test('a delay holds the answer back, then handles it normally; a removed one delays nothing', async () => {
    let delayed = 0
    let putArrived: () => void = () => undefined
    const arrival = new Promise<void>(resolve => (putArrived = resolve))
    const remove = emulator.intercept(call => {
      if (call.route !== 'put-secret') return undefined
      delayed += 1
      putArrived()
      return { delayMs: 300 }
    })
    // Order, not wall-clock time: a read sent after the delayed PUT is answered before it.
    const answered: string[] = []
    const write = writeSecret(client(), 'X', 'slow').then(() => answered.push('delayed write'))
    await arrival
    await publicKey(client()).then(() => answered.push('later read'))
    await write
    expect(answered).toEqual(['later read', 'delayed write'])
    expect(emulator.secret(REPO, 'X')?.value).toBe('slow')

    remove()
    await writeSecret(client(), 'X', 'fast')
    expect(delayed).toBe(1)
    expect(emulator.secret(REPO, 'X')?.value).toBe('fast')
  })

  test('interceptors see the call after auth, can await (kill points), and can be removed', async () => {
    const calls: InterceptedCall[] = []
    let hookRan = false
    const remove = emulator.intercept(async call => {
      calls.push(call)
      if (call.route === 'put-secret') {
        await new Promise(resolve => setTimeout(resolve, 20))
        hookRan = true
      }
      return undefined
    })
    await writeSecret(client(), 'deploy_key', 'v')
    expect(hookRan).toBe(true)
    expect(calls).toEqual([
      {
        route: 'get-public-key',
        method: 'GET',
        path: `/repos/${REPO}/actions/secrets/public-key`,
        repo: REPO,
        scope: 'actions',
        token: WRITER
      },
      {
        route: 'put-secret',
        method: 'PUT',
        path: `/repos/${REPO}/actions/secrets/deploy_key`,
        repo: REPO,
        scope: 'actions',
        secretName: 'deploy_key',
        token: WRITER
      }
    ])

    // Requests refused by auth never reach an interceptor.
    emulator.addToken('ghp_none', { repos: [REPO], secrets: 'none' })
    await expect(publicKey(client('ghp_unknown'))).rejects.toMatchObject({ status: 401 })
    await expect(publicKey(client('ghp_none'))).rejects.toMatchObject({ status: 403 })
    await expect(client().rest.repos.get(parts('octo-org/absent'))).rejects.toMatchObject({
      status: 404
    })
    expect(calls).toHaveLength(2)

    remove()
    await publicKey(client())
    expect(calls).toHaveLength(2)
  })
})

describe('history and the request log', () => {
  test('history lists every value a secret held, seeds included, in order', async () => {
    emulator.setSecret(REPO, 'AWS_ACCESS_KEY_ID', 'AKIA_OLD')
    const octokit = client()
    await writeSecret(octokit, 'AWS_ACCESS_KEY_ID', 'AKIA_NEW')
    await expect(writeSecret(octokit, 'GITHUB_NOPE', 'x')).rejects.toMatchObject({ status: 422 })
    await writeSecret(octokit, 'aws_access_key_id', 'AKIA_OLD')

    const history = emulator.history(REPO, 'AWS_ACCESS_KEY_ID')
    expect(history.map(entry => entry.value)).toEqual(['AKIA_OLD', 'AKIA_NEW', 'AKIA_OLD'])
    const times = history.map(entry => entry.at)
    expect([...times].sort((a, b) => a - b)).toEqual(times)
    expect(emulator.history(REPO, 'NEVER_SET')).toEqual([])

    // A returned history is a copy.
    history.length = 0
    expect(emulator.history(REPO, 'AWS_ACCESS_KEY_ID')).toHaveLength(3)

    const stored = emulator.secret(REPO, 'AWS_ACCESS_KEY_ID')
    expect(stored?.createdAt.getTime()).toBe(times[0])
    expect(stored?.updatedAt.getTime()).toBe(times[2])
  })

  test('the request log records route, repo, name and status, never a value or a token', async () => {
    await writeSecret(client(), 'DEPLOY_KEY', 'super-secret-plaintext')
    await expect(publicKey(client('ghp_unknown'))).rejects.toMatchObject({ status: 401 })
    expect(emulator.requests).toEqual([
      expect.objectContaining({ method: 'GET', route: 'get-public-key', status: 200, repo: REPO }),
      expect.objectContaining({
        method: 'PUT',
        route: 'put-secret',
        status: 201,
        repo: REPO,
        secretName: 'DEPLOY_KEY'
      }),
      expect.objectContaining({ method: 'GET', route: 'get-public-key', status: 401 })
    ])
    const log = JSON.stringify(emulator.requests)
    expect(log).not.toContain('super-secret-plaintext')
    expect(log).not.toContain(WRITER)
    expect(log).not.toContain('ghp_unknown')
  })

  test('seeding validates names and repositories', () => {
    expect(() => emulator.setSecret(REPO, 'GITHUB_X', 'v')).toThrow(/GITHUB_/)
    expect(() => emulator.setSecret('octo-org/absent', 'X', 'v')).toThrow(/no repository/)
    expect(() => emulator.addRepo('not-a-full-name')).toThrow(/owner\/name/)
  })
})

describe('environment, organization and Dependabot scopes', () => {
  const ORG = 'octo-org'
  beforeEach(() => {
    emulator.addOrg(ORG)
    emulator.addToken('ghp_all', {
      repos: '*',
      secrets: 'write',
      permissions: {
        environments: 'write',
        dependabot_secrets: 'write',
        organization_secrets: 'write',
        organization_dependabot_secrets: 'write'
      }
    })
  })

  async function put(
    path: string,
    value: string,
    extra: Record<string, unknown> = {},
    token = 'ghp_all'
  ) {
    const key = (await raw('GET', `${path}/public-key`, { token })).body as {
      key_id: string
      key: string
    }
    return raw('PUT', `${path}/DEPLOY_KEY`, {
      token,
      body: JSON.stringify({ encrypted_value: seal(value, key.key), key_id: key.key_id, ...extra })
    })
  }

  test('environment secrets: its own key pair; a missing environment is 404, never created', async () => {
    emulator.addEnvironment(REPO, 'Prod/EU')
    const path = `/repos/${REPO}/environments/${encodeURIComponent('prod/eu')}/secrets`
    expect((await put(path, 'env-value')).status).toBe(201)
    expect(
      emulator.scopeSecret(
        { kind: 'environment', repo: REPO, environment: 'Prod/EU' },
        'DEPLOY_KEY'
      )?.value
    ).toBe('env-value')
    expect(emulator.secret(REPO, 'DEPLOY_KEY')).toBeUndefined()
    const missing = await raw('GET', `/repos/${REPO}/environments/staging/secrets/public-key`, {
      token: 'ghp_all'
    })
    expect(missing.status).toBe(404)
    // A box sealed for the repository's key does not open in the environment.
    const repoKey = await publicKey(client())
    const wrong = await raw('PUT', `${path}/DEPLOY_KEY`, {
      token: 'ghp_all',
      body: JSON.stringify({ encrypted_value: seal('x', repoKey.key), key_id: repoKey.key_id })
    })
    expect(wrong.status).toBe(422)
  })

  test('each scope needs its own permission, and says which in x-accepted-github-permissions', async () => {
    emulator.addEnvironment(REPO, 'prod')
    const cases = [
      [`/repos/${REPO}/environments/prod/secrets/public-key`, 'environments=read'],
      [`/repos/${REPO}/dependabot/secrets/public-key`, 'dependabot_secrets=read'],
      [`/orgs/${ORG}/actions/secrets/public-key`, 'organization_secrets=read'],
      [`/orgs/${ORG}/dependabot/secrets/public-key`, 'organization_dependabot_secrets=read']
    ] as const
    for (const [path, permission] of cases) {
      const denied = await raw('GET', path, { token: WRITER })
      expect(denied.status).toBe(403)
      expect(denied.headers.get('x-accepted-github-permissions')).toBe(permission)
    }
    emulator.addToken('ghp_other_org', {
      repos: '*',
      orgs: ['elsewhere'],
      secrets: 'write',
      permissions: { organization_secrets: 'write' }
    })
    expect(
      (await raw('GET', `/orgs/${ORG}/actions/secrets/public-key`, { token: 'ghp_other_org' }))
        .status
    ).toBe(404)
  })

  test('org secrets: visibility is required, selected ids must be org repositories, selection pages', async () => {
    const path = `/orgs/${ORG}/actions/secrets`
    const noVisibility = await put(path, 'v')
    expect(noVisibility.status).toBe(422)
    expect(noVisibility.body).toMatchObject({ message: expect.stringContaining('"visibility"') })
    expect((await put(path, 'v', { visibility: 'internal' })).status).toBe(422)
    emulator.addRepo('someone/else')
    const foreign = await put(path, 'v', {
      visibility: 'selected',
      selected_repository_ids: [emulator.repoId('someone/else')]
    })
    expect(foreign.status).toBe(422)

    const members = Array.from({ length: 130 }, (_, i) => `${ORG}/member-${i}`)
    for (const repo of members) emulator.addRepo(repo)
    const ids = members.map(repo => emulator.repoId(repo))
    expect(
      (await put(path, 'v', { visibility: 'selected', selected_repository_ids: ids })).status
    ).toBe(201)
    const meta = await raw('GET', `${path}/DEPLOY_KEY`, { token: 'ghp_all' })
    expect(meta.body).toMatchObject({
      name: 'DEPLOY_KEY',
      visibility: 'selected',
      selected_repositories_url: expect.stringContaining(`${path}/DEPLOY_KEY/repositories`)
    })
    const first = await raw('GET', `${path}/DEPLOY_KEY/repositories?per_page=100`, {
      token: 'ghp_all'
    })
    const second = await raw('GET', `${path}/DEPLOY_KEY/repositories?per_page=100&page=2`, {
      token: 'ghp_all'
    })
    const body = (r: typeof first) =>
      r.body as { total_count: number; repositories: Array<{ id: number }> }
    expect(body(first).total_count).toBe(130)
    expect(body(first).repositories).toHaveLength(100)
    expect(first.headers.get('link')).toMatch(/page=2>; rel="next"/)
    expect([...body(first).repositories, ...body(second).repositories].map(r => r.id)).toEqual(ids)

    // A write with `selected` and no ids clears the selection, as on GitHub.
    expect((await put(path, 'w', { visibility: 'selected' })).status).toBe(204)
    expect(emulator.scopeSecret({ kind: 'org-actions', org: ORG }, 'DEPLOY_KEY')?.access).toEqual({
      visibility: 'selected',
      selectedRepositoryIds: []
    })
    // Repositories of a secret that is not `selected` cannot be listed.
    await put(path, 'w', { visibility: 'all' })
    expect((await raw('GET', `${path}/DEPLOY_KEY/repositories`, { token: 'ghp_all' })).status).toBe(
      409
    )
  })

  test('Dependabot secrets are a scope apart from Actions secrets', async () => {
    expect((await put(`/repos/${REPO}/dependabot/secrets`, 'dep')).status).toBe(201)
    expect(emulator.scopeSecret({ kind: 'dependabot', repo: REPO }, 'DEPLOY_KEY')?.value).toBe(
      'dep'
    )
    expect(emulator.secret(REPO, 'DEPLOY_KEY')).toBeUndefined()
  })
})

describe('latency and requests in flight', () => {
  test('answers after its latency, counts requests in flight from arrival, and refuses past maxConcurrent as a secondary limit', async () => {
    await emulator.close()
    emulator = await startGitHubEmulator({
      latencyMs: { min: 200, max: 200 },
      secondaryRateLimit: { pointsPerWindow: 900, windowMs: 60_000, maxConcurrent: 3 }
    })
    emulator.addRepo(REPO)
    emulator.addToken(WRITER, { repos: [REPO], secrets: 'write' })
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        raw('GET', `/repos/${REPO}/actions/secrets/public-key`, { token: WRITER })
      )
    )
    // Five at once, each held 200 ms: all five were in flight together; two were over the limit.
    expect(emulator.rateLimitReport().peakInFlight).toBe(5)
    expect(answers.map(answer => answer.status).sort()).toEqual([200, 200, 200, 403, 403])
    const refused = answers.find(answer => answer.status === 403)
    expect(refused?.body).toMatchObject({
      message: expect.stringContaining('secondary rate limit')
    })
    expect(emulator.rateLimitReport().throttled).toBe(2)
  })
})

describe('secondary rate limit', () => {
  test('refuses over the points budget with retry-after, and notices a client that does not wait', async () => {
    await emulator.close()
    emulator = await startGitHubEmulator({
      latencyMs: INSTANT,
      // A window of a minute that starts at the first request: the 15 requests below fit in it
      // however loaded the machine is. A refusal says to wait 1 s.
      secondaryRateLimit: {
        pointsPerWindow: 12,
        windowMs: 60_000,
        maxConcurrent: 100,
        retryAfterSeconds: 1
      }
    })
    emulator.addRepo(REPO)
    emulator.addToken(WRITER, { repos: [REPO], secrets: 'write' })
    const statuses: number[] = []
    for (let i = 0; i < 14; i++) {
      statuses.push(
        (await raw('GET', `/repos/${REPO}/actions/secrets/public-key`, { token: WRITER })).status
      )
    }
    expect(statuses.slice(0, 12).every(status => status === 200)).toBe(true)
    const refused = await raw('GET', `/repos/${REPO}/actions/secrets/public-key`, { token: WRITER })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(refused.body).toMatchObject({ message: expect.stringContaining('secondary rate limit') })
    // Asking again 150 ms after being told to wait is ignoring the wait.
    await new Promise(resolve => setTimeout(resolve, 150))
    await raw('GET', `/repos/${REPO}/actions/secrets/public-key`, { token: WRITER })
    const report = emulator.rateLimitReport()
    expect(report.throttled).toBeGreaterThanOrEqual(3)
    expect(report.ignoredRetryAfter).toBeGreaterThanOrEqual(1)
    expect(emulator.requests.filter(r => r.throttled).length).toBe(report.throttled)
  })

  test('Octokit with the throttling plugin waits it out and succeeds', async () => {
    await emulator.close()
    emulator = await startGitHubEmulator({
      latencyMs: INSTANT,
      secondaryRateLimit: { pointsPerWindow: 10, windowMs: 1_000, maxConcurrent: 100 }
    })
    emulator.addRepo(REPO)
    emulator.addToken(WRITER, { repos: [REPO], secrets: 'write' })
    let limited = 0
    const octokit = getOctokit(
      WRITER,
      {
        baseUrl: emulator.url,
        throttle: {
          onRateLimit: () => false,
          onSecondaryRateLimit: () => {
            limited += 1
            return true
          }
        }
      },
      retry,
      throttling
    )
    const results = await Promise.all(
      Array.from({ length: 25 }, () => octokit.rest.actions.getRepoPublicKey(parts(REPO)))
    )
    expect(results.every(result => result.status === 200)).toBe(true)
    expect(limited).toBeGreaterThan(0)
  }, 20_000)
})

describe('workflows, dispatch and runs', () => {
  const ACTOR = 'ghp_actions'
  const SMOKE = { ...parts(REPO), workflow_id: 'smoke.yml' }
  const DISPATCH_ROUTE = 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches'
  const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
  const MSG_DISABLED = "Cannot trigger a 'workflow_dispatch' on a disabled workflow"
  const MSG_NO_TRIGGER = "Workflow does not have 'workflow_dispatch' trigger"

  beforeEach(() => {
    emulator.addToken(ACTOR, {
      repos: [REPO, OTHER],
      secrets: 'none',
      permissions: { actions: 'write', contents: 'read' }
    })
    emulator.addWorkflow(REPO, 'smoke.yml')
  })

  const pause = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

  test("the action's own run attempt: in progress without a conclusion, then completed as set", async () => {
    const octokit = client(ACTOR)
    const attempt = async (runId: string) =>
      (
        await octokit.rest.actions.getWorkflowRunAttempt({
          ...parts(REPO),
          run_id: Number(runId),
          attempt_number: 1
        })
      ).data
    emulator.setRun(REPO, '5001', '1', 'in_progress')
    expect(await attempt('5001')).toMatchObject({ status: 'in_progress', conclusion: null })
    emulator.setRun(REPO, '5001', '1', 'completed', 'success')
    expect(await attempt('5001')).toMatchObject({ status: 'completed', conclusion: 'success' })
    emulator.setRun(REPO, '5002', '1', 'completed')
    expect(await attempt('5002')).toMatchObject({ status: 'completed', conclusion: 'failure' })
  })

  test("the action's own workflow: found from its run, and disabled for inactivity on a public repository", async () => {
    const octokit = client(ACTOR)
    emulator.setRun(REPO, '5003', '1', 'completed', 'success')
    const { data: run } = await octokit.rest.actions.getWorkflowRunAttempt({
      ...parts(REPO),
      run_id: 5003,
      attempt_number: 1
    })
    const workflow = async () =>
      (await octokit.rest.actions.getWorkflow({ ...parts(REPO), workflow_id: run.workflow_id }))
        .data
    expect(await workflow()).toMatchObject({
      path: '.github/workflows/rotate-aws-access-keys.yml',
      state: 'active'
    })
    emulator.setWorkflowState(REPO, 'rotate-aws-access-keys.yml', 'disabled_inactivity')
    expect((await workflow()).state).toBe('disabled_inactivity')
    // Another run of the same workflow names the same id.
    emulator.setRun(REPO, '5004', '1', 'in_progress')
    const { data: later } = await octokit.rest.actions.getWorkflowRunAttempt({
      ...parts(REPO),
      run_id: 5004,
      attempt_number: 1
    })
    expect(later.workflow_id).toBe(run.workflow_id)
  })

  /** A dispatch with any body, to send what GitHub refuses. */
  function dispatch(octokit: Octokit, body: Record<string, unknown>, workflow = 'smoke.yml') {
    return untypedRequest(octokit, DISPATCH_ROUTE, {
      ...parts(REPO),
      workflow_id: workflow,
      ...body
    })
  }

  /** Dispatches with return_run_details and returns the run's id. */
  async function dispatchRun(
    octokit: Octokit,
    ref: string,
    inputs: Record<string, string>,
    workflow = 'smoke.yml'
  ): Promise<number> {
    const { data } = await dispatch(octokit, { ref, inputs, return_run_details: true }, workflow)
    return (data as { workflow_run_id: number }).workflow_run_id
  }

  function inputsCount(count: number): Record<string, string> {
    return Object.fromEntries(Array.from({ length: count }, (_, i) => [`input_${i}`, 'x']))
  }

  test('return_run_details answers 200 with the run, which goes queued, in progress, then completed', async () => {
    emulator.setWorkflowOutcome(REPO, 'smoke.yml', {
      conclusion: 'failure',
      // Long enough that a loaded CI worker still sees each status.
      queuedMs: 1_500,
      durationMs: 1_500
    })
    const octokit = client(ACTOR)
    const started = Date.now()
    const response = await octokit.rest.actions.createWorkflowDispatch({
      ...SMOKE,
      ref: 'main',
      inputs: { rotation: 'R-1' },
      return_run_details: true
    })
    expect(response.status).toBe(200)
    const details = response.data as { workflow_run_id: number; run_url: string; html_url: string }
    const id = details.workflow_run_id
    expect(Number.isSafeInteger(id) && id > 2 ** 32).toBe(true)
    const origin = new URL(emulator.url).origin
    expect(details).toEqual({
      workflow_run_id: id,
      run_url: `${emulator.url}/repos/${REPO}/actions/runs/${id}`,
      html_url: `${origin}/${REPO}/actions/runs/${id}`
    })

    const seen: Array<{ status: string | null; conclusion: string | null }> = []
    for (;;) {
      const { data } = await octokit.rest.actions.getWorkflowRun({ ...parts(REPO), run_id: id })
      if (seen.at(-1)?.status !== data.status) {
        seen.push({ status: data.status, conclusion: data.conclusion })
      }
      if (data.status === 'completed' || Date.now() - started > 10_000) break
      await pause(50)
    }
    expect(seen).toEqual([
      { status: 'queued', conclusion: null },
      { status: 'in_progress', conclusion: null },
      { status: 'completed', conclusion: 'failure' }
    ])
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000)

    const workflow = (await octokit.rest.actions.getWorkflow(SMOKE)).data
    const run = (await octokit.rest.actions.getWorkflowRun({ ...parts(REPO), run_id: id })).data
    expect(run).toMatchObject({
      id,
      name: 'smoke',
      display_title: 'Smoke test R-1',
      run_number: 1,
      run_attempt: 1,
      event: 'workflow_dispatch',
      status: 'completed',
      conclusion: 'failure',
      head_branch: 'main',
      head_sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      path: '.github/workflows/smoke.yml',
      workflow_id: workflow.id,
      url: details.run_url,
      html_url: details.html_url,
      repository: { full_name: REPO }
    })
    expect(run.created_at).toMatch(ISO_SECONDS)
    expect(run.run_started_at).toBe(run.created_at)
    expect(Date.parse(run.updated_at)).toBeGreaterThan(Date.parse(run.created_at) - 1)
    // The URL GitHub gave is served.
    const byUrl = await fetch(details.run_url, { headers: { authorization: `token ${ACTOR}` } })
    expect(((await byUrl.json()) as { id: number }).id).toBe(id)
    // The attempt route shows its single attempt.
    const attempt = await octokit.rest.actions.getWorkflowRunAttempt({
      ...parts(REPO),
      run_id: id,
      attempt_number: 1
    })
    expect(attempt.data).toMatchObject({ id, status: 'completed', conclusion: 'failure' })
    await expect(
      octokit.rest.actions.getWorkflowRunAttempt({ ...parts(REPO), run_id: id, attempt_number: 2 })
    ).rejects.toMatchObject(rejection(404, 'Not Found'))

    expect(emulator.workflowRuns(REPO)).toEqual([
      {
        id,
        workflowFile: 'smoke.yml',
        ref: 'main',
        inputs: { rotation: 'R-1' },
        displayTitle: 'Smoke test R-1',
        status: 'completed',
        conclusion: 'failure',
        createdAt: expect.any(Number)
      }
    ])
  })

  test('without return_run_details the answer is 204 with no body; refs/heads/ names the branch too', async () => {
    emulator.setWorkflowOutcome(REPO, 'smoke.yml', { never: true })
    const octokit = client(ACTOR)
    const plain = await octokit.rest.actions.createWorkflowDispatch({
      ...SMOKE,
      ref: 'refs/heads/main',
      inputs: { rotation: 'R-2' }
    })
    expect(plain.status).toBe(204)
    // Octokit's data for an empty body; a JSON body would have been parsed.
    expect(plain.data).toBe('')
    expect(plain.headers['content-type']).toBeUndefined()
    const explicit = await octokit.rest.actions.createWorkflowDispatch({
      ...SMOKE,
      ref: 'main',
      inputs: { rotation: 'R-3' },
      return_run_details: false
    })
    expect(explicit.status).toBe(204)

    const runs = emulator.workflowRuns(REPO)
    expect(runs.map(run => [run.ref, run.inputs.rotation])).toEqual([
      ['main', 'R-2'],
      ['main', 'R-3']
    ])
    const numbers = []
    for (const run of runs) {
      const { data } = await octokit.rest.actions.getWorkflowRun({ ...parts(REPO), run_id: run.id })
      numbers.push(data.run_number)
    }
    expect(numbers).toEqual([1, 2])
    expect(runs[1]?.id).toBeGreaterThan(runs[0]?.id ?? Infinity)
    // { never: true }: past its queue time it stays in progress.
    await pause(300)
    expect(emulator.workflowRuns(REPO).map(run => [run.status, run.conclusion])).toEqual([
      ['in_progress', null],
      ['in_progress', null]
    ])
  })

  test('dispatches GitHub refuses get its 422 message, in its order, and start nothing', async () => {
    emulator.addWorkflow(REPO, 'off.yml', { state: 'disabled_manually' })
    // The branch legacy holds an older smoke.yml without the trigger.
    emulator.setFile(
      REPO,
      '.github/workflows/smoke.yml',
      'name: smoke\non: push\njobs: {}\n',
      'legacy'
    )
    emulator.addWorkflow(REPO, 'choose.yml', {
      content: [
        'on:',
        '  workflow_dispatch:',
        '    inputs:',
        '      tier: { type: choice, options: [gold, silver], default: gold }',
        'jobs: {}',
        ''
      ].join('\n')
    })
    const octokit = client(ACTOR)
    const rotation = { rotation: 'x' }
    const cases: Array<[Record<string, unknown>, string, string?]> = [
      [{ inputs: rotation }, 'Invalid request.\n\n"ref" wasn\'t supplied.'],
      [
        { ref: 'main', inputs: rotation, client_payload: {} },
        'Invalid request.\n\n"client_payload" is not a permitted key.'
      ],
      [
        { ref: 7, inputs: rotation },
        "Invalid request.\n\nFor 'properties/ref', 7 is not a string."
      ],
      [
        { ref: 'main', inputs: { rotation: 5 } },
        "Invalid request.\n\nFor 'properties/rotation', 5 is not a string."
      ],
      [
        { ref: 'main', inputs: { rotation: true } },
        "Invalid request.\n\nFor 'properties/rotation', true is not a string."
      ],
      [
        { ref: 'main', inputs: rotation, return_run_details: 'yes' },
        'Invalid request.\n\nFor \'properties/return_run_details\', "yes" is not a boolean.'
      ],
      // A missing workflow would be 404; a missing ref comes before a disabled workflow.
      [{ ref: 'nope', inputs: rotation }, 'No ref found for: nope', 'off.yml'],
      [{ ref: 'refs/heads/nope', inputs: rotation }, 'No ref found for: refs/heads/nope'],
      [{ ref: 'refs/tags/main', inputs: rotation }, 'No ref found for: refs/tags/main'],
      [{ ref: 'main', inputs: rotation }, MSG_DISABLED, 'off.yml'],
      [{ ref: 'legacy', inputs: rotation }, MSG_NO_TRIGGER],
      [
        { ref: 'main', inputs: inputsCount(26) },
        'you may only define up to 25 `inputs` for a `workflow_dispatch` event'
      ],
      [
        { ref: 'main', inputs: { rotation: 'x', extra: 'y', other: 'z' } },
        'Unexpected inputs provided: ["extra", "other"]'
      ],
      [{ ref: 'main' }, "Required input 'rotation' not provided"],
      [{ ref: 'main', inputs: {} }, "Required input 'rotation' not provided"],
      [
        { ref: 'main', inputs: { tier: 'platinum' } },
        "Provided value 'platinum' for input 'tier' not in the list of allowed values",
        'choose.yml'
      ]
    ]
    for (const [body, message, workflow] of cases) {
      await expect(dispatch(octokit, body, workflow)).rejects.toMatchObject(rejection(422, message))
    }
    expect(emulator.workflowRuns(REPO)).toEqual([])
    expect(emulator.requests.filter(request => request.route === 'dispatch-workflow')).toHaveLength(
      cases.length
    )

    // On main the same workflow has the trigger; up to 25 inputs are not too many.
    expect((await dispatch(octokit, { ref: 'main', inputs: rotation })).status).toBe(204)
    expect((await dispatch(octokit, { ref: 'main', inputs: {} }, 'choose.yml')).status).toBe(204)
    await expect(
      dispatch(octokit, { ref: 'main', inputs: { ...inputsCount(24), rotation: 'x' } })
    ).rejects.toMatchObject(rejection(422, expect.stringMatching(/^Unexpected inputs provided/)))
    expect(emulator.workflowRuns(REPO).map(run => run.inputs)).toEqual([rotation, { tier: 'gold' }])
  })

  test.each([
    ['workflow_dispatch', true],
    ['[push, workflow_dispatch]', true],
    ['{ push: { branches: [main] }, workflow_dispatch: null }', true],
    ['push', false],
    ['[push, pull_request]', false],
    ['{ push: { branches: [main] } }', false]
  ])('on: %s is dispatchable: %s', async (on, dispatchable) => {
    emulator.addWorkflow(REPO, 'forms.yml', { content: `name: forms\non: ${on}\njobs: {}\n` })
    const attempt = dispatch(client(ACTOR), { ref: 'main' }, 'forms.yml')
    if (dispatchable) expect((await attempt).status).toBe(204)
    else await expect(attempt).rejects.toMatchObject(rejection(422, MSG_NO_TRIGGER))
    expect(emulator.workflowRuns(REPO)).toHaveLength(dispatchable ? 1 : 0)
  })

  test('a missing workflow or run is 404 on every route; a workflow is found by file or id', async () => {
    emulator.addWorkflow(OTHER, 'elsewhere.yml')
    const octokit = client(ACTOR)
    const notFound = rejection(404, 'Not Found')
    for (const workflow_id of ['absent.yml', 'elsewhere.yml', 'smoke']) {
      const absent = { ...parts(REPO), workflow_id }
      await expect(octokit.rest.actions.getWorkflow(absent)).rejects.toMatchObject(notFound)
      await expect(octokit.rest.actions.enableWorkflow(absent)).rejects.toMatchObject(notFound)
      await expect(
        octokit.rest.actions.createWorkflowDispatch({ ...absent, ref: 'main' })
      ).rejects.toMatchObject(notFound)
      await expect(octokit.rest.actions.listWorkflowRuns(absent)).rejects.toMatchObject(notFound)
    }
    await expect(
      octokit.rest.actions.getWorkflowRun({ ...parts(REPO), run_id: 12345 })
    ).rejects.toMatchObject(notFound)
    // A missing workflow is found out before the body is read.
    await expect(dispatch(octokit, {}, 'absent.yml')).rejects.toMatchObject(notFound)

    const { data } = await octokit.rest.actions.getWorkflow(SMOKE)
    expect(data).toEqual({
      id: expect.any(Number),
      node_id: expect.any(String),
      name: 'smoke',
      path: '.github/workflows/smoke.yml',
      state: 'active',
      created_at: expect.stringMatching(ISO_SECONDS),
      updated_at: expect.stringMatching(ISO_SECONDS),
      url: `${emulator.url}/repos/${REPO}/actions/workflows/${data.id}`,
      html_url: `${new URL(emulator.url).origin}/${REPO}/blob/main/.github/workflows/smoke.yml`,
      badge_url: expect.stringContaining(`/${REPO}/workflows/smoke/badge.svg`)
    })
    const byId = await octokit.rest.actions.getWorkflow({ ...parts(REPO), workflow_id: data.id })
    expect(byId.data).toEqual(data)
    // Another repository's workflow id is not this repository's.
    const elsewhere = await octokit.rest.actions.getWorkflow({
      ...parts(OTHER),
      workflow_id: 'elsewhere.yml'
    })
    await expect(
      octokit.rest.actions.getWorkflow({ ...parts(REPO), workflow_id: elsewhere.data.id })
    ).rejects.toMatchObject(notFound)
    expect(
      (await dispatch(octokit, { ref: 'main', inputs: { rotation: 'x' } }, String(data.id))).status
    ).toBe(204)
    expect(emulator.workflowRuns(REPO).map(run => run.workflowFile)).toEqual(['smoke.yml'])
  })

  test('dispatch and enable need Actions write; files need Contents read', async () => {
    emulator.addToken('ghp_actions_read', { repos: [REPO], secrets: 'none', actions: 'read' })
    emulator.addToken('ghs_app', {
      repos: [REPO],
      secrets: 'none',
      kind: 'app',
      permissions: { actions: 'write' }
    })
    emulator.addToken('ghs_workflow', { repos: [REPO], secrets: 'none', kind: 'github-token' })
    const pat = 'Resource not accessible by personal access token'
    const integration = 'Resource not accessible by integration'
    const needs = (message: string, permission: string) => ({
      ...rejection(403, message),
      response: { headers: { 'x-accepted-github-permissions': permission } }
    })
    const file = { ...parts(REPO), path: '.github/workflows/smoke.yml' }
    const body = { ...SMOKE, ref: 'main', inputs: { rotation: 'x' } }

    const reader = client('ghp_actions_read')
    expect((await reader.rest.actions.getWorkflow(SMOKE)).status).toBe(200)
    expect((await reader.rest.actions.listWorkflowRuns(SMOKE)).status).toBe(200)
    await expect(reader.rest.actions.createWorkflowDispatch(body)).rejects.toMatchObject(
      needs(pat, 'actions=write')
    )
    await expect(reader.rest.actions.enableWorkflow(SMOKE)).rejects.toMatchObject(
      needs(pat, 'actions=write')
    )
    await expect(reader.rest.repos.getContent(file)).rejects.toMatchObject(
      needs(pat, 'contents=read')
    )

    const app = client('ghs_app')
    await expect(app.rest.repos.getContent(file)).rejects.toMatchObject(
      needs(integration, 'contents=read')
    )
    expect((await app.rest.actions.createWorkflowDispatch(body)).status).toBe(204)

    // The workflow's GITHUB_TOKEN reads code and runs, and dispatches nothing.
    const workflow = client('ghs_workflow')
    expect((await workflow.rest.repos.getContent(file)).status).toBe(200)
    expect((await workflow.rest.actions.getWorkflow(SMOKE)).status).toBe(200)
    await expect(workflow.rest.actions.createWorkflowDispatch(body)).rejects.toMatchObject(
      needs(integration, 'actions=write')
    )
    expect(emulator.workflowRuns(REPO)).toHaveLength(1)
  })

  test('enable makes a disabled workflow active and dispatchable', async () => {
    emulator.addWorkflow(REPO, 'off.yml', { state: 'disabled_manually' })
    const octokit = client(ACTOR)
    const off = { ...parts(REPO), workflow_id: 'off.yml' }
    const before = (await octokit.rest.actions.getWorkflow(off)).data
    expect(before.state).toBe('disabled_manually')
    const body = { ref: 'main', inputs: { rotation: 'x' } }
    await expect(dispatch(octokit, body, 'off.yml')).rejects.toMatchObject(
      rejection(422, MSG_DISABLED)
    )

    const enabled = await octokit.rest.actions.enableWorkflow(off)
    expect(enabled.status).toBe(204)
    expect(enabled.data).toBe('')
    expect((await octokit.rest.actions.getWorkflow(off)).data.state).toBe('active')
    // Enabling an active workflow is a no-op, still 204.
    expect((await octokit.rest.actions.enableWorkflow(off)).status).toBe(204)
    expect((await dispatch(octokit, body, 'off.yml')).status).toBe(204)
    expect(emulator.workflowRuns(REPO).map(run => run.workflowFile)).toEqual(['off.yml'])
  })

  test('contents: base64 in 60-character lines that decode to the file, per ref; 404 for a missing file or ref', async () => {
    const text = 'key: "värde 🔑"\n'.repeat(12)
    emulator.setFile(REPO, 'config/app.yml', text)
    emulator.setFile(REPO, 'hello.txt', 'hello\n')
    emulator.setFile(REPO, 'config/app.yml', 'key: feature\n', 'feature')
    const octokit = client(ACTOR)
    const read = async (path: string, ref?: string) => {
      const { data } = await octokit.rest.repos.getContent({
        ...parts(REPO),
        path,
        ...(ref === undefined ? {} : { ref })
      })
      return data as {
        type: string
        encoding: string
        size: number
        name: string
        path: string
        sha: string
        content: string
      }
    }

    const file = await read('config/app.yml')
    expect(file).toMatchObject({
      type: 'file',
      encoding: 'base64',
      size: Buffer.byteLength(text),
      name: 'app.yml',
      path: 'config/app.yml'
    })
    const lines = file.content.split('\n')
    expect(lines.length).toBeGreaterThan(4)
    expect(lines.slice(0, -2).every(line => line.length === 60)).toBe(true)
    expect(lines.at(-2)?.length).toBeLessThanOrEqual(60)
    expect(lines.at(-1)).toBe('')
    expect(Buffer.from(file.content, 'base64').toString('utf8')).toBe(text)
    // git's object id of the blob "hello\n".
    expect((await read('hello.txt')).sha).toBe('ce013625030ba8dba906f756967f9e9ca394464a')

    const decoded = async (path: string, ref?: string) =>
      Buffer.from((await read(path, ref)).content, 'base64').toString('utf8')
    expect(await decoded('config/app.yml', 'feature')).toBe('key: feature\n')
    expect(await decoded('config/app.yml', 'refs/heads/feature')).toBe('key: feature\n')
    expect(await decoded('config/app.yml', 'main')).toBe(text)
    // A new branch starts from main: the workflow file is there too.
    const workflow = await decoded('.github/workflows/smoke.yml', 'feature')
    expect(workflow).toContain('workflow_dispatch')
    expect(workflow).toContain('run-name: "Smoke test ${{ inputs.rotation }}"')

    await expect(read('config/absent.yml')).rejects.toMatchObject(rejection(404, 'Not Found'))
    await expect(read('hello.txt', 'nope')).rejects.toMatchObject(
      rejection(404, 'No commit found for the ref nope')
    )

    const listing = async (path: string) =>
      ((await read(path)) as unknown as Array<{ type: string; path: string }>).map(entry => [
        entry.type,
        entry.path
      ])
    expect(await listing('.github/workflows')).toEqual([['file', '.github/workflows/smoke.yml']])
    expect(await listing('')).toEqual([
      ['dir', '.github'],
      ['dir', 'config'],
      ['file', 'hello.txt']
    ])
  })

  test('display_title is the run-name with inputs filled in, else the workflow name', async () => {
    emulator.addWorkflow(REPO, 'titled.yml', {
      content: [
        'name: Titled',
        'run-name: "Rotate ${{inputs.rotation}} by ${{ github.event.inputs.actor }}${{ inputs.note }}"',
        'on:',
        '  workflow_dispatch:',
        '    inputs:',
        '      rotation: { required: true, type: string }',
        '      actor: { type: string, default: bot }',
        '      note: { type: string }',
        'jobs: {}',
        ''
      ].join('\n')
    })
    emulator.addWorkflow(REPO, 'plain.yml', {
      content: 'name: Plain\non: workflow_dispatch\njobs: {}\n'
    })
    emulator.addWorkflow(REPO, 'nameless.yml', { content: 'on: workflow_dispatch\njobs: {}\n' })
    const octokit = client(ACTOR)
    const runOf = async (id: number) =>
      (await octokit.rest.actions.getWorkflowRun({ ...parts(REPO), run_id: id })).data

    const defaulted = await runOf(
      await dispatchRun(octokit, 'main', { rotation: 'R-7' }, 'titled.yml')
    )
    expect([defaulted.display_title, defaulted.name]).toEqual(['Rotate R-7 by bot', 'Titled'])
    const given = await runOf(
      await dispatchRun(
        octokit,
        'main',
        { rotation: 'R-8', actor: 'alice', note: ' (retry)' },
        'titled.yml'
      )
    )
    expect(given.display_title).toBe('Rotate R-8 by alice (retry)')
    expect((await runOf(await dispatchRun(octokit, 'main', {}, 'plain.yml'))).display_title).toBe(
      'Plain'
    )
    const nameless = await runOf(await dispatchRun(octokit, 'main', {}, 'nameless.yml'))
    expect([nameless.display_title, nameless.name]).toEqual([
      '.github/workflows/nameless.yml',
      '.github/workflows/nameless.yml'
    ])
    expect(emulator.workflowRuns(REPO)[0]?.inputs).toEqual({ rotation: 'R-7', actor: 'bot' })
  })

  test('GitHub Enterprise Server mode: return_run_details is not a permitted key, 10 inputs at most, and lists lag', async () => {
    await emulator.close()
    emulator = await startGitHubEmulator({
      latencyMs: INSTANT,
      basePath: '/api/v3',
      dispatchRunDetails: false,
      runListDelayMs: 2_000
    })
    emulator.addRepo(REPO)
    emulator.addToken(ACTOR, { repos: [REPO], secrets: 'none', permissions: { actions: 'write' } })
    emulator.addWorkflow(REPO, 'smoke.yml')
    const octokit = client(ACTOR)
    const rotation = { rotation: 'R-9' }
    for (const flag of [true, false]) {
      await expect(
        dispatch(octokit, { ref: 'main', inputs: rotation, return_run_details: flag })
      ).rejects.toMatchObject(
        rejection(422, 'Invalid request.\n\n"return_run_details" is not a permitted key.')
      )
    }
    await expect(dispatch(octokit, { ref: 'main', inputs: inputsCount(11) })).rejects.toMatchObject(
      rejection(422, 'you may only define up to 10 `inputs` for a `workflow_dispatch` event')
    )

    const dispatchedAt = Date.now()
    expect((await dispatch(octokit, { ref: 'main', inputs: rotation })).status).toBe(204)
    const [run] = emulator.workflowRuns(REPO)
    const id = run?.id ?? 0
    // The run exists at once; the list shows it only later.
    const { data } = await octokit.rest.actions.getWorkflowRun({ ...parts(REPO), run_id: id })
    expect(data.url).toBe(`${emulator.url}/repos/${REPO}/actions/runs/${id}`)
    const list = () =>
      octokit.rest.actions.listWorkflowRuns({ ...SMOKE, event: 'workflow_dispatch' })
    expect((await list()).data).toEqual({ total_count: 0, workflow_runs: [] })
    let listed = await list()
    while (listed.data.total_count === 0 && Date.now() - dispatchedAt < 6_000) {
      await pause(25)
      listed = await list()
    }
    expect(Date.now() - dispatchedAt).toBeGreaterThanOrEqual(2_000)
    expect(listed.data.workflow_runs.map(entry => entry.id)).toEqual([id])
  })

  test('runs list newest first, filtered by event, branch, status and created, in pages', async () => {
    emulator.addBranch(REPO, 'feature')
    emulator.addWorkflow(REPO, 'other.yml')
    const octokit = client(ACTOR)
    const first = await dispatchRun(octokit, 'main', { rotation: 'A' })
    emulator.setWorkflowOutcome(REPO, 'smoke.yml', { never: true })
    // created_at has whole seconds: the second run starts in a later second.
    await pause(1_000 - (Date.now() % 1_000) + 10)
    const second = await dispatchRun(octokit, 'feature', { rotation: 'B' })
    await dispatchRun(octokit, 'main', { rotation: 'C' }, 'other.yml')
    const runOf = async (id: number) =>
      (await octokit.rest.actions.getWorkflowRun({ ...parts(REPO), run_id: id })).data
    while (
      (await runOf(first)).status !== 'completed' ||
      (await runOf(second)).status !== 'in_progress'
    ) {
      await pause(20)
    }

    const ids = async (query: Record<string, string | number>) =>
      (await octokit.rest.actions.listWorkflowRuns({ ...SMOKE, ...query })).data.workflow_runs.map(
        run => run.id
      )
    expect(await ids({})).toEqual([second, first])
    expect(await ids({ event: 'push' })).toEqual([])
    expect(await ids({ event: 'workflow_dispatch' })).toEqual([second, first])
    expect(await ids({ branch: 'feature' })).toEqual([second])
    expect(await ids({ status: 'success' })).toEqual([first])
    expect(await ids({ status: 'completed' })).toEqual([first])
    expect(await ids({ status: 'in_progress' })).toEqual([second])

    const firstAt = (await runOf(first)).created_at
    const secondAt = (await runOf(second)).created_at
    expect(await ids({ created: `>=${secondAt}` })).toEqual([second])
    expect(await ids({ created: `>${firstAt}` })).toEqual([second])
    expect(await ids({ created: `>=${firstAt}` })).toEqual([second, first])
    expect(await ids({ created: `>${secondAt}` })).toEqual([])
    expect(await ids({ created: `<${secondAt}` })).toEqual([first])
    expect(await ids({ created: `${firstAt}..${firstAt}` })).toEqual([first])

    const page = await octokit.rest.actions.listWorkflowRuns({
      ...SMOKE,
      event: 'workflow_dispatch',
      per_page: 1
    })
    expect(page.data.total_count).toBe(2)
    expect(page.data.workflow_runs.map(run => run.id)).toEqual([second])
    expect(page.headers.link).toMatch(/event=workflow_dispatch&per_page=1&page=2>; rel="next"/)
    expect(await ids({ event: 'workflow_dispatch', per_page: 1, page: 2 })).toEqual([first])
  })
})

describe("GitHub's OpenAPI description", () => {
  const ORG = 'octo-org'
  const ALL = 'ghp_all'
  const HEADERS = { 'x-github-api-version': API_VERSION, 'content-type': 'application/json' }

  /** A request as the action sends it (with the API version), to any emulator. */
  async function call(
    target: GitHubEmulator,
    method: string,
    path: string,
    body?: unknown
  ): Promise<{ status: number; body: unknown }> {
    const init: RequestInit = { method, headers: { ...HEADERS, authorization: `token ${ALL}` } }
    if (body !== undefined) init.body = JSON.stringify(body)
    const response = await fetch(`${target.url}${path}`, init)
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : undefined }
  }

  /** A world with every kind of scope the action writes, a workflow, and the action's own run. */
  function populate(target: GitHubEmulator): void {
    if (!target.hasRepo(REPO)) target.addRepo(REPO)
    target.addOrg(ORG)
    target.addEnvironment(REPO, 'production')
    target.addWorkflow(REPO, 'smoke.yml')
    target.setRun(REPO, '1001', '1', 'in_progress')
    target.addToken(ALL, {
      repos: '*',
      secrets: 'write',
      permissions: { actions: 'write', contents: 'read', ...SECRET_WRITE_PERMISSIONS }
    })
  }

  /** Reads, writes (created, then updated) and lists secrets of a scope, as the action does. */
  async function exerciseScope(target: GitHubEmulator, prefix: string): Promise<void> {
    const key = (await call(target, 'GET', `${prefix}/secrets/public-key`)).body as {
      key_id: string
      key: string
    }
    const org = prefix.startsWith('/orgs/')
    const access = org
      ? { visibility: 'selected', selected_repository_ids: [target.repoId(REPO)] }
      : {}
    for (const status of [201, 204]) {
      const body = { encrypted_value: seal('v', key.key), key_id: key.key_id, ...access }
      expect((await call(target, 'PUT', `${prefix}/secrets/DEPLOY_KEY`, body)).status).toBe(status)
    }
    expect((await call(target, 'GET', `${prefix}/secrets/DEPLOY_KEY`)).status).toBe(200)
    expect((await call(target, 'GET', `${prefix}/secrets?per_page=100`)).status).toBe(200)
    if (org) {
      const listed = await call(target, 'GET', `${prefix}/secrets/DEPLOY_KEY/repositories`)
      expect(listed.status).toBe(200)
    }
    expect((await call(target, 'GET', `${prefix}/secrets/ABSENT`)).status).toBe(404)
  }

  /** The repository, workflow, dispatch, run and contents routes. */
  async function exerciseRepository(target: GitHubEmulator, runDetails: boolean): Promise<void> {
    const repo = `/repos/${REPO}`
    expect((await call(target, 'GET', repo)).status).toBe(200)
    expect((await call(target, 'GET', `${repo}/environments/production`)).status).toBe(200)
    expect((await call(target, 'GET', `${repo}/actions/runs/1001/attempts/1`)).status).toBe(200)
    const workflow = `${repo}/actions/workflows/smoke.yml`
    expect((await call(target, 'GET', workflow)).status).toBe(200)
    expect((await call(target, 'PUT', `${workflow}/enable`)).status).toBe(204)
    const dispatch = { ref: 'main', inputs: { rotation: 'R-1' } }
    const dispatched = await call(target, 'POST', `${workflow}/dispatches`, {
      ...dispatch,
      ...(runDetails ? { return_run_details: true } : {})
    })
    expect(dispatched.status).toBe(runDetails ? 200 : 204)
    const [run] = target.workflowRuns(REPO)
    expect((await call(target, 'GET', `${repo}/actions/runs/${run?.id}`)).status).toBe(200)
    expect((await call(target, 'GET', `${repo}/actions/runs/${run?.id}/attempts/1`)).status).toBe(
      200
    )
    const runs = await call(
      target,
      'GET',
      `${workflow}/runs?event=workflow_dispatch&created=%3E%3D2020-01-01T00:00:00Z&per_page=100`
    )
    expect(runs.body).toMatchObject({ total_count: 1 })
    for (const path of ['.github/workflows/smoke.yml', '.github/workflows']) {
      expect((await call(target, 'GET', `${repo}/contents/${path}?ref=main`)).status).toBe(200)
    }
  }

  test('every route answers api.github.com-shaped: repositories, runs, environments, all scopes', async () => {
    populate(emulator)
    await exerciseRepository(emulator, true)
    for (const prefix of ['actions', 'environments/production', 'dependabot', 'codespaces']) {
      await exerciseScope(emulator, `/repos/${REPO}/${prefix}`)
    }
    for (const prefix of ['actions', 'dependabot', 'codespaces']) {
      await exerciseScope(emulator, `/orgs/${ORG}/${prefix}`)
    }
    expect(emulator.openapiProblems()).toEqual([])
  })

  test('under a base path the newest GHES description holds; Codespaces secrets are 404 there', async () => {
    // No dispatchRunDetails: under a base path it defaults to GHES's refusal.
    const ghes = await startGitHubEmulator({ latencyMs: INSTANT, basePath: '/api/v3' })
    try {
      populate(ghes)
      await exerciseRepository(ghes, false)
      for (const prefix of ['actions', 'environments/production', 'dependabot']) {
        await exerciseScope(ghes, `/repos/${REPO}/${prefix}`)
      }
      for (const prefix of ['actions', 'dependabot']) {
        await exerciseScope(ghes, `/orgs/${ORG}/${prefix}`)
      }
      expect(ghes.openapiProblems()).toEqual([])
      const codespaces = await call(ghes, 'GET', `/orgs/${ORG}/codespaces/secrets/public-key`)
      expect(codespaces.status).toBe(404)
      const ghesName = descriptionFile('ghes').replace(/\.json$/, '')
      expect(ghes.openapiProblems()).toEqual([
        `GitHub has no operation GET /orgs/${ORG}/codespaces/secrets/public-key in ${ghesName}`
      ])
    } finally {
      await ghes.close()
    }
  })

  test('requests GitHub would refuse are named, each once', async () => {
    populate(emulator)
    const put = `/repos/${REPO}/actions/secrets/DEPLOY_KEY`
    // Octokit's own client sends no API version.
    await writeSecret(client(ALL), 'DEPLOY_KEY', 'v')
    for (let i = 0; i < 2; i++) await call(emulator, 'PUT', put, { encrypted_value: 'c2VjcmV0' })
    await call(emulator, 'GET', `/repos/${REPO}/secrets`)
    expect(emulator.openapiProblems()).toEqual([
      `GET /repos/${REPO}/actions/secrets/public-key: no X-GitHub-Api-Version header (send ${API_VERSION})`,
      `PUT ${put}: no X-GitHub-Api-Version header (send ${API_VERSION})`,
      "PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}: request body: must have required property 'key_id'",
      `GitHub has no operation GET /repos/${REPO}/secrets in api.github.com`
    ])
  })

  test('openapi: false records nothing', async () => {
    const unchecked = await startGitHubEmulator({ latencyMs: INSTANT, openapi: false })
    try {
      populate(unchecked)
      await call(unchecked, 'GET', `/repos/${REPO}/secrets`)
      expect(unchecked.openapiProblems()).toEqual([])
    } finally {
      await unchecked.close()
    }
  })
})
