import { awsErrorCode } from './aws-errors.js'
import type { Aws, Credentials, ListedKey } from './aws.js'
import { describeError, InputError, Refusal, ROOT_REFUSAL, statusOf } from './errors.js'

import {
  isIntentTagKey,
  QUARANTINE_TAG_KEY,
  readMark,
  readQuarantineRecord,
  type Mark
} from './marks.js'
import { partitionOf } from './regions.js'
import type { RunState } from './github.js'
import type { Settings } from './settings.js'
import { describeTarget, type Target } from './targets.js'
import {
  isQuarantinePolicy,
  parseCallerArn,
  type Caller,
  type Intent,
  type KeyState,
  type LastUse,
  type QuarantineReading,
  type SecretWrite,
  type Snapshot,
  type StaleMark
} from './snapshot.js'

const ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{12,124}$/

export interface Observation {
  readonly snapshot: Snapshot
  /** The credentials this run signs with; the secret never leaves apply and the export. */
  readonly signing: Credentials
}

/** Read-only calls that gather everything the planner decides from. */
export async function observe(
  aws: Aws,
  settings: Pick<Settings, 'iamUserName' | 'run' | 'awsRegion'>,
  runState: (repository: string, runId: string, attempt: string) => Promise<RunState>,
  mask: (credentials: Credentials) => void
): Promise<Observation> {
  // Masked before the first request signed with them: an SDK error could echo them.
  const signing = await aws.signingCredentials()
  mask(signing)
  const identity = await aws.callerIdentity().catch((error: unknown) => {
    throw explainCredentials(error, settings.awsRegion)
  })
  const caller = parseCallerArn(identity.arn, identity.accountId)
  const userName = userToRotate(caller, settings.iamUserName)
  const self = caller.kind === 'user' && caller.userName === userName
  const userArn = await readUserArn(aws, userName, caller.accountId)
  const user = { userName, userArn, signingKeyId: self ? signing.accessKeyId : undefined }
  const snapshot = await observeUser(aws, caller, user, settings.run.runId, runState)
  return { snapshot, signing }
}

/** The reads of one user: all observeUser calls. */
export type UserReads = Pick<Aws, 'listKeys' | 'listTags' | 'lastUse' | 'attachedPolicyNames'>

/** The user observed; in self-rotation, the key the run signs with. */
export interface ObservedUser {
  readonly userName: string
  readonly userArn: string
  readonly signingKeyId: string | undefined
}

/** One user's keys, marks and quarantine, and what GitHub says of the runs holding its keys. */
export async function observeUser(
  aws: UserReads,
  caller: Caller,
  user: ObservedUser,
  ownRunId: string,
  runState: (repository: string, runId: string, attempt: string) => Promise<RunState>
): Promise<Snapshot> {
  const { userName } = user
  const [{ listed, tags, keys }, quarantine] = await Promise.all([
    readKeys(aws, userName),
    readQuarantine(aws, userName)
  ])
  const staleMarks = staleMarksOf(tags, listed)
  const runs = await readRunStates(holdersOf(tags, keys, staleMarks, ownRunId), runState)
  return {
    caller,
    userName,
    userArn: user.userArn,
    mode: user.signingKeyId === undefined ? 'admin' : 'self',
    signingKeyId: user.signingKeyId,
    keys,
    intents: intentsOf(tags),
    staleMarks,
    runs,
    quarantine,
    ...quarantineRecordOf(tags)
  }
}

/** The user named by iam-user-name, else the caller itself when it is an IAM user. */
function userToRotate(caller: Caller, iamUserName: string | undefined): string {
  // The planner refuses root credentials; without a user name there is nothing to observe first.
  if (caller.kind === 'root' && iamUserName === undefined) throw new Refusal(ROOT_REFUSAL)
  const userName = iamUserName ?? caller.userName
  if (userName === undefined) {
    throw new InputError(
      'iam-user-name',
      `is required when the credentials are not an IAM user's own (the caller is ${caller.arn}); name the user whose key to rotate`
    )
  }
  return userName
}

