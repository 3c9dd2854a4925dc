import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  IAMClient,
  paginateListAccessKeys,
  paginateListAttachedUserPolicies,
  paginateListUsers,
  paginateListUserTags,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand
} from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types'
import { type Clock } from './clock.js'
import { isYoungKeyRejection, retryUntil } from './retry.js'
import { iamRegionFor } from './regions.js'
import { awsErrorCode } from './aws-errors.js'
import type { LastUse } from './snapshot.js'

export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

export interface ListedUser {
  readonly userName: string
  readonly arn: string
  readonly path: string
}

export interface ListedKey {
  readonly id: string
  readonly status: 'Active' | 'Inactive'
  readonly createdAt: number
}

/** IAM and STS as the lifecycle needs them; every call names the user explicitly. */
export interface Aws {
  callerIdentity(): Promise<{ arn: string; accountId: string }>
  /** The credentials this client signs with (self-rotation needs the key id and secret). */
  signingCredentials(): Promise<Credentials>
  getUserArn(userName: string): Promise<string>
  listKeys(userName: string): Promise<ListedKey[]>
  /**
   * ListAccessKeys again, right before a step deactivates, deletes or writes: the same call,
   * named apart so that what a step relies on reads apart from what it observes.
   */
  recheckKeys(userName: string): Promise<ListedKey[]>
  lastUse(accessKeyId: string): Promise<LastUse | undefined>
  listTags(userName: string): Promise<Record<string, string>>
  /** The names of the managed policies attached to the user (AWS's quarantine is one). */
  attachedPolicyNames(userName: string): Promise<string[]>
  /** The users whose path starts with `pathPrefix` (the audit). */
  listUsers(pathPrefix: string): Promise<ListedUser[]>
  createKey(userName: string): Promise<Credentials & { createdAt: number }>
  tag(userName: string, key: string, value: string): Promise<void>
  untag(userName: string, key: string): Promise<void>
  untagMany(userName: string, keys: readonly string[]): Promise<void>
  setStatus(userName: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void>
  deleteKey(userName: string, accessKeyId: string): Promise<void>
  /** STS GetCallerIdentity signed with `credentials`: the ARN AWS sees, or the rejection. */
  probe(credentials: Credentials): Promise<string>
  /**
   * The same operations signed with a young key: IAM may reject a key that STS already accepts,
   * so InvalidClientTokenId is retried until `deadline`.
   */
  withYoungKey(credentials: Credentials, deadline: number, clock: Clock): Aws
}

// The SDK's standard strategy (throttling, 5xx, resets, timeouts) with one more attempt than its
// default 3, and timeouts, which the SDK does not set by default.
function clientConfig(requestTimeoutMs: number) {
  return {
    maxAttempts: 4,
    requestHandler: {
      connectionTimeout: Math.min(5_000, requestTimeoutMs),
      requestTimeout: requestTimeoutMs
    }
  }
}

/**
 * After AWS last accepted a young key, its rejections are retried only this long: endpoints
 * that lag answer within seconds of one another (FACTS.md: typically 5 to 10 s in all).
 */
const ACCEPTED_KEY_GRACE_MS = 5_000

/** Clients for the given credentials, or the SDK's default chain (env, OIDC web identity, ...). */
export function createAws(
  region: string,
  requestTimeoutMs: number,
  credentials?: Credentials,
  youngKey?: { deadline: number; clock: Clock }
): Aws {
  const config = { ...clientConfig(requestTimeoutMs), ...(credentials ? { credentials } : {}) }
  const iam = new IAMClient({ ...config, region: iamRegionFor(region) })
  // CreateAccessKey is not idempotent: an SDK retry after a timeout could make a second key whose
  // secret this run never sees. The lifecycle retries it itself, after removing such strays.
  const iamOnce = new IAMClient({ ...config, region: iamRegionFor(region), maxAttempts: 1 })
  const sts = new STSClient({ ...config, region })
  if (youngKey) {
    const { clock } = youngKey
    let acceptedAt: number | undefined
    // Wraps the whole send (serialize, sign, the SDK's own retries), so each retry is signed anew.
    const retryYoungKey: InitializeMiddleware<object, MetadataBearer> = next => async args => {
      // Once AWS accepted the key, a rejection soon means it was switched off, not propagation.
      const until =
        acceptedAt === undefined
          ? youngKey.deadline
          : Math.min(youngKey.deadline, acceptedAt + ACCEPTED_KEY_GRACE_MS)
      const answer = await retryUntil(() => next(args), isYoungKeyRejection, until, clock)
      acceptedAt = clock.now()
      return answer
    }
    const options = { step: 'initialize', name: 'retryYoungKey' } as const
    iam.middlewareStack.add(retryYoungKey, options)
    sts.middlewareStack.add(retryYoungKey, options)
  }
  return sdkAws({ iam, iamOnce, sts }, region, requestTimeoutMs)
}

/**
 * Clients for the audit: hundreds of users' reads in a row meet IAM's throttling, so the SDK's
 * adaptive mode paces the client once AWS answers Throttling, with more attempts than a run's.
 */
export function createAuditAws(region: string, requestTimeoutMs: number): Pick<Aws, AwsReads> {
  const config = { ...clientConfig(requestTimeoutMs), retryMode: 'adaptive', maxAttempts: 10 }
  const iam = new IAMClient({ ...config, region: iamRegionFor(region) })
  const sts = new STSClient({ ...config, region })
  // Reads alone: the audit has no way to change anything in AWS.
  return sdkReads(iam, sts)
}

/** The Aws interface over the SDK clients: reads, writes, and the probes of a new key. */
function sdkAws(
  clients: { iam: IAMClient; iamOnce: IAMClient; sts: STSClient },
  region: string,
  requestTimeoutMs: number
): Aws {
  const { iam, iamOnce, sts } = clients
  return {
    ...sdkReads(iam, sts),
    ...sdkWrites(iam, iamOnce),
    async probe(credentials) {
      const probeClient = new STSClient({
        ...clientConfig(requestTimeoutMs),
        region,
        credentials,
        maxAttempts: 1
      })
      try {
        const answer = await probeClient.send(new GetCallerIdentityCommand({}))
        return answer.Arn ?? ''
      } finally {
        probeClient.destroy()
      }
    },
    withYoungKey(credentials, deadline, clock) {
      return createAws(region, requestTimeoutMs, credentials, { deadline, clock })
    }
  }
}

type AwsReads =
  | 'callerIdentity'
  | 'signingCredentials'
  | 'getUserArn'
  | 'listKeys'
  | 'recheckKeys'
  | 'lastUse'
  | 'listTags'
  | 'attachedPolicyNames'
  | 'listUsers'

/** What observing reads: nothing here changes AWS. */
function sdkReads(iam: IAMClient, sts: STSClient): Pick<Aws, AwsReads> {
  return {
    async callerIdentity() {
      const answer = await sts.send(new GetCallerIdentityCommand({}))
      return { arn: answer.Arn ?? '', accountId: answer.Account ?? '' }
    },
    async signingCredentials() {
      const provider = iam.config.credentials
      const resolved = await provider()
      return {
        accessKeyId: resolved.accessKeyId,
        secretAccessKey: resolved.secretAccessKey,
        ...(resolved.sessionToken ? { sessionToken: resolved.sessionToken } : {})
      }
    },
    async getUserArn(userName) {
      const answer = await iam.send(new GetUserCommand({ UserName: userName }))
      return answer.User?.Arn ?? ''
    },
    listKeys: userName => listAllKeys(iam, userName),
    recheckKeys: userName => listAllKeys(iam, userName),
    async lastUse(accessKeyId) {
      const answer = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }))
      const used = answer.AccessKeyLastUsed
      if (!used?.LastUsedDate) return undefined
      return {
        at: used.LastUsedDate.getTime(),
        service: used.ServiceName ?? 'N/A',
        region: used.Region ?? 'N/A'
      }
    },
    listTags: userName => listAllTags(iam, userName),
    attachedPolicyNames: userName => listAttachedPolicyNames(iam, userName),
    listUsers: pathPrefix => listUsersUnder(iam, pathPrefix)
  }
}

