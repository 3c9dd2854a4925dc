/**
 * The HTTP side of the GitHub emulator: every route of every concern in one table, a request's
 * way through (GitHub's order: authentication, then the API version, the route, the secondary
 * rate limit, the repository or organization the token may see, the permission, the test's
 * interceptors, and the answer), the request log, and the record of every exchange that
 * openapiProblems() holds to GitHub's OpenAPI description (../openapi.ts). API versions:
 * https://docs.github.com/rest/about-the-rest-api/api-versions.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Exchange } from '../openapi.js'
import { ALERT_ROUTES } from './alerts.js'
import { CONTENT_ROUTES } from './contents.js'
import { findRepo } from './hub.js'
import type { Hub, Place, Route, RouteName } from './hub.js'
import { ISSUE_ROUTES } from './issues.js'
import { faultReply } from './rate-limit.js'
import type { Pacer } from './rate-limit.js'
import { REPO_ROUTES } from './repos.js'
import { RUN_ROUTES } from './runs.js'
import type { ScopeKind } from './secret-scope.js'
import { orgScope, repoScope, SECRET_ROUTES } from './secrets.js'
import { allows, canSee, notAccessible, rateHeaders } from './tokens.js'
import type { Token } from './tokens.js'
import { WORKFLOW_ROUTES } from './workflows.js'
import { DOCS, errorReply, notFound, parseOrText, readBody, ReplyError, requestId } from './wire.js'
import type { Reply } from './wire.js'

export interface InterceptedCall {
  route: RouteName
  method: string
  path: string
  /** The repository (repository scopes), or undefined for organization routes. */
  repo?: string
  org?: string
  scope?: ScopeKind
  environment?: string
  secretName?: string
  token?: string
}

/** An error answer in GitHub's shape, a destroyed socket, or a delay before normal handling. */
export type Interception =
  | {
      status: number
      message?: string
      retryAfterSeconds?: number
      headers?: Record<string, string>
    }
  | { reset: true }
  | { delayMs: number }

export type Interceptor = (
  call: InterceptedCall
) => Interception | undefined | Promise<Interception | undefined>

/** One handled request. Never holds a secret value or a token. */
export interface RequestRecord {
  at: number
  method: string
  path: string
  route: RouteName | 'unknown'
  /** 0 when the socket was reset on purpose. */
  status: number
  repo?: string
  org?: string
  scope?: ScopeKind
  environment?: string
  secretName?: string
  /** The secondary rate limit refused it. */
  throttled?: boolean
}

const DOCS_VERSIONS = 'https://docs.github.com/rest/about-the-rest-api/api-versions'
/** The REST API versions the emulator serves: the one the action sends (GitHub has others). */
const SUPPORTED_API_VERSIONS = ['2022-11-28']

const ROUTES: Route[] = [
  ...REPO_ROUTES,
  ...SECRET_ROUTES,
  ...RUN_ROUTES,
  ...WORKFLOW_ROUTES,
  ...CONTENT_ROUTES,
  ...ALERT_ROUTES,
  ...ISSUE_ROUTES
]

export interface HttpState {
  hub: Hub
  pacer: Pacer
  interceptors: Interceptor[]
  requests: RequestRecord[]
  /** Every exchange, for the OpenAPI check; undefined when nothing is recorded. */
  exchanges: Exchange[] | undefined
  /** Requests awaiting their answer, recorded by send(). */
  pending: WeakMap<ServerResponse, Omit<Exchange, 'status' | 'responseBody'>>
  /** Requests with no token: GitHub counts them against the address. */
  anonymous: { used: number; resetAt: number }
  /** Pending waits of interceptors' delays, ended by close(). */
  timers: Set<{ timer: NodeJS.Timeout; resolve: () => void }>
  closed: boolean
}