/** When a secret of a target was last written (GitHub's updated_at); undefined: no such secret. */
export type SecretTimeReader = (target: Target, secretName: string) => Promise<number | undefined>

/** The targets' write times, and the targets whose time could not be read (with why). */
export interface TargetWrites {
  readonly writes: SecretWrite[]
  readonly unread: string[]
}

/**
 * When each target's `secretName` was last written, for the planner to compare with the time
 * the marks say this user's key reached every target. Never fatal: a refused or failed read
 * leaves that target out and names it in `unread`; a missing secret has no time to compare.
 */
export async function observeTargetWrites(
  read: SecretTimeReader,
  targets: readonly Target[],
  secretName: string
): Promise<TargetWrites> {
  // All asked for at once: the GitHub client's own limit decides how many are in flight.
  const answers = await Promise.all(
    targets.map(target => readTargetWrite(read, describeTarget(target), target, secretName))
  )
  return {
    writes: answers.flatMap(answer => ('updatedAt' in answer ? [answer] : [])),
    unread: answers.flatMap(answer => ('unread' in answer ? [answer.unread] : []))
  }
}

async function readTargetWrite(
  read: SecretTimeReader,
  name: string,
  target: Target,
  secretName: string
): Promise<SecretWrite | { unread: string } | { missing: true }> {
  try {
    const updatedAt = await read(target, secretName)
    return updatedAt === undefined ? { missing: true } : { target: name, secretName, updatedAt }
  } catch (error) {
    return { unread: `${name} (${statusOf(error) ?? 'no answer'})` }
  }
}

/** The user's ARN; a user that does not exist is an input to fix, not an AWS failure. */
async function readUserArn(aws: Aws, userName: string, accountId: string): Promise<string> {
  try {
    return await aws.getUserArn(userName)
  } catch (error) {
    if (awsErrorCode(error) === 'NoSuchEntity') {
      throw new InputError(
        'iam-user-name',
        `IAM user '${userName}' does not exist in account ${accountId}`
      )
    }
    throw error
  }
}

function quarantineRecordOf(tags: Record<string, string>): Pick<Snapshot, 'quarantineRecord'> {
  const value = tags[QUARANTINE_TAG_KEY]
  if (value === undefined) return {}
  return { quarantineRecord: readQuarantineRecord(value) ?? 'unreadable' }
}

/** AWS's quarantine policy on the user, if any; a refused or failed read is said, not fatal. */
async function readQuarantine(aws: UserReads, userName: string): Promise<QuarantineReading> {
  try {
    const policyName = (await aws.attachedPolicyNames(userName)).find(isQuarantinePolicy)
    return policyName ? { kind: 'quarantined', policyName } : { kind: 'none' }
  } catch (error) {
    return { kind: 'unknown', reason: describeError(error) }
  }
}

/** The user's keys with their last use and marks, and the tags the marks were read from. */
async function readKeys(
  aws: UserReads,
  userName: string
): Promise<{ listed: ListedKey[]; tags: Record<string, string>; keys: KeyState[] }> {
  const [everListed, tags] = await Promise.all([aws.listKeys(userName), aws.listTags(userName)])
  const read = await Promise.all(
    everListed.map(async key => {
      const lastUsed = await lastUseOrGone(aws, key.id)
      return lastUsed === 'gone' ? undefined : { ...key, lastUsed, mark: readMark(tags[key.id]) }
    })
  )
  const keys = read.flatMap(key => (key ? [key] : []))
  const listed = everListed.filter(key => keys.some(kept => kept.id === key.id))
  return { listed, tags, keys }
}

/**
 * A key's last use; 'gone' when IAM no longer knows the key: it was deleted after a listing that
 * IAM's eventual consistency left stale, so it counts as deleted. NoSuchEntity is the error AWS's
 * service model gave this action; any other error fails the read, so it is never taken for a loss.
 */
async function lastUseOrGone(aws: UserReads, keyId: string): Promise<LastUse | undefined | 'gone'> {
  try {
    return await aws.lastUse(keyId)
  } catch (error) {
    if (awsErrorCode(error) === 'NoSuchEntity') return 'gone'
    throw error
  }
}

