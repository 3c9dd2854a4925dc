/**
 * IAM user tags: TagUser, UntagUser and ListUserTags as the IAM API reference constrains them
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_TagUser.html,
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html) and the IAM User Guide's
 * "Tagging IAM resources" (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html): keys of
 * 1 to 128 and values of at most 256 characters of letters, digits, spaces and `_ . : / = + - @`;
 * keys compare case-insensitively but keep their case; `aws:` is reserved; at most 50 per user.
 */
import type { AwsEmulator } from '../aws.js'
import {
  existingUser,
  mustUser,
  type Account,
  type IamCall,
  type IamHandler,
  type User
} from './account.js'
import { authorize } from './authorize.js'
import { listIndexes, nullValue, page, requiredUserName, tooMany } from './params.js'
import { AwsError, el, members, text, validationErrors } from './query.js'

type Tag = { key: string; value: string }

const MAX_TAGS_PER_USER = 50
const TAG_KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u
const TAG_VALUE_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u

const codePoints = (s: string) => [...s].length

function tagKeyProblems(key: string, where: string): string[] {
  const problems: string[] = []
  const bad = (constraint: string) =>
    problems.push(`Value '${key}' at '${where}' failed to satisfy constraint: Member ${constraint}`)
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

/** Merges tags case-insensitively (IAM user tag keys ignore case but keep it). */
function applyTags(user: User, tags: Tag[]): void {
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

const tagXml = (tags: Tag[]) => members(tags.map(t => text('Key', t.key) + text('Value', t.value)))

/** TagUser's Tags.member.N, validated as AWS does: every problem at once, then the reserved and duplicate keys. */
function tagsParam(params: Record<string, string>): Tag[] {
  const indexes = listIndexes(params, 'Tags', 'tags')
  const tags: Tag[] = []
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
  return tags
}

function tagUser({ account, action, params, principal }: IamCall): undefined {
  const name = requiredUserName(params)
  const tags = tagsParam(params)
  authorize(
    account,
    principal,
    action,
    name,
    tags.map(t => t.key)
  )
  const user = existingUser(account, name)
  account.reads.change(name, () => applyTags(user, tags))
  return undefined
}

function untagUser({ account, action, params, principal }: IamCall): undefined {
  const name = requiredUserName(params)
  const indexes = listIndexes(params, 'TagKeys', 'tagKeys')
  const tagKeys = indexes.map(i => params[`TagKeys.member.${i}`] ?? '')
  const problems: string[] = []
  if (indexes.length > MAX_TAGS_PER_USER) problems.push(tooMany('tagKeys'))
  for (const k of tagKeys) problems.push(...tagKeyProblems(k, 'tagKeys.member'))
  if (problems.length > 0) throw validationErrors(problems)
  authorize(account, principal, action, name, tagKeys)
  const user = existingUser(account, name)
  const remove = new Set(tagKeys.map(k => k.toLowerCase()))
  account.reads.change(name, () => {
    user.tags = user.tags.filter(t => !remove.has(t.key.toLowerCase()))
  })
  return undefined
}

export const TAG_ACTIONS: Record<string, IamHandler> = {
  TagUser: tagUser,
  UntagUser: untagUser,
  ListUserTags({ account, action, params, principal }) {
    const name = requiredUserName(params)
    authorize(account, principal, action, name)
    existingUser(account, name)
    const listed = page(account.reads.visible(name).tags, params)
    return el('Tags', tagXml(listed.items)) + listed.tail
  }
}

/** The user's tags as GetUser shows them (from the lagging reads): none, no element. */
export function userTagsXml(account: Account, userName: string): string {
  const shown = account.reads.visible(userName).tags
  return shown.length > 0 ? el('Tags', tagXml(shown)) : ''
}

export function tagControls(account: Account): Pick<AwsEmulator, 'tags' | 'setTag'> {
  return {
    tags: userName =>
      Object.fromEntries(mustUser(account, userName).tags.map(t => [t.key, t.value])),
    setTag(userName, key, value) {
      const problems = [...tagKeyProblems(key, 'key'), ...tagValueProblems(value, 'value')]
      if (problems.length > 0) throw new Error(problems.join('; '))
      const user = mustUser(account, userName)
      account.reads.change(userName, () => applyTags(user, [{ key, value }]))
    }
  }
}