export async function listen(state: HttpState): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    serve(state, req, res).catch((error: unknown) => {
      // A bug here (or in a test's interceptor) must answer, not crash the process.
      console.error('GitHub emulator: internal error', error)
      send(state, res, errorReply(500, 'Server Error', DOCS), undefined, requestId())
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return { server, port: (server.address() as AddressInfo).port }
}

function send(
  state: HttpState,
  res: ServerResponse,
  reply: Reply,
  token: Token | undefined,
  id: string
): void {
  if (res.destroyed || res.headersSent) return
  const headers: Record<string, string> = {
    ...rateHeaders(token, state.anonymous),
    'x-github-request-id': id,
    'x-github-api-version-selected': '2022-11-28',
    ...reply.headers
  }
  let payload = ''
  if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body)
    headers['content-type'] = 'application/json; charset=utf-8'
  }
  headers['content-length'] = String(Buffer.byteLength(payload))
  res.writeHead(reply.status, headers)
  const request = state.pending.get(res)
  if (request) state.exchanges?.push({ ...request, status: reply.status, responseBody: reply.body })
  res.end(payload)
}

async function serve(state: HttpState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const id = requestId()
  const method = (req.method ?? 'GET').toUpperCase()
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const record: RequestRecord = {
    at: Date.now(),
    method,
    path: url.pathname,
    route: 'unknown',
    status: 0
  }
  state.requests.push(record)
  res.on('finish', () => {
    record.status = res.statusCode
  })
  const tokenText = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1]
  const token = tokenText === undefined ? undefined : state.hub.tokens.get(tokenText)
  const reply = (answer: Reply): void => send(state, res, answer, token, id)

  state.pacer.arrive(res)
  const raw = await readBody(req)
  if (raw === undefined) return reply(errorReply(413, 'Payload Too Large', DOCS))
  await state.pacer.answerDelay()
  const path = pathInBase(state.hub, url)
  if (path !== undefined) recordRequest(state, req, res, url, path, raw)
  const matched = path === undefined ? undefined : matchRoute(state.hub, method, path)
  if (matched) record.route = matched.route.name

  // Authentication comes before everything else, as on GitHub.
  if (!token) {
    state.anonymous.used += 1
    return reply(errorReply(401, 'Bad credentials', DOCS))
  }
  token.used += 1
  const refusal = versionRefusal(req)
  if (refusal) return reply(refusal)
  if (!matched) return reply(errorReply(404, 'Not Found', DOCS))
  const { route, params } = matched
  const throttled = state.pacer.refusal(method, res, id)
  if (throttled) {
    record.throttled = true
    return reply(throttled)
  }
  const place = resolvePlace(state.hub, route, params)
  describe(record, route, place, params)
  const denied = accessRefusal(token, route, place)
  if (denied) return reply(denied)
  const call = interceptedCall(route, place, method, url, tokenText ?? '')
  const fault = await intercepted(state, call)
  if (fault === 'reset') {
    req.socket.destroy()
    return
  }
  if (fault) return reply(faultReply(fault, route.docs, id))
  // A request delayed past close() must not change state any more.
  if (state.closed) return
  const origin = `http://${req.headers.host ?? '127.0.0.1'}`
  try {
    reply(route.answer({ hub: state.hub, route, place, url, raw, origin, token }))
  } catch (error) {
    if (error instanceof ReplyError) reply(error.reply)
    else throw error
  }
}

/** The path under the base path, or undefined outside it. */
function pathInBase(hub: Hub, url: URL): string | undefined {
  const inBase = hub.basePath === '' || url.pathname.startsWith(`${hub.basePath}/`)
  return inBase ? url.pathname.slice(hub.basePath.length) : undefined
}

/** What the OpenAPI check will see of the request (never its token), once it is answered. */
function recordRequest(
  state: HttpState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: string,
  raw: Buffer
): void {
  if (!state.exchanges) return
  state.pending.set(res, {
    method: (req.method ?? 'GET').toUpperCase(),
    path,
    query: Object.fromEntries(url.searchParams),
    // Without the token: nothing recorded may hold one.
    requestHeaders: Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => name !== 'authorization')
    ),
    requestBody: raw.length > 0 ? parseOrText(raw) : undefined
  })
}

/** The route a method and path name; a known path with another method is a 404 as on GitHub. */
function matchRoute(
  hub: Hub,
  method: string,
  path: string
): { route: Route; params: string[] } | undefined {
  for (const candidate of ROUTES) {
    // GitHub Enterprise Server (3.17 to 3.19) has no Codespaces secrets endpoints.
    if (hub.basePath !== '' && candidate.scopeKind?.endsWith('codespaces')) continue
    const match = candidate.pattern.exec(path)
    if (!match || candidate.method !== method) continue
    try {
      return {
        route: candidate,
        params: match.slice(1).map(part => decodeURIComponent(part ?? ''))
      }
    } catch {
      return undefined
    }
  }
  return undefined
}