/** ListAttachedUserPolicies answers in pages; the SDK's paginator follows the Marker. */
async function listAttachedPolicyNames(iam: IAMClient, userName: string): Promise<string[]> {
  const names: string[] = []
  for await (const page of paginateListAttachedUserPolicies(
    { client: iam },
    { UserName: userName }
  )) {
    for (const policy of page.AttachedPolicies ?? []) {
      if (policy.PolicyName) names.push(policy.PolicyName)
    }
  }
  return names
}

/** Every access key of the user: ListAccessKeys answers in pages. */
async function listAllKeys(iam: IAMClient, userName: string): Promise<ListedKey[]> {
  const keys: ListedKey[] = []
  for await (const page of paginateListAccessKeys({ client: iam }, { UserName: userName })) {
    for (const key of page.AccessKeyMetadata ?? []) {
      if (!key.AccessKeyId) continue
      keys.push({
        id: key.AccessKeyId,
        status: key.Status === 'Active' ? 'Active' : 'Inactive',
        createdAt: key.CreateDate?.getTime() ?? 0
      })
    }
  }
  return keys
}

/** Every tag of the user (the marks live there): ListUserTags answers in pages. */
async function listAllTags(iam: IAMClient, userName: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {}
  for await (const page of paginateListUserTags({ client: iam }, { UserName: userName })) {
    for (const tag of page.Tags ?? []) {
      if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? ''
    }
  }
  return tags
}