/**
 * Runs that hold a pending key (existing or deleted) or an intent, or wait for a smoke run:
 * GitHub may say whether they are still going. This run's own marks are left out.
 */
function holdersOf(
  tags: Record<string, string>,
  keys: readonly KeyState[],
  staleMarks: readonly StaleMark[],
  ownRunId: string
): Mark[] {
  const marked = (mark: Mark) => ({ kind: 'ours' as const, mark })
  const others = [...intentsOf(tags), ...staleMarks].map(({ mark }) => marked(mark))
  return [...keys.map(key => key.mark), ...others].flatMap(reading =>
    reading.kind === 'ours' &&
    (reading.mark.state === 'pending' ||
      reading.mark.state === 'creating' ||
      reading.mark.smoke === 'due') &&
    reading.mark.runId !== undefined &&
    reading.mark.runId !== ownRunId
      ? [reading.mark]
      : []
  )
}

/** What GitHub says of each holder's run, keyed `runId.attempt`; unknown without a repository. */
async function readRunStates(
  holders: readonly Mark[],
  runState: (repository: string, runId: string, attempt: string) => Promise<RunState>
): Promise<Record<string, RunState>> {
  const runs: Record<string, RunState> = {}
  await Promise.all(
    holders.map(async mark => {
      const id = `${mark.runId}.${mark.runAttempt ?? '1'}`
      runs[id] = mark.repository
        ? await runState(mark.repository, mark.runId ?? '', mark.runAttempt ?? '1')
        : 'unknown'
    })
  )
  return runs
}

/** Every run's readable `creating` mark, oldest first; anything else under an intent key is ignored. */
function intentsOf(tags: Record<string, string>): Intent[] {
  return Object.entries(tags)
    .flatMap(([tagKey, value]) => {
      if (!isIntentTagKey(tagKey)) return []
      const reading = readMark(value)
      return reading.kind === 'ours' && reading.mark.state === 'creating'
        ? [{ tagKey, value, mark: reading.mark }]
        : []
    })
    .sort((a, b) => a.mark.at - b.mark.at || (a.tagKey < b.tagKey ? -1 : 1))
}

/** The action's marks on access keys that no longer exist. */
function staleMarksOf(tags: Record<string, string>, listed: readonly ListedKey[]): StaleMark[] {
  return Object.entries(tags).flatMap(([tagKey, value]) => {
    if (!ACCESS_KEY_ID.test(tagKey) || listed.some(key => key.id === tagKey)) return []
    const reading = readMark(value)
    return reading.kind === 'ours' ? [{ keyId: tagKey, mark: reading.mark }] : []
  })
}

/** AWS refused the credentials the workflow configured: say what that usually means. */
export function explainCredentials(error: unknown, region: string): unknown {
  const code = awsErrorCode(error)
  if (code === 'SignatureDoesNotMatch') {
    return new Refusal(
      'AWS refused the credentials this workflow gave: the signature does not match, so the access key id and the secret ' +
        'access key are not a pair (for example a run stopped between writing the two secrets, or one secret was edited by hand). ' +
        'Nothing was changed. Set both secrets to one key of the user (IAM console: create or pick a key) and run again.'
    )
  }
  if (code === 'InvalidClientTokenId') {
    // A key is known only in its own partition: STS elsewhere answers as for a deleted key.
    const partition = partitionOf(region) ?? 'aws'
    const cause =
      partition === 'aws'
        ? `the key was deleted or deactivated, the secret holds something else, or the key belongs to another partition than aws-region ${region} (AWS GovCloud and China keys work only in their own regions)`
        : `aws-region ${region} is in the ${partition} partition, where keys of other partitions are unknown; or the key was deleted or deactivated, or the secret holds something else`
    return new Refusal(
      `AWS does not know the access key id this workflow gave (InvalidClientTokenId, from STS in ${region}): ${cause}. ` +
        "Nothing was changed. Set aws-region to a region of the IAM user's partition and both secrets to an active key of the user, then run again."
    )
  }
  return error
}
