/**
 * AWS's quarantine of a user whose access key it found in public (its scans include public
 * GitHub repositories): AWS attaches one of its managed policies to the user and opens a
 * support case. AWS Managed Policy Reference Guide, pages AWSCompromisedKeyQuarantine,
 * AWSCompromisedKeyQuarantineV2 and AWSCompromisedKeyQuarantineV3: every version explicitly
 * denies iam:CreateAccessKey and iam:UpdateAccessKey; V2 and V3 also iam:AttachUserPolicy,
 * iam:DetachUserPolicy, iam:PutUserPolicy and cloudtrail:LookupEvents, among many EC2, Lambda
 * and Organizations actions that this action never calls and the emulator leaves out. Reads
 * such as iam:ListAttachedUserPolicies, iam:ListAccessKeys and sts:GetCallerIdentity stay open.
 * The policy binds the user only: a role that rotates the user is not restricted by it.
 */
import type { PolicyDocument } from './iam-policy.js'

export interface ManagedPolicy {
  readonly name: string
  readonly arn: string
  readonly document: PolicyDocument
}

const FIRST_VERSION_DENIES = ['iam:CreateAccessKey', 'iam:UpdateAccessKey']
const LATER_VERSIONS_DENY = [
  ...FIRST_VERSION_DENIES,
  'iam:AttachUserPolicy',
  'iam:DetachUserPolicy',
  'iam:PutUserPolicy',
  'cloudtrail:LookupEvents'
]

function quarantine(name: string, denied: readonly string[]): ManagedPolicy {
  return {
    name,
    arn: `arn:aws:iam::aws:policy/${name}`,
    document: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: [...denied], Resource: '*' }]
    }
  }
}

export const QUARANTINE_POLICIES = {
  v1: quarantine('AWSCompromisedKeyQuarantine', FIRST_VERSION_DENIES),
  v2: quarantine('AWSCompromisedKeyQuarantineV2', LATER_VERSIONS_DENY),
  v3: quarantine('AWSCompromisedKeyQuarantineV3', LATER_VERSIONS_DENY)
} as const

/** An ordinary AWS managed policy a user may hold beside a quarantine, for contrast. */
export const READ_ONLY_POLICY: ManagedPolicy = {
  name: 'IAMReadOnlyAccess',
  arn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
  document: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }]
  }
}
