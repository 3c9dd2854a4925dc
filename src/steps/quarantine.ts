import { awsErrorCode } from '../aws-errors.js'
import { isQuarantinePolicy } from '../snapshot.js'
import type { Run } from './run.js'

/** The actions every version of AWS's quarantine policy denies the user. */
const QUARANTINED_ACTIONS = /not authorized to perform: iam:(CreateAccessKey|UpdateAccessKey)\b/

/**
 * An explicit Deny on creating or switching a key: if AWS quarantined the user since this run
 * looked, say so and what to do, instead of advising to remove the Deny. Undefined otherwise.
 */
export async function quarantineAdvice(run: Run, error: unknown): Promise<string | undefined> {
  const message = error instanceof Error ? error.message : ''
  if (awsErrorCode(error) !== 'AccessDenied' || !/explicit deny/.test(message)) return undefined
  if (!QUARANTINED_ACTIONS.test(message)) return undefined
  const names = await run.context.aws.attachedPolicyNames(run.user).catch(() => [])
  const policy = names.find(isQuarantinePolicy)
  if (!policy) return undefined
  return (
    `AWS quarantined ${run.user} during this run: its policy ${policy} now denies the user iam:CreateAccessKey and iam:UpdateAccessKey, so every key of the user counts as exposed. ` +
    `Rotate from an IAM role now (admin mode, README: "AWS's quarantine"), then follow AWS's support case and review the keys' use in CloudTrail before anyone detaches ${policy}.`
  )
}
