/**
 * Access keys: ListAccessKeys, CreateAccessKey, UpdateAccessKey, DeleteAccessKey and
 * GetAccessKeyLastUsed as the IAM API reference describes them
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccessKey.html and its
 * siblings), with IAM's quota of two keys per user, inactive ones included: a third is
 * `LimitExceeded` (IAM User Guide, "IAM and AWS STS quotas":
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html; FACTS.md). Changes
 * go through the read history (./propagation.ts), so lagging reads may miss them.
 */
import type { AwsEmulator } from '../aws.js'
import {
  existingUser,
  issueKey,
  keysOf,
  mustUser,
  view,
  type AccessKey,
  type Account,
  type IamHandler,
  type KeyStatus
} from './account.js'
import { authorize } from './authorize.js'
import { accessKeyIdParam, nullValue, page, target, userNameParam } from './params.js'
import type { KeyMetadata } from './propagation.js'
import { AwsError, el, isoDate, members, text, validation } from './query.js'

const MAX_KEYS_PER_USER = 2

const noSuchKey = (id: string) =>
  new AwsError(404, 'NoSuchEntity', `The Access Key with id ${id} cannot be found.`)

function keyMetadataXml(k: KeyMetadata): string {
  return (
    text('UserName', k.userName) +
    text('AccessKeyId', k.id) +
    text('Status', k.status) +
    text('CreateDate', isoDate(k.createDate))
  )
}

/** UpdateAccessKey's Status: Active or Inactive. */
function statusParam(params: Record<string, string>): KeyStatus {
  const s = params.Status
  if (s === undefined) throw validation(`1 validation error detected: ${nullValue('status')}`)
  if (s !== 'Active' && s !== 'Inactive') {
    throw validation(
      `1 validation error detected: Value '${s}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`
    )
  }
  return s
}

/** UpdateAccessKey (with a status) and DeleteAccessKey (without). */
function changeKey(
  { account, action, params, principal }: Parameters<IamHandler>[0],
  status: () => KeyStatus | undefined
): undefined {
  const given = userNameParam(params, false)
  const id = accessKeyIdParam(params)
  const newStatus = status()
  const name = target(principal, given)
  authorize(account, principal, action, name)
  existingUser(account, name)
  // The key is looked up under the named (or calling) user only.
  const key = account.keys.get(id)
  if (!key || key.userName !== name) throw noSuchKey(id)
  account.reads.change(name, () => {
    if (newStatus) key.status = newStatus
    else account.keys.delete(id)
  })
  return undefined
}

export const KEY_ACTIONS: Record<string, IamHandler> = {
  ListAccessKeys({ account, action, params, principal }) {
    const name = target(principal, userNameParam(params, false))
    authorize(account, principal, action, name)
    existingUser(account, name)
    const listed = page(account.reads.visible(name).keys, params)
    return el('AccessKeyMetadata', members(listed.items.map(keyMetadataXml))) + listed.tail
  },
  CreateAccessKey({ account, action, params, principal }) {
    const name = target(principal, userNameParam(params, false))
    authorize(account, principal, action, name)
    existingUser(account, name)
    if (keysOf(account, name).length >= MAX_KEYS_PER_USER) {
      throw new AwsError(
        409,
        'LimitExceeded',
        `Cannot exceed quota for AccessKeysPerUser: ${MAX_KEYS_PER_USER}`
      )
    }
    const createDate = new Date(Math.floor(Date.now() / 1000) * 1000)
    const key = account.reads.change(name, () => issueKey(account, name, 'Active', createDate))
    key.issuedAtMs = Date.now()
    return el(
      'AccessKey',
      text('UserName', key.userName) +
        text('AccessKeyId', key.id) +
        text('Status', key.status) +
        text('SecretAccessKey', key.secret) +
        text('CreateDate', isoDate(key.createDate))
    )
  },
  UpdateAccessKey: call => changeKey(call, () => statusParam(call.params)),
  DeleteAccessKey: call => changeKey(call, () => undefined),
  GetAccessKeyLastUsed({ account, action, params, principal }) {
    const id = accessKeyIdParam(params)
    const key = account.keys.get(id)
    // An unknown key: NoSuchEntity, the one error AWS's IAM service model gave this action
    // (generated SDKs: rusoto_iam and aws-sdk-iam 0.13, GetAccessKeyLastUsedError). Today's
    // model lists none, so the action takes any other error as a failed read, never as a loss.
    if (!key) throw noSuchKey(id)
    authorize(account, principal, action, key.userName)
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
}

type KeyControls = Pick<
  AwsEmulator,
  'createAccessKey' | 'keys' | 'setKeyStatus' | 'deleteKey' | 'shiftTime'
>

export function keyControls(account: Account): KeyControls {
  const mustKey = (id: string): AccessKey => {
    const key = account.keys.get(id)
    if (!key) throw new Error(`no access key ${id}`)
    return key
  }
  return {
    createAccessKey(userName, opts = {}) {
      mustUser(account, userName)
      if (keysOf(account, userName).length >= MAX_KEYS_PER_USER) {
        throw new Error(`user ${userName} already has ${MAX_KEYS_PER_USER} keys (the AWS limit)`)
      }
      const createdAt = opts.createdAt ?? new Date()
      const key = issueKey(account, userName, opts.status ?? 'Active', createdAt)
      if (opts.lastUsed) key.lastUsed = { ...opts.lastUsed }
      account.reads.seed(key)
      return { accessKeyId: key.id, secretAccessKey: key.secret }
    },
    keys: userName => keysOf(account, mustUser(account, userName).name).map(view),
    setKeyStatus(accessKeyId, status) {
      const key = mustKey(accessKeyId)
      account.reads.change(key.userName, () => {
        key.status = status
      })
    },
    deleteKey(accessKeyId) {
      const key = mustKey(accessKeyId)
      account.reads.change(key.userName, () => account.keys.delete(accessKeyId))
    },
    shiftTime(ms) {
      // The remembered states hold unshifted dates; the truth has them right.
      account.reads.settle()
      for (const key of account.keys.values()) {
        key.createDate = new Date(key.createDate.getTime() - ms)
        if (key.issuedAtMs !== undefined) key.issuedAtMs -= ms
        if (key.lastUsed)
          key.lastUsed = { ...key.lastUsed, date: new Date(key.lastUsed.date.getTime() - ms) }
      }
    }
  }
}
