/**
 * IAM's request parameters as its API reference constrains them, with AWS's ValidationError
 * wording ("1 validation error detected: Value ... at 'userName' failed to satisfy constraint:
 * ..."): UserName (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetUser.html),
 * AccessKeyId (https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccessKey.html),
 * lists of members, and the MaxItems / Marker paging every List action shares
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListAccessKeys.html).
 */
import type { Principal } from './account.js'
import { text, validation, validationErrors } from './query.js'

export const USER_NAME_PATTERN = /^[\w+=,.@-]+$/
const ACCESS_KEY_ID_PATTERN = /^\w+$/

export const nullValue = (where: string) =>
  `Value null at '${where}' failed to satisfy constraint: Member must not be null`
export const tooMany = (where: string) =>
  `Value at '${where}' failed to satisfy constraint: Member must have length less than or equal to 50`

/**
 * Indexes of Tags.member.N.Key / TagKeys.member.N, numbered from 1 without gaps. The SDK
 * sends `Tags=` for an empty list; a list left out entirely is null, which AWS rejects.
 */
export function listIndexes(
  params: Record<string, string>,
  prefix: string,
  where: string
): number[] {
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

export function userNameParam(
  params: Record<string, string>,
  required: boolean
): string | undefined {
  const name = params.UserName
  if (name === undefined) {
    if (required) throw validation(`1 validation error detected: ${nullValue('userName')}`)
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

export const requiredUserName = (params: Record<string, string>) =>
  userNameParam(params, true) as string

export function accessKeyIdParam(params: Record<string, string>): string {
  const id = params.AccessKeyId
  if (id === undefined) {
    throw validation(`1 validation error detected: ${nullValue('accessKeyId')}`)
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
export function target(p: Principal, given: string | undefined): string {
  if (given !== undefined) return given
  if (p.kind === 'role')
    throw validation('Must specify userName when calling with non-User credentials')
  return p.user.name
}

/** One page of a list (MaxItems, default 100) from Marker, and the XML that ends the result. */
export function page<T>(items: T[], params: Record<string, string>): { items: T[]; tail: string } {
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
