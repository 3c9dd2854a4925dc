/**
 * The emulated AWS account: its IAM users, their access keys, roles and the sessions assumed
 * from them, the policies attached to each, and who signed a request. Identifiers follow the
 * IAM User Guide's "IAM identifiers" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html):
 * unique ids prefixed AIDA (user), AROA (role), AKIA (access key) and ASIA (temporary key); ARNs
 * `arn:aws:iam::ACCOUNT:user/PATH/NAME` and `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
 */
import { randomBytes, randomInt } from 'node:crypto'
import type { PolicyDocument } from '../iam-policy.js'
import type { ManagedPolicy } from '../quarantine.js'
import {
  accepted,
  createReadHistory,
  metadataOf,
  type AcceptanceRule,
  type Propagation,
  type ReadHistory
} from './propagation.js'
import { AwsError, type Service } from './query.js'
import { invalidToken, safeEqual, type KeyResolver } from './sigv4.js'

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

export interface User {
  name: string
  path: string
  userId: string
  arn: string
  createDate: Date
  tags: Array<{ key: string; value: string }>
}

export interface AccessKey {
  userName: string
  id: string
  secret: string
  status: KeyStatus
  createDate: Date
  /** When CreateAccessKey issued it; undefined for seeded keys, which count as propagated. */
  issuedAtMs?: number
  lastUsed?: LastUse
}

export interface Role {
  name: string
  roleId: string
  arn: string
}

export interface Session {
  role: Role
  name: string
  id: string
  secret: string
  token: string
}

export type Principal =
  { kind: 'user'; user: User; key: AccessKey } | { kind: 'role'; role: Role; session: Session }

export interface Account {
  accountId: string
  users: Map<string, User>
  keys: Map<string, AccessKey>
  roles: Map<string, Role>
  sessions: Map<string, Session>
  /** `principal\naction` pairs explicitly denied (AwsEmulator.deny). */
  denials: Set<string>
  /** Identity policies by user or role name. */
  policies: Map<string, PolicyDocument[]>
  /** AWS managed policies attached to users, by user name. */
  managed: Map<string, ManagedPolicy[]>
  reads: ReadHistory
  propagation: Propagation
}

export function createAccount(options: {
  accountId?: string
  propagationDelayMs: number
  acceptance?: AcceptanceRule
  readLagMs?: number
}): Account {
  const users = new Map<string, User>()
  const keys = new Map<string, AccessKey>()
  const reads = createReadHistory(
    name => ({
      keys: [...keys.values()].filter(k => k.userName === name).map(metadataOf),
      tags: (users.get(name)?.tags ?? []).map(t => ({ ...t }))
    }),
    options.readLagMs ?? 0
  )
  return {
    accountId: options.accountId ?? '123456789012',
    users,
    keys,
    roles: new Map(),
    sessions: new Map(),
    denials: new Set(),
    policies: new Map(),
    managed: new Map(),
    reads,
    propagation: { delayMs: options.propagationDelayMs, acceptance: options.acceptance }
  }
}

export const principalName = (p: Principal) => (p.kind === 'user' ? p.user.name : p.role.name)

export function principalArn(account: Account, p: Principal): string {
  return p.kind === 'user'
    ? p.user.arn
    : `arn:aws:sts::${account.accountId}:assumed-role/${p.role.name}/${p.session.name}`
}

export function randomId(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  let id = prefix
  while (id.length < length) id += alphabet[randomInt(alphabet.length)]
  return id
}

export const keysOf = (account: Account, userName: string) =>
  [...account.keys.values()].filter(k => k.userName === userName)

export const view = (k: AccessKey): KeyView => ({
  userName: k.userName,
  accessKeyId: k.id,
  secretAccessKey: k.secret,
  status: k.status,
  createDate: new Date(k.createDate),
  ...(k.lastUsed ? { lastUsed: { ...k.lastUsed, date: new Date(k.lastUsed.date) } } : {})
})

/** A new key, unique among keys and session keys. */
export function issueKey(
  account: Account,
  userName: string,
  status: KeyStatus,
  createDate: Date
): AccessKey {
  let id = randomId('AKIA', 20)
  while (account.keys.has(id) || account.sessions.has(id)) id = randomId('AKIA', 20)
  const key: AccessKey = {
    userName,
    id,
    secret: randomBytes(30).toString('base64'),
    status,
    createDate
  }
  account.keys.set(id, key)
  return key
}

/** A user a test names: a mistake in the test when missing. */
export function mustUser(account: Account, name: string): User {
  const user = account.users.get(name)
  if (!user) throw new Error(`no user ${name}`)
  return user
}

/** A user a request names: AWS's NoSuchEntity when missing. */
export function existingUser(account: Account, name: string): User {
  const user = account.users.get(name)
  if (!user) throw new AwsError(404, 'NoSuchEntity', `The user with name ${name} cannot be found.`)
  return user
}

/**
 * Who a signing key stands for: an active, propagated user key without a session token, or a
 * session key with its token. Anything else is an invalid token, as AWS answers it.
 */
export function keyResolver(
  account: Account,
  nowMs: number,
  service: Service
): KeyResolver<Principal> {
  return (accessKeyId, token) => {
    const key = account.keys.get(accessKeyId)
    const session = account.sessions.get(accessKeyId)
    if (key) {
      if (key.status !== 'Active') throw invalidToken()
      if (!accepted(account.propagation, key, nowMs, service)) throw invalidToken()
      if (token !== undefined) throw invalidToken()
      const user = account.users.get(key.userName)
      if (!user) throw invalidToken()
      return { principal: { kind: 'user', user, key }, secret: key.secret }
    }
    if (session) {
      if (token === undefined || !safeEqual(token, session.token)) throw invalidToken()
      return { principal: { kind: 'role', role: session.role, session }, secret: session.secret }
    }
    throw invalidToken()
  }
}

/** One IAM action's request, as its handler gets it. */
export interface IamCall {
  account: Account
  action: string
  params: Record<string, string>
  principal: Principal
}

/** Answers an IAM action: the inner XML of <ActionResult>, or undefined when it has none. */
export type IamHandler = (call: IamCall) => string | undefined
