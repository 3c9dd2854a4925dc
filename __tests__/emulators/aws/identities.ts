/**
 * Who is in the account: IAM users (GetUser, ListUsers), roles and the sessions assumed from
 * them, and STS's GetCallerIdentity, which answers for any valid signer: no IAM policy governs
 * it, not even an explicit Deny (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html;
 * FACTS.md). User names and paths as the IAM API reference constrains them
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html).
 */
import { randomBytes } from 'node:crypto'
import type { AwsEmulator } from '../aws.js'
import {
  existingUser,
  principalArn,
  randomId,
  type Account,
  type IamCall,
  type IamHandler,
  type Principal,
  type Session,
  type User
} from './account.js'
import { ADMINISTRATOR_ACCESS, authorize } from './authorize.js'
import { page, target, userNameParam, USER_NAME_PATTERN } from './params.js'
import { el, isoDate, members, text, validationErrors } from './query.js'
import { userTagsXml } from './tags.js'

const userXml = (u: User) =>
  text('Path', u.path) +
  text('UserName', u.name) +
  text('UserId', u.userId) +
  text('Arn', u.arn) +
  text('CreateDate', isoDate(u.createDate))

/**
 * ListUsers (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListUsers.html):
 * PathPrefix defaults to `/`, is `/` or begins and ends with `/` (ASCII ! to DEL between), at
 * most 512 characters; pages of MaxItems (default 100) with Marker; no tags in the answer.
 * Authorized against the path's ARN, `arn:aws:iam::ACCOUNT:user/PATH/`, so a policy that allows
 * `user/deploy/*` lists `/deploy/` and nothing above it. No AWS document states which ARN
 * ListUsers is evaluated against: this is the project's assumption, from how IAM names users
 * by path (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html). The
 * README and the refusal's advice say what to grant if an account refuses it.
 */
function listUsers({ account, params, principal }: IamCall): string {
  const prefix = params.PathPrefix ?? '/'
  if (prefix.length > 512 || !/^\/([\x21-\x7f]*\/)?$/.test(prefix)) {
    throw validationErrors([
      `Value '${prefix}' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*`
    ])
  }
  const resource = `arn:aws:iam::${account.accountId}:user${prefix}`
  authorize(account, principal, 'ListUsers', '', undefined, { resource, shown: resource })
  const under = [...account.users.values()]
    .filter(user => user.path.startsWith(prefix))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
  const listed = page(under, params)
  return el('Users', members(listed.items.map(userXml))) + listed.tail
}

export const IDENTITY_ACTIONS: Record<string, IamHandler> = {
  GetUser({ account, action, params, principal }) {
    const name = target(principal, userNameParam(params, false))
    authorize(account, principal, action, name)
    const u = existingUser(account, name)
    return el('User', userXml(u) + userTagsXml(account, name))
  },
  ListUsers: listUsers
}

/** GetCallerIdentity's result: never authorized by IAM policies. */
export function callerIdentity(account: Account, p: Principal): string {
  const userId = p.kind === 'user' ? p.user.userId : `${p.role.roleId}:${p.session.name}`
  return (
    text('Arn', principalArn(account, p)) +
    text('UserId', userId) +
    text('Account', account.accountId)
  )
}

type IdentityControls = Pick<AwsEmulator, 'createUser' | 'createRole' | 'assumeRole'>

export function identityControls(account: Account): IdentityControls {
  return {
    createUser(name, opts = {}) {
      if (account.users.has(name)) throw new Error(`user ${name} exists`)
      if (!USER_NAME_PATTERN.test(name) || name.length > 64)
        throw new Error(`invalid user name ${name}`)
      const path = opts.path ?? '/'
      if (!/^\/([\x21-\x7e]+\/)?$/.test(path)) throw new Error(`invalid path ${path}`)
      account.users.set(name, {
        name,
        path,
        userId: randomId('AIDA', 21),
        arn: `arn:aws:iam::${account.accountId}:user${path}${name}`,
        createDate: new Date(Math.floor(Date.now() / 1000) * 1000),
        tags: []
      })
    },
    createRole(name, opts = {}) {
      if (account.roles.has(name)) throw new Error(`role ${name} exists`)
      account.roles.set(name, {
        name,
        roleId: randomId('AROA', 21),
        arn: `arn:aws:iam::${account.accountId}:role/${name}`
      })
      if (opts.admin) account.policies.set(name, [ADMINISTRATOR_ACCESS])
    },
    assumeRole(roleName, sessionName) {
      const role = account.roles.get(roleName)
      if (!role) throw new Error(`no role ${roleName}`)
      if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
        throw new Error(`invalid session name ${sessionName}`)
      let id = randomId('ASIA', 20)
      while (account.keys.has(id) || account.sessions.has(id)) id = randomId('ASIA', 20)
      const session: Session = {
        role,
        name: sessionName,
        id,
        secret: randomBytes(30).toString('base64'),
        token: randomBytes(96).toString('base64')
      }
      account.sessions.set(id, session)
      return { accessKeyId: id, secretAccessKey: session.secret, sessionToken: session.token }
    }
  }
}
