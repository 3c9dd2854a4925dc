/**
 * Wire-level emulator of AWS IAM and STS (Query protocol: form-encoded POST in, XML out).
 *
 * It verifies the SigV4 signature of every request against the keys it issued, answers with
 * AWS's status codes, error codes, messages and XML shapes, and rejects what AWS rejects:
 * unknown or inactive keys, keys that have not propagated yet, a third key, another user's
 * keys, invalid tags. Reads of keys and tags may lag behind changes (readLagMs). The real SDK
 * talks to it through AWS_ENDPOINT_URL_IAM / _STS.
 */
import { checkPolicy, evaluate, type PolicyDocument } from './iam-policy.js'
import type { ManagedPolicy } from './quarantine.js'
import { createThrottle, type Throttle, type ThrottleRate } from './iam-throttle.js'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createHash,
  createHmac,
  randomBytes,
  randomInt,
  randomUUID,
  timingSafeEqual
} from 'node:crypto'

export type Service = 'iam' | 'sts'
export type KeyStatus = 'Active' | 'Inactive'

export interface LastUse {
  date: Date
  service: string
  region: string
}

/** A copy of an access key as the emulator holds it. */
export interface KeyView {
  userName: string
  accessKeyId: string
  secretAccessKey: string
  status: KeyStatus
  createDate: Date
  lastUsed?: LastUse
}

/**
 * Whether a key created through CreateAccessKey authenticates now. Seeded keys are always
 * propagated; `service` lets a test make STS accept a key that IAM still rejects.
 */
export type AcceptanceRule = (key: KeyView, nowMs: number, service: Service) => boolean

export interface InterceptedCall {
  service: Service
  action: string
  params: Record<string, string>
  /** User name, or role name for role sessions. */
  principal: string
  accessKeyId: string
}

/** An error answer in AWS's shape, a destroyed socket, or a delay before normal handling. */
export type Interception =
  | { status: number; code: string; message?: string; retryAfterSeconds?: number }
  | { reset: true }
  | { delayMs: number }

export type Interceptor = (
  call: InterceptedCall
) => Interception | undefined | Promise<Interception | undefined>

/** One handled request. Never holds a secret. */
export interface LoggedRequest {
  at: number
  service: Service
  /** '' when the request named none. */
  action: string
  /** '' when the request was not signed. */
  accessKeyId: string
  /** Set once the signature was verified: user name, or role name for role sessions. */
  principal?: string
  params: Record<string, string>
  /** 0 when the socket was reset on purpose. */
  status: number
  errorCode?: string
}

export interface AwsEmulatorOptions {
  accountId?: string
  /** How long a key made by CreateAccessKey is rejected before it authenticates. Default 0. */
  propagationDelayMs?: number
  /** Replaces the propagation-delay rule. */
  acceptance?: AcceptanceRule
  /**
   * IAM's eventual consistency: ListAccessKeys, ListUserTags and GetUser's tags answer from the
   * user's keys and tags as they were this long ago (wall clock). Default 0: at once.
   */
  readLagMs?: number
  /** IAM's throttling (./iam-throttle.ts); default none: AWS publishes no rate to model. */
  iamRate?: ThrottleRate
}

export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
}

export interface SessionCredentials extends Credentials {
  sessionToken: string
}

export interface AwsEmulator {
  /** http://127.0.0.1:PORT: use as AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL_STS. */
  url: string
  accountId: string
  close(): Promise<void>
  createUser(name: string, options?: { path?: string }): void
  /** A seeded key: already propagated. At most 2 per user, as in AWS. */
  createAccessKey(
    userName: string,
    options?: { createdAt?: Date; status?: KeyStatus; lastUsed?: LastUse }
  ): Credentials
  /** An admin role may act on any user; others may call no IAM action. */
  createRole(name: string, options?: { admin?: boolean }): void
  assumeRole(roleName: string, sessionName: string): SessionCredentials
  /** The truth, never lagged. */
  keys(userName: string): KeyView[]
  /** The truth, never lagged. */
  tags(userName: string): Record<string, string>
  /** "A person changed it in the console": a change in IAM, shown to reads after the lag. */
  setTag(userName: string, key: string, value: string): void
  /** "A person changed it in the console": a change in IAM, shown to reads after the lag. */
  setKeyStatus(accessKeyId: string, status: KeyStatus): void
  deleteKey(accessKeyId: string): void
  /**
   * Moves every key's creation and last use `ms` into the past (time passing, without waiting).
   * Tags are the caller's to age: the emulator does not read their contents. Every change
   * waiting out the read lag shows at once.
   */
  shiftTime(ms: number): void
  /** Explicit deny of `action` (e.g. 'iam:TagUser') for a user or role name. */
  deny(principalName: string, action: string): void
  /**
   * Attaches an identity policy to a user or role. A principal with policies is authorized by
   * them alone (IAM's evaluation: explicit Deny, then Allow); one without keeps the simple rule
   * (a user acts on itself, an admin role on anyone).
   */
  attachPolicy(principalName: string, document: PolicyDocument): void
  /**
   * Attaches an AWS managed policy to a user, as AWS does with its quarantine policies
   * (./quarantine.ts): listed by ListAttachedUserPolicies, and its explicit Denies bind the user
   * beside whatever else authorizes it. A change in IAM, shown at once.
   */
  attachManagedPolicy(userName: string, policy: ManagedPolicy): void
  detachManagedPolicy(userName: string, policyArn: string): void
  setPropagationDelay(ms: number): void
  setAcceptance(rule: AcceptanceRule | undefined): void
  /** Sets readLagMs for changes made from now on; 0 also shows every pending change. */
  setReadLag(ms: number): void
  /** IAM's throttling from now on (undefined: none), and how many requests it refused so far. */
  setIamRate(rate: ThrottleRate | undefined): void
  throttled(): number
  /**
   * Every change so far becomes visible to reads, as it would after a while: a test's setup
   * ("a run left this an hour ago") is then what the next run reads. The lag stays.
   */
  settleReads(): void
  /** Runs after signature verification, in the order added. Returns a remover. */
  intercept(fn: Interceptor): () => void
  requests: LoggedRequest[]
}

