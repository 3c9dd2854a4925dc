import type { Leak } from './leaks/scan.js'
import type { Mark, MarkReading, QuarantineRecord } from './marks.js'

/** What observe saw: read-only facts, no secrets. The planner decides from this alone. */
export interface Snapshot {
  readonly caller: Caller
  readonly userName: string
  readonly userArn: string
  /** self: the caller is the rotated user, signing with one of its keys. admin: anyone else. */
  readonly mode: 'self' | 'admin'
  /** The key this run signs with, in self-rotation. */
  readonly signingKeyId: string | undefined
  readonly keys: readonly KeyState[]
  /** The intent tags rotations write just before CreateAccessKey, oldest first. */
  readonly intents: readonly Intent[]
  /** The action's marks on access keys that no longer exist (IAM keeps a deleted key's tag). */
  readonly staleMarks: readonly StaleMark[]
  /** What GitHub says of the runs named in pending marks, keyed `runId.attempt`. */
  readonly runs: Readonly<Record<string, 'running' | 'finished' | 'unknown'>>
  /** The user's keys named in open secret scanning alerts (absent: not checked). */
  readonly leaks?: readonly Leak[]
  /** Whether AWS has quarantined the user (absent: not checked, as none). */
  readonly quarantine?: QuarantineReading
  /** The action's record of the keys the quarantine exposed (a user tag), if any. */
  readonly quarantineRecord?: QuarantineRecord | 'unreadable'
  /** When each target's access key id secret was last written (absent: not read). */
  readonly targetWrites?: readonly SecretWrite[]
}

/** GitHub's word on when a target's secret was last written: its updated_at, never its value. */
export interface SecretWrite {
  /** The target as the targets input names it. */
  readonly target: string
  readonly secretName: string
  /** ms since the epoch, by GitHub's clock. */
  readonly updatedAt: number
}

/**
 * AWS's answer to a key it found in public: one of its managed quarantine policies attached to
 * the user, which denies the user iam:CreateAccessKey and iam:UpdateAccessKey.
 */
export type QuarantineReading =
  | { readonly kind: 'none' }
  | { readonly kind: 'quarantined'; readonly policyName: string }
  /** ListAttachedUserPolicies was refused or failed: the run goes on as if none. */
  | { readonly kind: 'unknown'; readonly reason: string }

/** The names AWS gives its quarantine policies: the first version, V2, V3 and any later one. */
export function isQuarantinePolicy(policyName: string): boolean {
  return /^AWSCompromisedKeyQuarantine(V\d+)?$/.test(policyName)
}

/** A run's announcement that it is creating a key (a `creating` mark on the user). */
export interface Intent {
  readonly tagKey: string
  /** The tag's exact value: the shared tag of earlier releases is removed only while it reads so. */
  readonly value: string
  readonly mark: Mark
}

export interface StaleMark {
  /** The deleted key's id, which is also the tag's key. */
  readonly keyId: string
  readonly mark: Mark
}

export interface Caller {
  readonly arn: string
  readonly accountId: string
  readonly kind: 'user' | 'assumed-role' | 'root' | 'other'
  /** The IAM user name, when the caller is a user. */
  readonly userName: string | undefined
}

export interface KeyState {
  readonly id: string
  readonly status: 'Active' | 'Inactive'
  readonly createdAt: number
  readonly lastUsed: LastUse | undefined
  readonly mark: MarkReading
}

export interface LastUse {
  readonly at: number
  readonly service: string
  readonly region: string
}

/** Parses an STS caller ARN without assuming the `aws` partition. */
export function parseCallerArn(arn: string, accountId: string): Caller {
  const match = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):(.+)$/.exec(arn)
  const resource = match?.[3] ?? ''
  if (resource === 'root') return { arn, accountId, kind: 'root', userName: undefined }
  if (match?.[1] === 'iam' && resource.startsWith('user/')) {
    return { arn, accountId, kind: 'user', userName: resource.split('/').pop() }
  }
  if (match?.[1] === 'sts' && resource.startsWith('assumed-role/')) {
    return { arn, accountId, kind: 'assumed-role', userName: undefined }
  }
  return { arn, accountId, kind: 'other', userName: undefined }
}
