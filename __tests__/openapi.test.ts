/**
 * The OpenAPI check the GitHub emulator runs on every exchange: it must pass what GitHub's own
 * description allows and name what it does not.
 */
import {
  API_VERSION,
  descriptionFile,
  findOperation,
  validateExchange
} from './emulators/openapi.js'
import type { Description, Exchange } from './emulators/openapi.js'

const HEADERS = { 'x-github-api-version': API_VERSION }
const KEY = { key_id: '568250167242549743', key: 'hBT5WZEj8ZoOv6TYJsfWq7MxTEQopZO5/IT3ZCVQPzs=' }
const SEALED = 'c2VjcmV0c2VjcmV0c2VjcmV0'
const DISPATCH = '/repos/octo-org/deploy/actions/workflows/smoke.yml/dispatches'
const RUN_DETAILS = {
  workflow_run_id: 42,
  run_url: 'https://api.github.com/repos/octo-org/deploy/actions/runs/42',
  html_url: 'https://github.com/octo-org/deploy/actions/runs/42'
}

function exchange(partial: Partial<Exchange> & Pick<Exchange, 'method' | 'path'>): Exchange {
  return {
    query: {},
    requestHeaders: HEADERS,
    requestBody: undefined,
    status: 200,
    responseBody: undefined,
    ...partial
  }
}

const check = (description: Description, partial: Parameters<typeof exchange>[0]): string[] =>
  validateExchange(description, exchange(partial))