const IAM_VERSION = '2010-05-08'
const STS_VERSION = '2011-06-15'
const XMLNS: Record<Service, string> = {
  iam: `https://iam.amazonaws.com/doc/${IAM_VERSION}/`,
  sts: `https://sts.amazonaws.com/doc/${STS_VERSION}/`
}
const IAM_ACTIONS = new Set([
  'GetUser',
  'ListAccessKeys',
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'GetAccessKeyLastUsed',
  'TagUser',
  'UntagUser',
  'ListUserTags',
  'ListAttachedUserPolicies',
  'ListUsers'
])
const STS_ACTIONS = new Set(['GetCallerIdentity'])

const MAX_KEYS_PER_USER = 2
const MAX_TAGS_PER_USER = 50
const MAX_SKEW_MS = 15 * 60 * 1000
const MAX_BODY_BYTES = 1024 * 1024
const INVALID_TOKEN = 'The security token included in the request is invalid.'
const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'
const USER_NAME_PATTERN = /^[\w+=,.@-]+$/
const ACCESS_KEY_ID_PATTERN = /^\w+$/
const TAG_KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u
const TAG_VALUE_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u

class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number
  ) {
    super(message)
  }
}

const invalidToken = () => new AwsError(403, 'InvalidClientTokenId', INVALID_TOKEN)
const badSignature = (message = BAD_SIGNATURE) =>
  new AwsError(403, 'SignatureDoesNotMatch', message)
const incomplete = (message: string) => new AwsError(400, 'IncompleteSignature', message)
const validation = (message: string) => new AwsError(400, 'ValidationError', message)

interface User {
  name: string
  path: string
  userId: string
  arn: string
  createDate: Date
  tags: Array<{ key: string; value: string }>
}

interface AccessKey {
  userName: string
  id: string
  secret: string
  status: KeyStatus
  createDate: Date
  /** When CreateAccessKey issued it; undefined for seeded keys, which count as propagated. */
  issuedAtMs?: number
  lastUsed?: LastUse
}

interface Role {
  name: string
  roleId: string
  arn: string
  admin: boolean
}

interface Session {
  role: Role
  name: string
  id: string
  secret: string
  token: string
}

type Principal =
  { kind: 'user'; user: User; key: AccessKey } | { kind: 'role'; role: Role; session: Session }

const principalName = (p: Principal) => (p.kind === 'user' ? p.user.name : p.role.name)

function randomId(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  let id = prefix
  while (id.length < length) id += alphabet[randomInt(alphabet.length)]
  return id
}

const isoDate = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** <name>content</name>; content is already XML. */
const el = (name: string, content: string) => `<${name}>${content}</${name}>`
const text = (name: string, value: string) => el(name, escapeXml(value))
const members = (items: string[]) => items.map(i => el('member', i)).join('')

// SigV4's URI encoding: RFC 3986 unreserved characters stay, everything else is %XX.
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  )
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest()

function canonicalPath(rawPath: string): string {
  const segments: string[] = []
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(segment)
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : ''
  return escapeUri(`/${segments.join('/')}${trailing}`).replace(/%2F/g, '/')
}

function canonicalQuery(query: URLSearchParams): string {
  const pairs: Array<[string, string]> = []
  for (const [k, v] of query) if (k !== 'X-Amz-Signature') pairs.push([escapeUri(k), escapeUri(v)])
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
  return pairs.map(([k, v]) => `${k}=${v}`).join('&')
}

/** Header values by lower-case name, repeated headers joined with ','. */
function headerValues(req: IncomingMessage): Map<string, string> {
  const values = new Map<string, string>()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase()
    const value = (req.rawHeaders[i + 1] ?? '').trim().replace(/\s+/g, ' ')
    const prior = values.get(name)
    values.set(name, prior === undefined ? value : `${prior},${value}`)
  }
  return values
}

/** 20261122T233706Z -> epoch ms, or NaN. */
function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (!m) return NaN
  const [, y, mo, d, h, mi, s] = m.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number
  ]
  return Date.UTC(y, mo - 1, d, h, mi, s)
}

const amzDate = (ms: number) => isoDate(new Date(ms)).replace(/[-:]/g, '')

interface ParsedRequest {
  method: string
  rawPath: string
  query: URLSearchParams
  headers: Map<string, string>
  body: Buffer
  params: Record<string, string>
}

function readBody(req: IncomingMessage): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('end', () => resolve({ body: Buffer.concat(chunks), tooLarge: size > MAX_BODY_BYTES }))
    req.on('error', reject)
  })
}

function redact(params: Record<string, string>): Record<string, string> {
  const copy: Record<string, string> = {}
  for (const [k, v] of Object.entries(params)) {
    if (!/secret|token|password/i.test(k)) copy[k] = v
  }
  return copy
}

const nullValue = (where: string) =>
  `Value null at '${where}' failed to satisfy constraint: Member must not be null`
const tooMany = (where: string) =>
  `Value at '${where}' failed to satisfy constraint: Member must have length less than or equal to 50`

/**
 * Indexes of Tags.member.N.Key / TagKeys.member.N, numbered from 1 without gaps. The SDK
 * sends `Tags=` for an empty list; a list left out entirely is null, which AWS rejects.
 */
function listIndexes(params: Record<string, string>, prefix: string, where: string): number[] {
  const indexes = new Set<number>()
  const pattern = new RegExp(`^${prefix}\\.member\\.(\\d+)(\\.|$)`)
  for (const name of Object.keys(params)) {
    const m = pattern.exec(name)
    if (m) indexes.add(Number(m[1]))
  }
  if (indexes.size === 0 && params[prefix] === undefined) {
    throw validation(`1 validation error detected: ${nullValue(where)}`)
  }
  const sorted = [...indexes].sort((x, y) => x - y)
  sorted.forEach((n, i) => {
    if (n !== i + 1)
      throw validation(`1 validation error detected: ${nullValue(`${where}.${i + 1}.member`)}`)
  })
  return sorted
}

const codePoints = (s: string) => [...s].length

// ---- read lag ---------------------------------------------------------------------------
// IAM is eventually consistent, for reads of its own data too: a change "takes time to become
// visible from all possible endpoints" (AWS IAM User Guide, Troubleshooting, "Changes that I
// make are not always immediately visible",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
// Only the reads that show a user's keys and tags lag; everything else acts on the truth.