/**
 * GitHub answers a version it does not support with 400; none given means 2022-11-28
 * (https://docs.github.com/rest/about-the-rest-api/api-versions).
 */
function versionRefusal(req: IncomingMessage): Reply | undefined {
  const version = req.headers['x-github-api-version']
  if (version === undefined || SUPPORTED_API_VERSIONS.includes(String(version))) return undefined
  return errorReply(400, `API version ${String(version)} is not supported.`, DOCS_VERSIONS)
}

/** The repository, organization and scope a matched route names. */
function resolvePlace(hub: Hub, route: Route, params: string[]): Place {
  const place: Place = {}
  if (route.on === 'org') {
    const [login = '', secretName] = params
    const org = hub.orgs.get(login.toLowerCase())
    if (org) {
      place.org = org
      place.scope = orgScope(org, route.scopeKind)
    }
    if (secretName !== undefined) place.secretName = secretName
    return place
  }
  const [owner = '', name = '', ...rest] = params
  const repo = findRepo(hub, `${owner}/${name}`)
  if (repo) place.repo = repo
  if (route.name === 'get-environment' || route.scopeKind === 'environment') {
    const [environment = '', secretName] = rest
    place.environment = environment
    if (secretName !== undefined) place.secretName = secretName
    const found = repo?.environments.get(environment.toLowerCase())
    if (found) place.scope = found.secrets
    return place
  }
  if (route.scopeKind) {
    const [secretName] = rest
    if (secretName !== undefined) place.secretName = secretName
    if (repo) place.scope = repoScope(repo, route.scopeKind)
  }
  if (route.param) place[route.param] = rest[0] ?? ''
  return place
}

/** What the request log says of the route's place. */
function describe(record: RequestRecord, route: Route, place: Place, params: string[]): void {
  if (route.on === 'repo') record.repo = place.repo?.fullName ?? `${params[0]}/${params[1]}`
  if (place.org) record.org = place.org.login
  if (route.scopeKind) record.scope = route.scopeKind
  if (place.environment !== undefined) record.environment = place.environment
  if (place.secretName !== undefined) record.secretName = place.secretName
}

/** GitHub hides repositories and organizations the token cannot see; then the permission. */
function accessRefusal(token: Token, route: Route, place: Place): Reply | undefined {
  if ((!place.repo && !place.org) || !canSee(token, place)) return notFound(route.docs)
  if (!allows(token, route.need)) return notAccessible(token, route.need, route.docs)
  return undefined
}

function interceptedCall(
  route: Route,
  place: Place,
  method: string,
  url: URL,
  token: string
): InterceptedCall {
  const call: InterceptedCall = { route: route.name, method, path: url.pathname, token }
  if (place.repo) call.repo = place.repo.fullName
  if (place.org) call.org = place.org.login
  if (route.scopeKind) call.scope = route.scopeKind
  if (place.environment !== undefined) call.environment = place.environment
  if (place.secretName !== undefined) call.secretName = place.secretName
  return call
}

/** Runs the test's interceptors in order: a delay is waited out, a fault or reset returned. */
async function intercepted(
  state: HttpState,
  call: InterceptedCall
): Promise<Exclude<Interception, { delayMs: number } | { reset: true }> | 'reset' | undefined> {
  for (const interceptor of [...state.interceptors]) {
    const fault = await interceptor(call)
    if (!fault) continue
    if ('delayMs' in fault) {
      await sleep(state, fault.delayMs)
      continue
    }
    return 'reset' in fault ? 'reset' : fault
  }
  return undefined
}

/** A wait that close() ends at once. */
function sleep(state: HttpState, ms: number): Promise<void> {
  return new Promise(resolve => {
    const entry = {
      resolve,
      timer: setTimeout(() => {
        state.timers.delete(entry)
        resolve()
      }, ms)
    }
    state.timers.add(entry)
  })
}
