/**
 * Wire-level emulator of AWS IAM and STS (Query protocol: form-encoded POST in, XML out).
 *
 * It verifies the SigV4 signature of every request against the keys it issued, answers with
 * AWS's status codes, error codes, messages and XML shapes, and rejects what AWS rejects:
 * unknown or inactive keys, keys that have not propagated yet, a third key, another user's
 * keys, invalid tags. Reads of keys and tags may lag behind changes (readLagMs). The real SDK
 * talks to it through AWS_ENDPOINT_URL_IAM / _STS.
 *
 * This file is the emulator's face and its request pipeline; each concern lives in ./aws/:
 * query.ts (the Query protocol), sigv4.ts (authentication), account.ts (users, keys, roles,
 * sessions), identities.ts (GetUser, ListUsers, GetCallerIdentity), keys.ts, tags.ts,
 * authorize.ts (policies and authorization), propagation.ts (propagation and read lag); IAM's
 * throttling is ./iam-throttle.ts.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { createThrottle, type Throttle, type ThrottleRate } from './iam-throttle.js'
import type { PolicyDocument } from './iam-policy.js'
import type { ManagedPolicy } from './quarantine.js'
import {
  createAccount,
  keyResolver,
  principalName,
  type Account,
  type IamHandler,
  type KeyStatus,
  type KeyView,
  type LastUse,
  type Principal
} from './aws/account.js'
import { policyControls, POLICY_ACTIONS } from './aws/authorize.js'
import { callerIdentity, identityControls, IDENTITY_ACTIONS } from './aws/identities.js'
import { keyControls, KEY_ACTIONS } from './aws/keys.js'
import {
  DEFAULT_PROPAGATION_DELAY_MS,
  propagationControls,
  type AcceptanceRule
} from './aws/propagation.js'
import {
  AwsError,
  defaultMessage,
  errorXml,
  IAM_VERSION,
  readRequest,
  redact,
  resultXml,
  send,
  serviceOf,
  STS_VERSION,
  type Service
} from './aws/query.js'
import { authenticate } from './aws/sigv4.js'
import { tagControls, TAG_ACTIONS } from './aws/tags.js'

export type { AcceptanceRule, KeyStatus, KeyView, LastUse, Service }

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
  /**
   * How long a key made by CreateAccessKey is rejected before it authenticates. Default
   * DEFAULT_PROPAGATION_DELAY_MS (100 ms, ./aws/propagation.ts); 0: at once, for a test that
   * needs a new key to work immediately.
   */
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
  /**
   * A role with no policy: it may call no IAM action until one is attached. `admin` stands for
   * AWS's AdministratorAccess managed policy attached to it (Allow * on *): the tests' way to
   * look at any user.
   */
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
   * Attaches an identity policy to a user or role: principals are authorized by their policies
   * alone (IAM's evaluation: explicit Deny, then Allow). One without any policy is implicitly
   * denied every IAM action, as in AWS; GetCallerIdentity needs no permission.
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

/** Every IAM action the emulator serves, by name. */
const IAM_HANDLERS: Record<string, IamHandler> = {
  ...IDENTITY_ACTIONS,
  ...KEY_ACTIONS,
  ...TAG_ACTIONS,
  ...POLICY_ACTIONS
}

interface EmulatorState {
  account: Account
  interceptors: Interceptor[]
  requests: LoggedRequest[]
  /** IAM's throttling: the bucket in force, and what earlier buckets refused. */
  throttle: Throttle | undefined
  refusedBefore: number
}

export async function startAwsEmulator(options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  const state: EmulatorState = {
    account: createAccount({
      ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
      propagationDelayMs: options.propagationDelayMs ?? DEFAULT_PROPAGATION_DELAY_MS,
      ...(options.acceptance ? { acceptance: options.acceptance } : {}),
      ...(options.readLagMs === undefined ? {} : { readLagMs: options.readLagMs })
    }),
    interceptors: [],
    requests: [],
    throttle: options.iamRate && createThrottle(options.iamRate),
    refusedBefore: 0
  }
  const server = createServer((req, res) => {
    handle(state, req, res).catch(err => {
      console.error('aws emulator: failed to answer', err)
      res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const { account, interceptors } = state
  return {
    url: `http://127.0.0.1:${port}`,
    accountId: account.accountId,
    requests: state.requests,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
    ...identityControls(account),
    ...keyControls(account),
    ...tagControls(account),
    ...policyControls(account),
    ...propagationControls(account),
    setIamRate(rate) {
      state.refusedBefore += state.throttle?.refused ?? 0
      state.throttle = rate && createThrottle(rate)
    },
    throttled: () => state.refusedBefore + (state.throttle?.refused ?? 0),
    intercept(fn) {
      interceptors.push(fn)
      return () => {
        const i = interceptors.indexOf(fn)
        if (i >= 0) interceptors.splice(i, 1)
      }
    }
  }
}

/** Answers one request in AWS's shape, and logs it. */
async function handle(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const requestId = randomUUID()
  const log: LoggedRequest = {
    at: Date.now(),
    service: 'iam',
    action: '',
    accessKeyId: '',
    params: {},
    status: 0
  }
  try {
    const outcome = await answer(state, req, log)
    if (outcome === 'reset') {
      log.status = 0
      req.socket.destroy()
      return
    }
    log.status = 200
    send(res, 200, resultXml(log.service, outcome.action, outcome.result, requestId), requestId)
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
    send(res, e.status, errorXml(log.service, e, requestId), requestId, extra)
  } finally {
    state.requests.push(log)
  }
}

/**
 * The request's way through: read, authenticate (noting the key's last use), check the action,
 * IAM's throttling, the test's interceptors, then the action. Fills `log` as it learns.
 */
async function answer(
  state: EmulatorState,
  req: IncomingMessage,
  log: LoggedRequest
): Promise<{ action: string; result: string | undefined } | 'reset'> {
  const { request: r, tooLarge } = await readRequest(req)
  const service = serviceOf(r)
  const { params } = r
  log.service = service
  log.action = params.Action ?? ''
  log.params = redact(params)
  if (tooLarge) throw new AwsError(413, 'RequestEntityTooLarge', 'Request body is too large.')
  if (r.method !== 'POST' && r.method !== 'GET') {
    throw new AwsError(400, 'InvalidHttpRequest', `Unsupported HTTP method ${r.method}.`)
  }
  const nowMs = Date.now()
  const onKeyId = (id: string) => {
    log.accessKeyId = id
  }
  const resolveKey = keyResolver(state.account, nowMs, service)
  const { principal, region } = authenticate(r, service, nowMs, onKeyId, resolveKey)
  log.principal = principalName(principal)
  if (principal.kind === 'user') {
    principal.key.lastUsed = { date: new Date(Math.floor(nowMs / 1000) * 1000), service, region }
  }
  const action = knownAction(service, params)
  if (service === 'iam' && state.throttle && !state.throttle.take()) {
    throw new AwsError(400, 'Throttling', defaultMessage('Throttling'))
  }
  const call: InterceptedCall = {
    service,
    action,
    params: redact(params),
    principal: principalName(principal),
    accessKeyId: log.accessKeyId
  }
  if ((await intercepted(state.interceptors, call)) === 'reset') return 'reset'
  return { action, result: perform(state.account, service, action, params, principal) }
}

/** The request's Action, if its service has it in the Version asked for. */
function knownAction(service: Service, params: Record<string, string>): string {
  const action = params.Action ?? ''
  const version = params.Version ?? ''
  const known =
    service === 'iam' ? Object.hasOwn(IAM_HANDLERS, action) : action === 'GetCallerIdentity'
  if (!known || version !== (service === 'iam' ? IAM_VERSION : STS_VERSION)) {
    throw new AwsError(
      400,
      'InvalidAction',
      `Could not find operation ${action} for version ${version}`
    )
  }
  return action
}

/** Runs the test's interceptors in order: a fault is thrown, a delay waited out, a reset told. */
async function intercepted(
  interceptors: Interceptor[],
  call: InterceptedCall
): Promise<'reset' | undefined> {
  for (const fn of [...interceptors]) {
    const outcome = await fn(call)
    if (!outcome) continue
    if ('reset' in outcome) return 'reset'
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
  return undefined
}

function perform(
  account: Account,
  service: Service,
  action: string,
  params: Record<string, string>,
  principal: Principal
): string | undefined {
  if (service === 'sts') return callerIdentity(account, principal)
  const handler = Object.hasOwn(IAM_HANDLERS, action) ? IAM_HANDLERS[action] : undefined
  if (!handler) {
    throw new AwsError(
      400,
      'InvalidAction',
      `Could not find operation ${action} for version ${IAM_VERSION}`
    )
  }
  return handler({ account, action, params, principal })
}