describe('validateExchange on api.github.com', () => {
  test('a repository secret write is valid, created (201, {}) or updated (204, no body)', () => {
    const put = {
      method: 'PUT',
      path: '/repos/octo-org/deploy/actions/secrets/AWS_SECRET_ACCESS_KEY',
      requestBody: { encrypted_value: SEALED, key_id: KEY.key_id }
    }
    expect(check('api.github.com', { ...put, status: 201, responseBody: {} })).toEqual([])
    expect(check('api.github.com', { ...put, status: 204 })).toEqual([])
  })

  test('a public key read is valid', () => {
    const path = '/repos/octo-org/deploy/actions/secrets/public-key'
    expect(check('api.github.com', { method: 'GET', path, responseBody: KEY })).toEqual([])
    // The literal segment wins over {secret_name}, as on GitHub.
    expect(findOperation('api.github.com', 'GET', path)?.operationId).toBe(
      'actions/get-repo-public-key'
    )
  })

  test('a request body GitHub refuses is named', () => {
    const path = '/repos/octo-org/deploy/actions/secrets/AWS_ACCESS_KEY_ID'
    const missing = check('api.github.com', {
      method: 'PUT',
      path,
      requestBody: { encrypted_value: SEALED },
      status: 201,
      responseBody: {}
    })
    expect(missing).toEqual([
      "PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}: request body: must have required property 'key_id'"
    ])
    const wrongType = check('api.github.com', {
      method: 'PUT',
      path,
      requestBody: { encrypted_value: SEALED, key_id: 568250167 },
      status: 204
    })
    expect(wrongType).toEqual([
      'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}: request body/key_id: must be string'
    ])
    const notBase64 = check('api.github.com', {
      method: 'PUT',
      path,
      requestBody: { encrypted_value: 'c2VjcmV0-_', key_id: KEY.key_id },
      status: 204
    })
    expect(notBase64.join('\n')).toContain('request body/encrypted_value: must match pattern')
  })

  test('a missing or undeclared body is named', () => {
    const path = '/repos/octo-org/deploy/actions/secrets/AWS_ACCESS_KEY_ID'
    expect(check('api.github.com', { method: 'PUT', path, status: 204 })).toEqual([
      'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}: the request body is required'
    ])
    const enable = '/repos/octo-org/deploy/actions/workflows/smoke.yml/enable'
    expect(check('api.github.com', { method: 'PUT', path: enable, status: 204 })).toEqual([])
    expect(
      check('api.github.com', { method: 'PUT', path: enable, requestBody: { x: 1 }, status: 204 })
    ).toEqual([
      'PUT /repos/{owner}/{repo}/actions/workflows/{workflow_id}/enable: sends a body, but the operation takes none'
    ])
  })

  test('a response missing a required field is named', () => {
    const problems = check('api.github.com', {
      method: 'GET',
      path: '/repos/octo-org/deploy/actions/secrets/public-key',
      responseBody: { key_id: KEY.key_id }
    })
    expect(problems).toEqual([
      "GET /repos/{owner}/{repo}/actions/secrets/public-key: 200 response body: must have required property 'key'"
    ])
  })

  test('missing properties of one object are named on one line', () => {
    const problems = check('api.github.com', {
      method: 'GET',
      path: '/repos/octo-org/deploy/environments/production',
      responseBody: { id: 1, name: 'production' }
    })
    expect(problems).toEqual([
      "GET /repos/{owner}/{repo}/environments/{environment_name}: 200 response body: must have required properties 'node_id', 'url', 'html_url', 'created_at', 'updated_at'"
    ])
  })

  test('response bodies must match the declared status: 201 {} and 204 nothing', () => {
    const put = {
      method: 'PUT',
      path: '/repos/octo-org/deploy/actions/secrets/TOKEN',
      requestBody: { encrypted_value: SEALED, key_id: KEY.key_id }
    }
    expect(check('api.github.com', { ...put, status: 201 })).toEqual([
      'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}: GitHub answers 201 with a application/json body, the emulator sent none'
    ])
    expect(check('api.github.com', { ...put, status: 204, responseBody: {} })).toEqual([
      'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}: GitHub answers 204 with no body, the emulator sent one'
    ])
    expect(
      check('api.github.com', { ...put, status: 201, responseBody: { name: 'TOKEN' } })
    ).toEqual([
      'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}: 201 response body: must NOT have additional properties ("name")'
    ])
  })

  test('statuses: undeclared ones are named, the generic ones are allowed with an error body', () => {
    const put = {
      method: 'PUT',
      path: '/repos/octo-org/deploy/actions/secrets/TOKEN',
      requestBody: { encrypted_value: SEALED, key_id: KEY.key_id }
    }
    expect(check('api.github.com', { ...put, status: 200, responseBody: {} })).toEqual([
      'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}: GitHub does not answer this operation with 200 (it declares 201, 204)'
    ])
    expect(
      check('api.github.com', { ...put, status: 409, responseBody: { message: 'Conflict' } })
    ).toEqual([
      'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}: GitHub does not answer this operation with 409 (it declares 201, 204)'
    ])
    // GitHub answers a secret sealed for another key with 422, undeclared (the docs' "Invalid
    // request" and "Validation Failed" apply to every endpoint).
    const badSeal = {
      message: 'Bad request - validation failed due to an improperly encrypted secret',
      documentation_url: 'https://docs.github.com/rest/actions/secrets',
      status: '422'
    }
    expect(check('api.github.com', { ...put, status: 422, responseBody: badSeal })).toEqual([])
    const error = {
      message: 'You have exceeded a secondary rate limit.',
      documentation_url:
        'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api'
    }
    for (const status of [400, 401, 403, 404, 422, 429, 500, 502, 503, 504]) {
      expect(check('api.github.com', { ...put, status, responseBody: error })).toEqual([])
    }
    expect(check('api.github.com', { ...put, status: 403, responseBody: { message: 7 } })).toEqual([
      'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}: 403 response body/message: must be string'
    ])
  })

  test('an unknown route or method is named', () => {
    expect(
      check('api.github.com', { method: 'GET', path: '/repos/octo-org/deploy/secrets' })
    ).toEqual(['GitHub has no operation GET /repos/octo-org/deploy/secrets in api.github.com'])
    expect(
      check('api.github.com', {
        method: 'POST',
        path: '/repos/octo-org/deploy/actions/secrets/TOKEN',
        status: 201
      })
    ).toEqual([
      'GitHub has no operation POST /repos/octo-org/deploy/actions/secrets/TOKEN in api.github.com (that path takes GET, PUT, DELETE)'
    ])
  })

  test('the API version header must be 2022-11-28', () => {
    const base = {
      method: 'GET',
      path: '/repos/octo-org/deploy/actions/secrets/public-key',
      responseBody: KEY
    }
    expect(check('api.github.com', { ...base, requestHeaders: {} })).toEqual([
      'GET /repos/octo-org/deploy/actions/secrets/public-key: no X-GitHub-Api-Version header (send 2022-11-28)'
    ])
    expect(
      check('api.github.com', { ...base, requestHeaders: { 'X-GitHub-Api-Version': '2026-03-10' } })
    ).toEqual([
      'GET /repos/octo-org/deploy/actions/secrets/public-key: X-GitHub-Api-Version is "2026-03-10", not 2022-11-28'
    ])
  })

  test('path and query parameters are checked against their schemas', () => {
    const runs = '/repos/octo-org/deploy/actions/workflows/smoke.yml/runs'
    const listing = { total_count: 0, workflow_runs: [] }
    // `created` takes GitHub's search syntax although its schema says date-time.
    const query = { event: 'workflow_dispatch', created: '>=2026-01-02T03:04:05Z', per_page: '100' }
    expect(
      check('api.github.com', { method: 'GET', path: runs, query, responseBody: listing })
    ).toEqual([])
    const range = { created: '2026-01-01..2026-01-31' }
    expect(
      check('api.github.com', { method: 'GET', path: runs, query: range, responseBody: listing })
    ).toEqual([])
    const bad = { status: 'done', per_page: 'many', created: 'yesterday' }
    const problems = check('api.github.com', {
      method: 'GET',
      path: runs,
      query: bad,
      responseBody: listing
    })
    expect(problems).toHaveLength(3)
    expect(problems[0]).toMatch(/query parameter "status"="done": must be equal to one of/)
    expect(problems[1]).toMatch(/query parameter "per_page"="many": must be integer/)
    expect(problems[2]).toMatch(
      /query parameter "created"="yesterday": must match format "date-time"/
    )
    // workflow_id is an integer or a file name; run_id must be an integer.
    const byId = '/repos/octo-org/deploy/actions/workflows/161335/runs'
    expect(check('api.github.com', { method: 'GET', path: byId, responseBody: listing })).toEqual(
      []
    )
    expect(
      check('api.github.com', {
        method: 'GET',
        path: '/repos/octo-org/deploy/actions/runs/latest',
        responseBody: {}
      }).join('\n')
    ).toContain('path parameter "run_id"="latest": must be integer')
  })

  test('a file path matches /contents/{path} encoded or not', () => {
    for (const path of [
      '/repos/octo-org/deploy/contents/.github%2Fworkflows%2Fsmoke.yml',
      '/repos/octo-org/deploy/contents/.github/workflows/smoke.yml'
    ]) {
      expect(findOperation('api.github.com', 'GET', path)).toMatchObject({
        template: '/repos/{owner}/{repo}/contents/{path}',
        params: { owner: 'octo-org', repo: 'deploy', path: '.github/workflows/smoke.yml' }
      })
    }
  })

  test('a dispatch may ask for the run details and gets them', () => {
    const body = { ref: 'main', inputs: { reason: 'rotation' }, return_run_details: true }
    expect(
      check('api.github.com', {
        method: 'POST',
        path: DISPATCH,
        requestBody: body,
        status: 200,
        responseBody: RUN_DETAILS
      })
    ).toEqual([])
    const { ref, inputs } = body
    expect(
      check('api.github.com', {
        method: 'POST',
        path: DISPATCH,
        requestBody: { ref, inputs },
        status: 204
      })
    ).toEqual([])
  })
})