/** Every user under a path (ListUsers; 1,000 a page, the most IAM gives). */
async function listUsersUnder(iam: IAMClient, pathPrefix: string): Promise<ListedUser[]> {
  const users: ListedUser[] = []
  const pages = paginateListUsers({ client: iam, pageSize: 1000 }, { PathPrefix: pathPrefix })
  for await (const page of pages) {
    for (const user of page.Users ?? []) {
      if (user.UserName && user.Arn) {
        users.push({ userName: user.UserName, arn: user.Arn, path: user.Path ?? '/' })
      }
    }
  }
  return users
}

type AwsWrites = 'createKey' | 'tag' | 'untag' | 'untagMany' | 'setStatus' | 'deleteKey'

/** What the steps change: keys and the marks on the user. */
function sdkWrites(iam: IAMClient, iamOnce: IAMClient): Pick<Aws, AwsWrites> {
  return {
    async createKey(userName) {
      const answer = await iamOnce.send(new CreateAccessKeyCommand({ UserName: userName }))
      const key = answer.AccessKey
      if (!key?.AccessKeyId || !key.SecretAccessKey) {
        throw new Error('CreateAccessKey answered without a key')
      }
      return {
        accessKeyId: key.AccessKeyId,
        secretAccessKey: key.SecretAccessKey,
        createdAt: key.CreateDate?.getTime() ?? Date.now()
      }
    },
    async tag(userName, key, value) {
      await iam.send(new TagUserCommand({ UserName: userName, Tags: [{ Key: key, Value: value }] }))
    },
    async untag(userName, key) {
      await iam.send(new UntagUserCommand({ UserName: userName, TagKeys: [key] }))
    },
    async untagMany(userName, keys) {
      // UntagUser takes at most 50 keys, as many as a user can hold.
      for (let i = 0; i < keys.length; i += 50) {
        await iam.send(new UntagUserCommand({ UserName: userName, TagKeys: keys.slice(i, i + 50) }))
      }
    },
    async setStatus(userName, accessKeyId, status) {
      await iam.send(
        new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status })
      )
    },
    async deleteKey(userName, accessKeyId) {
      try {
        await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }))
      } catch (error) {
        // A retry after a timed-out delete finds the key gone: that is the outcome asked for.
        if (awsErrorCode(error) !== 'NoSuchEntity') throw error
      }
    }
  }
}