type KeyMetadata = Pick<AccessKey, 'userName' | 'id' | 'status' | 'createDate'>

/** What ListAccessKeys, ListUserTags and GetUser show of one user. */
interface UserState {
  keys: KeyMetadata[]
  tags: User['tags']
}

interface ReadHistory {
  setLag(ms: number): void
  /** Runs a change to a user's keys or tags, remembering the state before and after it. */
  change<T>(userName: string, apply: () => T): T
  /** The user's state as reads see it: the newest one recorded at least the lag ago. */
  visible(userName: string): UserState
  /** A seeded key is visible at once, in every remembered state. */
  seed(key: KeyMetadata): void
  /** Time passed far beyond the lag: every pending change shows. */
  settle(): void
}

/** A usable lag: negative or NaN means none. */
const lagOf = (ms: number) => (ms > 0 ? ms : 0)

const metadataOf = (k: KeyMetadata): KeyMetadata => ({
  userName: k.userName,
  id: k.id,
  status: k.status,
  createDate: new Date(k.createDate)
})

/** `truth` must return fresh copies: remembered states change only when a key is seeded. */
function createReadHistory(
  truth: (userName: string) => UserState,
  initialLagMs: number
): ReadHistory {
  let lagMs = lagOf(initialLagMs)
  // Per user, oldest first; the first entry is visible (or the state before any change).
  const history = new Map<string, Array<{ atMs: number; state: UserState }>>()

  /** Drops what newer visible states hide; forgets users whose every change shows. */
  function prune(userName: string, nowMs: number): UserState | undefined {
    const snapshots = history.get(userName)
    if (!snapshots) return undefined
    // Oldest first, so the visible ones lead; keep the newest of them.
    const visibleCount = snapshots.filter(s => s.atMs <= nowMs - lagMs).length
    snapshots.splice(0, Math.max(0, visibleCount - 1))
    if (snapshots.length === 1) history.delete(userName)
    return snapshots[0]?.state
  }

  return {
    setLag(ms) {
      lagMs = lagOf(ms)
      // Nothing is recorded without a lag, so older history would miss changes.
      if (lagMs === 0) history.clear()
    },
    change(userName, apply) {
      if (lagMs === 0) return apply()
      const snapshots = history.get(userName) ?? [{ atMs: -Infinity, state: truth(userName) }]
      history.set(userName, snapshots)
      const result = apply()
      snapshots.push({ atMs: Date.now(), state: truth(userName) })
      prune(userName, Date.now())
      return result
    },
    visible(userName) {
      if (lagMs === 0) return truth(userName)
      return prune(userName, Date.now()) ?? truth(userName)
    },
    seed(key) {
      for (const { state } of history.get(key.userName) ?? []) state.keys.push(metadataOf(key))
    },
    settle() {
      history.clear()
    }
  }
}