describe('validateExchange on the newest GitHub Enterprise Server', () => {
  test('the newest ghes-3.x description in @octokit/openapi is used', () => {
    const file = descriptionFile('ghes')
    expect(file).toMatch(/^ghes-3\.\d+\.json$/)
    expect(Number(/^ghes-3\.(\d+)/.exec(file)?.[1])).toBeGreaterThanOrEqual(19)
  })

  test('Codespaces secrets exist on api.github.com only', () => {
    const path = '/repos/octo-org/deploy/codespaces/secrets/public-key'
    expect(check('api.github.com', { method: 'GET', path, responseBody: KEY })).toEqual([])
    expect(check('ghes', { method: 'GET', path, responseBody: KEY })).toEqual([
      `GitHub has no operation GET ${path} in ${descriptionFile('ghes').replace('.json', '')}`
    ])
    expect(findOperation('ghes', 'PUT', '/orgs/octo-org/codespaces/secrets/TOKEN')).toBeUndefined()
  })

  test('a dispatch with return_run_details is refused; without it, 204 as before', () => {
    const body = { ref: 'main', inputs: {}, return_run_details: true }
    const undeclared =
      'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches: request body: "return_run_details" is not a property GitHub declares'
    expect(
      check('ghes', { method: 'POST', path: DISPATCH, requestBody: body, status: 204 })
    ).toEqual([undeclared])
    // GHES's own answer to it: the 422 is generic, the request is still named.
    const refusal = {
      message: 'Invalid request.\n\n"return_run_details" is not a permitted key.',
      documentation_url: 'https://docs.github.com/enterprise-server@3.19/rest/actions/workflows'
    }
    expect(
      check('ghes', {
        method: 'POST',
        path: DISPATCH,
        requestBody: body,
        status: 422,
        responseBody: refusal
      })
    ).toEqual([undeclared])
    // GHES answers a dispatch with 204 only.
    expect(
      check('ghes', {
        method: 'POST',
        path: DISPATCH,
        requestBody: { ref: 'main', inputs: {} },
        status: 200,
        responseBody: RUN_DETAILS
      })
    ).toEqual([
      'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches: GitHub does not answer this operation with 200 (it declares 204)'
    ])
    expect(
      check('ghes', {
        method: 'POST',
        path: DISPATCH,
        requestBody: { ref: 'main', inputs: {} },
        status: 204
      })
    ).toEqual([])
  })

  test('the secrets routes the action uses exist there', () => {
    for (const [method, path] of [
      ['GET', '/repos/o/r/actions/secrets/public-key'],
      ['PUT', '/repos/o/r/environments/prod/secrets/TOKEN'],
      ['GET', '/orgs/o/actions/secrets/TOKEN/repositories'],
      ['PUT', '/repos/o/r/dependabot/secrets/TOKEN'],
      ['PUT', '/orgs/o/dependabot/secrets/TOKEN']
    ] as const) {
      expect(findOperation('ghes', method, path)).toBeDefined()
    }
  })
})

describe('findOperation', () => {
  test("reports GitHub's x-github block", () => {
    expect(findOperation('api.github.com', 'PUT', '/orgs/o/codespaces/secrets/TOKEN')).toEqual({
      template: '/orgs/{org}/codespaces/secrets/{secret_name}',
      method: 'PUT',
      operationId: 'codespaces/create-or-update-org-secret',
      params: { org: 'o', secret_name: 'TOKEN' },
      xGitHub: {
        githubCloudOnly: false,
        enabledForGitHubApps: false,
        category: 'codespaces',
        subcategory: 'organization-secrets'
      }
    })
  })
})