export async function startAwsEmulator(options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  const accountId = options.accountId ?? '123456789012'
  let propagationDelayMs = options.propagationDelayMs ?? 0
  let acceptance = options.acceptance
  const users = new Map<string, User>()
  const keys = new Map<string, AccessKey>()
  const roles = new Map<string, Role>()
  const sessions = new Map<string, Session>()
  const denials = new Set<string>()
  const policies = new Map<string, PolicyDocument[]>()
  /** AWS managed policies attached to users, by user name. */
  const managed = new Map<string, ManagedPolicy[]>()
  const interceptors: Interceptor[] = []
  const requests: LoggedRequest[] = []
  let throttle: Throttle | undefined = options.iamRate && createThrottle(options.iamRate)
  let throttledBefore = 0

  const view = (k: AccessKey): KeyView => ({
    userName: k.userName,
    accessKeyId: k.id,
    secretAccessKey: k.secret,
    status: k.status,
    createDate: new Date(k.createDate),
    ...(k.lastUsed ? { lastUsed: { ...k.lastUsed, date: new Date(k.lastUsed.date) } } : {})
  })
  const keysOf = (userName: string) => [...keys.values()].filter(k => k.userName === userName)
  const reads = createReadHistory(
    name => ({
      keys: keysOf(name).map(metadataOf),
      tags: (users.get(name)?.tags ?? []).map(t => ({ ...t }))
    }),
    options.readLagMs ?? 0
  )

  function mustUser(name: string): User {
    const user = users.get(name)
    if (!user) throw new Error(`no user ${name}`)
    return user
  }

  function mustKey(id: string): AccessKey {
    const key = keys.get(id)
    if (!key) throw new Error(`no access key ${id}`)
    return key
  }

  function issueKey(userName: string, status: KeyStatus, createDate: Date): AccessKey {
    let id = randomId('AKIA', 20)
    while (keys.has(id) || sessions.has(id)) id = randomId('AKIA', 20)
    const key: AccessKey = {
      userName,
      id,
      secret: randomBytes(30).toString('base64'),
      status,
      createDate
    }
    keys.set(id, key)
    return key
  }

  function tagKeyProblems(key: string, where: string): string[] {
    const problems: string[] = []
    const bad = (constraint: string) =>
      problems.push(
        `Value '${key}' at '${where}' failed to satisfy constraint: Member ${constraint}`
      )
    if (codePoints(key) < 1) bad('must have length greater than or equal to 1')
    if (codePoints(key) > 128) bad('must have length less than or equal to 128')
    if (key !== '' && !TAG_KEY_PATTERN.test(key))
      bad('must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+')
    return problems
  }

  function tagValueProblems(value: string, where: string): string[] {
    const problems: string[] = []
    const bad = (constraint: string) =>
      problems.push(
        `Value '${value}' at '${where}' failed to satisfy constraint: Member ${constraint}`
      )
    if (codePoints(value) > 256) bad('must have length less than or equal to 256')
    if (!TAG_VALUE_PATTERN.test(value))
      bad('must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*')
    return problems
  }

  function validationErrors(problems: string[]): AwsError {
    const n = problems.length
    return validation(`${n} validation error${n > 1 ? 's' : ''} detected: ${problems.join('; ')}`)
  }

  /** Merges tags case-insensitively (IAM user tag keys ignore case but keep it). */
  function applyTags(user: User, tags: Array<{ key: string; value: string }>): void {
    const merged = user.tags.map(t => ({ ...t }))
    for (const tag of tags) {
      const i = merged.findIndex(t => t.key.toLowerCase() === tag.key.toLowerCase())
      if (i >= 0) merged[i] = { ...tag }
      else merged.push({ ...tag })
    }
    if (merged.length > MAX_TAGS_PER_USER)
      throw new AwsError(
        409,
        'LimitExceeded',
        `Cannot exceed quota for TagsPerUser: ${MAX_TAGS_PER_USER}`
      )
    user.tags = merged
  }

  // ---- authentication -------------------------------------------------------------------

  function accepted(key: AccessKey, nowMs: number, service: Service): boolean {
    if (key.issuedAtMs === undefined) return true
    if (acceptance) return acceptance(view(key), nowMs, service)
    return nowMs >= key.issuedAtMs + propagationDelayMs
  }

  function authenticate(
    r: ParsedRequest,
    service: Service,
    nowMs: number,
    log: LoggedRequest
  ): { principal: Principal; region: string } {
    const authorization = r.headers.get('authorization')
    if (authorization === undefined || authorization === '') {
      throw new AwsError(
        403,
        'MissingAuthenticationToken',
        'Request is missing Authentication Token'
      )
    }
    const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(authorization)
    if (!m) throw incomplete(`Unsupported Authorization Type. Authorization=${authorization}`)
    const fields = new Map<string, string>()
    for (const part of (m[1] ?? '').split(/,\s*/)) {
      const eq = part.indexOf('=')
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
    }
    const credential = fields.get('Credential')
    const signedHeadersField = fields.get('SignedHeaders')
    const signature = fields.get('Signature')
    const dateHeader = r.headers.get('x-amz-date')
    const missing: string[] = []
    if (!credential) missing.push("Authorization header requires 'Credential' parameter.")
    if (!signature) missing.push("Authorization header requires 'Signature' parameter.")
    if (!signedHeadersField)
      missing.push("Authorization header requires 'SignedHeaders' parameter.")
    if (!dateHeader)
      missing.push(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
      )
    if (!credential || !signature || !signedHeadersField || !dateHeader) {
      throw incomplete(`${missing.join(' ')} Authorization=${authorization}`)
    }
    const scopeParts = credential.split('/')
    if (scopeParts.length !== 5) {
      throw incomplete(
        `Credential should have exactly 5 slash-separated parts, not ${scopeParts.length}. Authorization=${authorization}`
      )
    }
    const [accessKeyId, scopeDate, region, scopeService, terminator] = scopeParts as [
      string,
      string,
      string,
      string,
      string
    ]
    log.accessKeyId = accessKeyId
    if (terminator !== 'aws4_request') {
      throw badSignature(
        `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`
      )
    }
    if (scopeService !== service) {
      throw badSignature(`Credential should be scoped to correct service: '${service}'. `)
    }
    const regionOk =
      service === 'iam' ? region === 'us-east-1' : /^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)
    if (!regionOk) {
      throw badSignature(`Credential should be scoped to a valid region, not '${region}'. `)
    }
    // This account lives in the commercial partition. AWS documents partitions as separate
    // (own IAM, own credentials); that STS elsewhere answers InvalidClientTokenId for a commercial
    // key is our reading of how an unknown key is answered, not a documented statement.
    if (/^(cn|us-gov|us-iso[a-z]*|eu-isoe)-/.test(region)) throw invalidToken()
    const signedAt = parseAmzDate(dateHeader)
    if (Number.isNaN(signedAt)) {
      throw incomplete(
        `Date must be in ISO-8601 'basic format'. Got '${dateHeader}'. See http://en.wikipedia.org/wiki/ISO_8601`
      )
    }
    if (scopeDate !== dateHeader.slice(0, 8)) {
      throw badSignature(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${dateHeader.slice(0, 8)}', from '${dateHeader}'.`
      )
    }
    const signedHeaders = signedHeadersField.split(';')
    if (!signedHeaders.includes('host')) {
      throw incomplete(
        `'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization. Authorization=${authorization}`
      )
    }
    if (signedAt < nowMs - MAX_SKEW_MS) {
      throw badSignature(
        `Signature expired: ${dateHeader} is now earlier than ${amzDate(nowMs - MAX_SKEW_MS)} (${amzDate(nowMs)} - 15 min.)`
      )
    }
    if (signedAt > nowMs + MAX_SKEW_MS) {
      throw badSignature(
        `Signature not yet current: ${dateHeader} is still later than ${amzDate(nowMs + MAX_SKEW_MS)} (${amzDate(nowMs)} + 15 min.)`
      )
    }

    // The key must exist, be active and have propagated; session keys need their token.
    const token = r.headers.get('x-amz-security-token')
    let principal: Principal
    let secret: string
    const key = keys.get(accessKeyId)
    const session = sessions.get(accessKeyId)
    if (key) {
      if (key.status !== 'Active' || !accepted(key, nowMs, service)) throw invalidToken()
      if (token !== undefined) throw invalidToken()
      const user = users.get(key.userName)
      if (!user) throw invalidToken()
      principal = { kind: 'user', user, key }
      secret = key.secret
    } else if (session) {
      if (token === undefined || !safeEqual(token, session.token)) throw invalidToken()
      principal = { kind: 'role', role: session.role, session }
      secret = session.secret
    } else {
      throw invalidToken()
    }

    const canonicalHeaders = signedHeaders.map(h => `${h}:${r.headers.get(h) ?? ''}\n`).join('')
    const canonicalRequest = [
      r.method,
      canonicalPath(r.rawPath),
      canonicalQuery(r.query),
      canonicalHeaders,
      signedHeadersField,
      sha256Hex(r.body)
    ].join('\n')
    const scope = `${scopeDate}/${region}/${scopeService}/aws4_request`
    const stringToSign = ['AWS4-HMAC-SHA256', dateHeader, scope, sha256Hex(canonicalRequest)].join(
      '\n'
    )
    let signingKey = hmac(`AWS4${secret}`, scopeDate)
    for (const part of [region, scopeService, 'aws4_request']) signingKey = hmac(signingKey, part)
    const expected = createHmac('sha256', signingKey).update(stringToSign).digest('hex')
    if (!safeEqual(expected, signature)) throw badSignature()
    return { principal, region }
  }

  // ---- authorization --------------------------------------------------------------------

  function principalArn(p: Principal): string {
    return p.kind === 'user'
      ? p.user.arn
      : `arn:aws:sts::${accountId}:assumed-role/${p.role.name}/${p.session.name}`
  }

  function authorize(
    p: Principal,
    action: string,
    targetUser: string,
    tagKeys?: readonly string[],
    listed?: { resource: string; shown: string }
  ): void {
    const iamAction = `iam:${action}`
    const prefix = `User: ${principalArn(p)} is not authorized to perform: ${iamAction} on resource: ${listed?.shown ?? `user ${targetUser}`}`
    if (denials.has(`${principalName(p)}\n${iamAction}`)) {
      throw new AwsError(
        403,
        'AccessDenied',
        `${prefix} with an explicit deny in an identity-based policy`
      )
    }
    const attached = policies.get(principalName(p))
    const resource =
      listed?.resource ??
      users.get(targetUser)?.arn ??
      `arn:aws:iam::${accountId}:user/${targetUser}`
    const quarantines = p.kind === 'user' ? (managed.get(p.user.name) ?? []) : []
    const request = { action: iamAction, resource, variables: {}, tagKeys }
    if (
      evaluate(
        quarantines.map(policy => policy.document),
        request
      ) === 'explicit-deny'
    ) {
      throw new AwsError(
        403,
        'AccessDenied',
        `${prefix} with an explicit deny in an identity-based policy`
      )
    }
    const allowed = attached
      ? evaluate(attached, {
          action: iamAction,
          resource,
          variables: { 'aws:username': p.kind === 'user' ? p.user.name : undefined },
          tagKeys
        })
      : p.kind === 'user'
        ? p.user.name === targetUser
          ? 'allow'
          : 'implicit-deny'
        : p.role.admin
          ? 'allow'
          : 'implicit-deny'
    if (allowed === 'explicit-deny') {
      throw new AwsError(
        403,
        'AccessDenied',
        `${prefix} with an explicit deny in an identity-based policy`
      )
    }
    if (allowed !== 'allow') {
      throw new AwsError(
        403,
        'AccessDenied',
        `${prefix} because no identity-based policy allows the ${iamAction} action`
      )
    }
  }

  // ---- IAM actions ------------------------------------------------------------------------

  function userNameParam(params: Record<string, string>, required: boolean): string | undefined {
    const name = params.UserName
    if (name === undefined) {
      if (required) {
        throw validation(
          "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"
        )
      }
      return undefined
    }
    const problems: string[] = []
    if (name.length < 1) problems.push('Member must have length greater than or equal to 1')
    if (name.length > 128) problems.push('Member must have length less than or equal to 128')
    if (name !== '' && !USER_NAME_PATTERN.test(name))
      problems.push('Member must satisfy regular expression pattern: [\\w+=,.@-]+')
    if (problems.length > 0) {
      throw validationErrors(
        problems.map(p => `Value '${name}' at 'userName' failed to satisfy constraint: ${p}`)
      )
    }
    return name
  }

  function accessKeyIdParam(params: Record<string, string>): string {
    const id = params.AccessKeyId
    if (id === undefined) {
      throw validation(
        "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null"
      )
    }
    const problems: string[] = []
    if (id.length < 16) problems.push('Member must have length greater than or equal to 16')
    if (id.length > 128) problems.push('Member must have length less than or equal to 128')
    if (!ACCESS_KEY_ID_PATTERN.test(id))
      problems.push('Member must satisfy regular expression pattern: [\\w]+')
    if (problems.length > 0) {
      throw validationErrors(
        problems.map(p => `Value '${id}' at 'accessKeyId' failed to satisfy constraint: ${p}`)
      )
    }
    return id
  }

  /** UserName if given; a user's own name if omitted; roles must name the user. */
  function target(p: Principal, given: string | undefined): string {
    if (given !== undefined) return given
    if (p.kind === 'role')
      throw validation('Must specify userName when calling with non-User credentials')
    return p.user.name
  }

  function existingUser(name: string): User {
    const user = users.get(name)
    if (!user)
      throw new AwsError(404, 'NoSuchEntity', `The user with name ${name} cannot be found.`)
    return user
  }

  const noSuchKey = (id: string) =>
    new AwsError(404, 'NoSuchEntity', `The Access Key with id ${id} cannot be found.`)

  function page<T>(items: T[], params: Record<string, string>): { items: T[]; tail: string } {
    let maxItems = 100
    if (params.MaxItems !== undefined) {
      maxItems = Number(params.MaxItems)
      if (!/^\d+$/.test(params.MaxItems) || maxItems < 1 || maxItems > 1000) {
        throw validationErrors([
          `Value '${params.MaxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`
        ])
      }
    }
    let start = 0
    if (params.Marker !== undefined) {
      const decoded = Buffer.from(params.Marker, 'base64url').toString()
      start = /^offset:\d+$/.test(decoded) ? Number(decoded.slice(7)) : -1
      if (start < 0 || start > items.length) throw validation('Invalid Marker.')
    }
    const slice = items.slice(start, start + maxItems)
    const next = start + slice.length
    const tail =
      next < items.length
        ? `<IsTruncated>true</IsTruncated>${text('Marker', Buffer.from(`offset:${next}`).toString('base64url'))}`
        : '<IsTruncated>false</IsTruncated>'
    return { items: slice, tail }
  }

  /**
   * ListUsers (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListUsers.html):
   * PathPrefix defaults to `/`, is `/` or begins and ends with `/` (ASCII ! to DEL between), at
   * most 512 characters; pages of MaxItems (default 100) with Marker; no tags in the answer.
   * Authorized against the path's ARN, `arn:aws:iam::ACCOUNT:user/PATH/`, so a policy that allows
   * `user/deploy/*` lists `/deploy/` and nothing above it (the IAM User Guide's examples of
   * paths in policies: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html).
   */
  function listUsers(params: Record<string, string>, p: Principal): string {
    const prefix = params.PathPrefix ?? '/'
    if (prefix.length > 512 || !/^\/([\x21-\x7f]*\/)?$/.test(prefix)) {
      throw validationErrors([
        `Value '${prefix}' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*`
      ])
    }
    const resource = `arn:aws:iam::${accountId}:user${prefix}`
    authorize(p, 'ListUsers', '', undefined, { resource, shown: resource })
    const under = [...users.values()]
      .filter(user => user.path.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
    const listed = page(under, params)
    const userXml = (u: User) =>
      text('Path', u.path) +
      text('UserName', u.name) +
      text('UserId', u.userId) +
      text('Arn', u.arn) +
      text('CreateDate', isoDate(u.createDate))
    return el('Users', members(listed.items.map(userXml))) + listed.tail
  }

  const tagXml = (tags: User['tags']) =>
    members(tags.map(t => text('Key', t.key) + text('Value', t.value)))

  function keyMetadataXml(k: KeyMetadata): string {
    return (
      text('UserName', k.userName) +
      text('AccessKeyId', k.id) +
      text('Status', k.status) +
      text('CreateDate', isoDate(k.createDate))
    )
  }

  /** Returns the inner XML of <ActionResult>, or undefined for actions without a result. */
  function iamAction(
    action: string,
    params: Record<string, string>,
    p: Principal
  ): string | undefined {
    switch (action) {
      case 'GetUser': {
        const name = target(p, userNameParam(params, false))
        authorize(p, action, name)
        const u = existingUser(name)
        const shown = reads.visible(name).tags
        const tags = shown.length > 0 ? el('Tags', tagXml(shown)) : ''
        return el(
          'User',
          text('Path', u.path) +
            text('UserName', u.name) +
            text('UserId', u.userId) +
            text('Arn', u.arn) +
            text('CreateDate', isoDate(u.createDate)) +
            tags
        )
      }
      case 'ListUsers':
        return listUsers(params, p)
      case 'ListAccessKeys': {
        const name = target(p, userNameParam(params, false))
        authorize(p, action, name)
        existingUser(name)
        const listed = page(reads.visible(name).keys, params)
        return el('AccessKeyMetadata', members(listed.items.map(keyMetadataXml))) + listed.tail
      }
      case 'CreateAccessKey': {
        const name = target(p, userNameParam(params, false))
        authorize(p, action, name)
        existingUser(name)
        if (keysOf(name).length >= MAX_KEYS_PER_USER) {
          throw new AwsError(
            409,
            'LimitExceeded',
            `Cannot exceed quota for AccessKeysPerUser: ${MAX_KEYS_PER_USER}`
          )
        }
        const createDate = new Date(Math.floor(Date.now() / 1000) * 1000)
        const key = reads.change(name, () => issueKey(name, 'Active', createDate))
        key.issuedAtMs = Date.now()
        return el(
          'AccessKey',
          text('UserName', key.userName) +
            text('AccessKeyId', key.id) +
            text('Status', key.status) +
            text('SecretAccessKey', key.secret) +
            text('CreateDate', isoDate(key.createDate))
        )
      }
      case 'UpdateAccessKey':
      case 'DeleteAccessKey': {
        const given = userNameParam(params, false)
        const id = accessKeyIdParam(params)
        let status: KeyStatus | undefined
        if (action === 'UpdateAccessKey') {
          const s = params.Status
          if (s === undefined) {
            throw validation(
              "1 validation error detected: Value null at 'status' failed to satisfy constraint: Member must not be null"
            )
          }
          if (s !== 'Active' && s !== 'Inactive') {
            throw validation(
              `1 validation error detected: Value '${s}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`
            )
          }
          status = s
        }
        const name = target(p, given)
        authorize(p, action, name)
        existingUser(name)
        // The key is looked up under the named (or calling) user only.
        const key = keys.get(id)
        if (!key || key.userName !== name) throw noSuchKey(id)
        reads.change(name, () => {
          if (status) key.status = status
          else keys.delete(id)
        })
        return undefined
      }
      case 'GetAccessKeyLastUsed': {
        const id = accessKeyIdParam(params)
        const key = keys.get(id)
        // An unknown key: NoSuchEntity, the one error AWS's IAM service model gave this action
        // (generated SDKs: rusoto_iam and aws-sdk-iam 0.13, GetAccessKeyLastUsedError). Today's
        // model lists none, so the action takes any other error as a failed read, never as a loss.
        if (!key) throw noSuchKey(id)
        authorize(p, action, key.userName)
        const used = key.lastUsed
        return (
          text('UserName', key.userName) +
          el(
            'AccessKeyLastUsed',
            (used ? text('LastUsedDate', isoDate(used.date)) : '') +
              text('ServiceName', used?.service ?? 'N/A') +
              text('Region', used?.region ?? 'N/A')
          )
        )
      }
      case 'TagUser': {
        const name = userNameParam(params, true) as string
        const indexes = listIndexes(params, 'Tags', 'tags')
        const tags: Array<{ key: string; value: string }> = []
        const problems: string[] = []
        if (indexes.length > MAX_TAGS_PER_USER) problems.push(tooMany('tags'))
        for (const i of indexes) {
          const key = params[`Tags.member.${i}.Key`]
          const value = params[`Tags.member.${i}.Value`]
          const where = `tags.${i}.member`
          if (key === undefined) problems.push(nullValue(`${where}.key`))
          else problems.push(...tagKeyProblems(key, `${where}.key`))
          if (value === undefined) problems.push(nullValue(`${where}.value`))
          else problems.push(...tagValueProblems(value, `${where}.value`))
          if (key !== undefined && value !== undefined) tags.push({ key, value })
        }
        if (problems.length > 0) throw validationErrors(problems)
        if (tags.some(t => t.key.toLowerCase().startsWith('aws:'))) {
          throw new AwsError(
            400,
            'InvalidInput',
            "Tag keys starting with 'aws:' are reserved for AWS use."
          )
        }
        const lower = tags.map(t => t.key.toLowerCase())
        if (new Set(lower).size !== lower.length) {
          throw new AwsError(
            400,
            'InvalidInput',
            'Duplicate tag keys found. Please note that Tag keys are case insensitive.'
          )
        }
        authorize(
          p,
          action,
          name,
          tags.map(t => t.key)
        )
        const user = existingUser(name)
        reads.change(name, () => applyTags(user, tags))
        return undefined
      }
      case 'UntagUser': {
        const name = userNameParam(params, true) as string
        const indexes = listIndexes(params, 'TagKeys', 'tagKeys')
        const tagKeys = indexes.map(i => params[`TagKeys.member.${i}`] ?? '')
        const problems: string[] = []
        if (indexes.length > MAX_TAGS_PER_USER) problems.push(tooMany('tagKeys'))
        for (const k of tagKeys) problems.push(...tagKeyProblems(k, 'tagKeys.member'))
        if (problems.length > 0) throw validationErrors(problems)
        authorize(p, action, name, tagKeys)
        const user = existingUser(name)
        const remove = new Set(tagKeys.map(k => k.toLowerCase()))
        reads.change(name, () => {
          user.tags = user.tags.filter(t => !remove.has(t.key.toLowerCase()))
        })
        return undefined
      }
      case 'ListAttachedUserPolicies': {
        const name = userNameParam(params, true) as string
        authorize(p, action, name)
        existingUser(name)
        const listed = page(managed.get(name) ?? [], params)
        const members = listed.items.map(policy =>
          el('member', text('PolicyName', policy.name) + text('PolicyArn', policy.arn))
        )
        return el('AttachedPolicies', members.join('')) + listed.tail
      }
      case 'ListUserTags': {
        const name = userNameParam(params, true) as string
        authorize(p, action, name)
        existingUser(name)
        const listed = page(reads.visible(name).tags, params)
        return el('Tags', tagXml(listed.items)) + listed.tail
      }
      default:
        throw new AwsError(
          400,
          'InvalidAction',
          `Could not find operation ${action} for version ${IAM_VERSION}`
        )
    }
  }

  function stsAction(p: Principal): string {
    const userId = p.kind === 'user' ? p.user.userId : `${p.role.roleId}:${p.session.name}`
    return text('Arn', principalArn(p)) + text('UserId', userId) + text('Account', accountId)
  }

  // ---- HTTP -------------------------------------------------------------------------------

  function send(
    res: ServerResponse,
    status: number,
    xml: string,
    requestId: string,
    extra: Record<string, string> = {}
  ): void {
    if (res.headersSent || res.destroyed) return
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}\n`
    res.writeHead(status, {
      'content-type': 'text/xml',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': requestId,
      ...extra
    })
    res.end(body)
  }

  function errorXml(service: Service, e: AwsError, requestId: string): string {
    const type = e.status >= 500 ? 'Receiver' : 'Sender'
    return `<ErrorResponse xmlns="${XMLNS[service]}">${el(
      'Error',
      text('Type', type) + text('Code', e.code) + text('Message', e.message)
    )}${text('RequestId', requestId)}</ErrorResponse>`
  }

  /** Which service a request is for: by Version, else by the credential scope. */
  function serviceOf(r: ParsedRequest): Service {
    if (r.params.Version === IAM_VERSION) return 'iam'
    if (r.params.Version === STS_VERSION) return 'sts'
    const scoped = /Credential=[^/]*\/[^/]*\/[^/]*\/(iam|sts)\//.exec(
      r.headers.get('authorization') ?? ''
    )
    return scoped?.[1] === 'sts' ? 'sts' : 'iam'
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID()
    const log: LoggedRequest = {
      at: Date.now(),
      service: 'iam',
      action: '',
      accessKeyId: '',
      params: {},
      status: 0
    }
    let service: Service = 'iam'
    try {
      const { body, tooLarge } = await readBody(req)
      const rawUrl = req.url ?? '/'
      const q = rawUrl.indexOf('?')
      const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl
      const query = new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '')
      const headers = headerValues(req)
      const params: Record<string, string> = {}
      for (const [k, v] of query) params[k] ??= v
      const contentType = (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
      if (contentType === 'application/x-www-form-urlencoded') {
        for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] ??= v
      }
      const r: ParsedRequest = {
        method: req.method ?? 'GET',
        rawPath,
        query,
        headers,
        body,
        params
      }
      service = serviceOf(r)
      log.service = service
      log.action = params.Action ?? ''
      log.params = redact(params)
      if (tooLarge) throw new AwsError(413, 'RequestEntityTooLarge', 'Request body is too large.')
      if (r.method !== 'POST' && r.method !== 'GET') {
        throw new AwsError(400, 'InvalidHttpRequest', `Unsupported HTTP method ${r.method}.`)
      }

      const nowMs = Date.now()
      const { principal, region } = authenticate(r, service, nowMs, log)
      log.principal = principalName(principal)
      if (principal.kind === 'user') {
        principal.key.lastUsed = {
          date: new Date(Math.floor(nowMs / 1000) * 1000),
          service,
          region
        }
      }

      const action = params.Action ?? ''
      const version = params.Version ?? ''
      const known = service === 'iam' ? IAM_ACTIONS : STS_ACTIONS
      if (!known.has(action) || version !== (service === 'iam' ? IAM_VERSION : STS_VERSION)) {
        throw new AwsError(
          400,
          'InvalidAction',
          `Could not find operation ${action} for version ${version}`
        )
      }

      const call: InterceptedCall = {
        service,
        action,
        params: redact(params),
        principal: principalName(principal),
        accessKeyId: log.accessKeyId
      }
      if (service === 'iam' && throttle && !throttle.take()) {
        throw new AwsError(400, 'Throttling', defaultMessage('Throttling'))
      }
      for (const fn of [...interceptors]) {
        const outcome = await fn(call)
        if (!outcome) continue
        if ('reset' in outcome) {
          log.status = 0
          req.socket.destroy()
          return
        }
        if ('delayMs' in outcome) {
          await new Promise(resolve => setTimeout(resolve, outcome.delayMs))
          continue
        }
        throw new AwsError(
          outcome.status,
          outcome.code,
          outcome.message ?? defaultMessage(outcome.code),
          outcome.retryAfterSeconds
        )
      }

      const result = service === 'iam' ? iamAction(action, params, principal) : stsAction(principal)
      const inner =
        (result === undefined ? '' : el(`${action}Result`, result)) +
        el('ResponseMetadata', text('RequestId', requestId))
      log.status = 200
      send(
        res,
        200,
        `<${action}Response xmlns="${XMLNS[service]}">${inner}</${action}Response>`,
        requestId
      )
    } catch (err) {
      const e =
        err instanceof AwsError
          ? err
          : new AwsError(
              500,
              'InternalFailure',
              'The request processing has failed because of an unknown error.'
            )
      if (!(err instanceof AwsError)) console.error('aws emulator: unexpected error', err)
      log.status = e.status
      log.errorCode = e.code
      const extra: Record<string, string> =
        e.retryAfterSeconds === undefined ? {} : { 'retry-after': String(e.retryAfterSeconds) }
      send(res, e.status, errorXml(service, e, requestId), requestId, extra)
    } finally {
      requests.push(log)
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(err => {
      console.error('aws emulator: failed to answer', err)
      res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    accountId,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
    createUser(name, opts = {}) {
      if (users.has(name)) throw new Error(`user ${name} exists`)
      if (!USER_NAME_PATTERN.test(name) || name.length > 64)
        throw new Error(`invalid user name ${name}`)
      const path = opts.path ?? '/'
      if (!/^\/([\x21-\x7e]+\/)?$/.test(path)) throw new Error(`invalid path ${path}`)
      users.set(name, {
        name,
        path,
        userId: randomId('AIDA', 21),
        arn: `arn:aws:iam::${accountId}:user${path}${name}`,
        createDate: new Date(Math.floor(Date.now() / 1000) * 1000),
        tags: []
      })
    },
    createAccessKey(userName, opts = {}) {
      mustUser(userName)
      if (keysOf(userName).length >= MAX_KEYS_PER_USER) {
        throw new Error(`user ${userName} already has ${MAX_KEYS_PER_USER} keys (the AWS limit)`)
      }
      const key = issueKey(userName, opts.status ?? 'Active', opts.createdAt ?? new Date())
      if (opts.lastUsed) key.lastUsed = { ...opts.lastUsed }
      reads.seed(key)
      return { accessKeyId: key.id, secretAccessKey: key.secret }
    },
    createRole(name, opts = {}) {
      if (roles.has(name)) throw new Error(`role ${name} exists`)
      roles.set(name, {
        name,
        roleId: randomId('AROA', 21),
        arn: `arn:aws:iam::${accountId}:role/${name}`,
        admin: opts.admin ?? false
      })
    },
    assumeRole(roleName, sessionName) {
      const role = roles.get(roleName)
      if (!role) throw new Error(`no role ${roleName}`)
      if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
        throw new Error(`invalid session name ${sessionName}`)
      let id = randomId('ASIA', 20)
      while (keys.has(id) || sessions.has(id)) id = randomId('ASIA', 20)
      const session: Session = {
        role,
        name: sessionName,
        id,
        secret: randomBytes(30).toString('base64'),
        token: randomBytes(96).toString('base64')
      }
      sessions.set(id, session)
      return { accessKeyId: id, secretAccessKey: session.secret, sessionToken: session.token }
    },
    keys: userName => keysOf(mustUser(userName).name).map(view),
    tags: userName => Object.fromEntries(mustUser(userName).tags.map(t => [t.key, t.value])),
    setTag(userName, key, value) {
      const problems = [...tagKeyProblems(key, 'key'), ...tagValueProblems(value, 'value')]
      if (problems.length > 0) throw new Error(problems.join('; '))
      const user = mustUser(userName)
      reads.change(userName, () => applyTags(user, [{ key, value }]))
    },
    setKeyStatus(accessKeyId, status) {
      const key = mustKey(accessKeyId)
      reads.change(key.userName, () => {
        key.status = status
      })
    },
    deleteKey(accessKeyId) {
      const key = mustKey(accessKeyId)
      reads.change(key.userName, () => keys.delete(accessKeyId))
    },
    shiftTime(ms) {
      // The remembered states hold unshifted dates; the truth has them right.
      reads.settle()
      for (const key of keys.values()) {
        key.createDate = new Date(key.createDate.getTime() - ms)
        if (key.issuedAtMs !== undefined) key.issuedAtMs -= ms
        if (key.lastUsed)
          key.lastUsed = { ...key.lastUsed, date: new Date(key.lastUsed.date.getTime() - ms) }
      }
    },
    attachManagedPolicy(userName, policy) {
      existingUser(userName)
      const held = managed.get(userName) ?? []
      if (!held.some(other => other.arn === policy.arn)) managed.set(userName, [...held, policy])
    },
    detachManagedPolicy(userName, policyArn) {
      managed.set(
        userName,
        (managed.get(userName) ?? []).filter(policy => policy.arn !== policyArn)
      )
    },
    attachPolicy(name, document) {
      checkPolicy(document)
      policies.set(name, [...(policies.get(name) ?? []), document])
    },
    deny(name, action) {
      denials.add(`${name}\n${action}`)
    },
    setPropagationDelay(ms) {
      propagationDelayMs = ms
    },
    setAcceptance(rule) {
      acceptance = rule
    },
    setReadLag(ms) {
      reads.setLag(ms)
    },
    setIamRate(rate) {
      throttledBefore += throttle?.refused ?? 0
      throttle = rate && createThrottle(rate)
    },
    throttled() {
      return throttledBefore + (throttle?.refused ?? 0)
    },
    settleReads() {
      reads.settle()
    },
    intercept(fn) {
      interceptors.push(fn)
      return () => {
        const i = interceptors.indexOf(fn)
        if (i >= 0) interceptors.splice(i, 1)
      }
    }
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function defaultMessage(code: string): string {
  switch (code) {
    case 'Throttling':
      return 'Rate exceeded'
    case 'ServiceUnavailable':
      return 'Service is unavailable. Please try again later.'
    case 'ServiceFailure':
    case 'InternalFailure':
      return 'The request processing has failed because of an unknown error, exception or failure.'
    default:
      return code
  }
}
