/**
 * Policies and authorization: whether a principal may perform an IAM action on a resource, in
 * the order of IAM's policy evaluation logic (IAM User Guide,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * an explicit Deny in any policy wins, then an Allow in an identity policy is needed, else the
 * request is implicitly denied: a user or role without any identity policy may call no IAM
 * action (GetCallerIdentity is STS's, never authorized by IAM: ./identities.ts). The AccessDenied messages are AWS's ("User: ARN is not authorized
 * to perform: iam:ACTION on resource: ... because no identity-based policy allows the iam:ACTION
 * action"). Attached AWS managed policies (../quarantine.ts) are listed by
 * ListAttachedUserPolicies (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListAttachedUserPolicies.html).
 */
import type { AwsEmulator } from '../aws.js'
import { checkPolicy, evaluate, type Decision, type PolicyDocument } from '../iam-policy.js'
import {
  existingUser,
  principalArn,
  principalName,
  type Account,
  type IamHandler,
  type Principal
} from './account.js'
import { page, requiredUserName } from './params.js'
import { AwsError, el, text } from './query.js'

/** AWS's AdministratorAccess managed policy (arn:aws:iam::aws:policy/AdministratorAccess). */
export const ADMINISTRATOR_ACCESS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }]
}

/** What a request acts on when it is not a user: ListUsers' path. */
export interface ListedResource {
  resource: string
  /** How the AccessDenied message names it. */
  shown: string
}

/** Throws AWS's AccessDenied unless `p` may perform `action` on the user (or `listed`). */
export function authorize(
  account: Account,
  p: Principal,
  action: string,
  targetUser: string,
  tagKeys?: readonly string[],
  listed?: ListedResource
): void {
  const iamAction = `iam:${action}`
  const prefix = `User: ${principalArn(account, p)} is not authorized to perform: ${iamAction} on resource: ${listed?.shown ?? `user ${targetUser}`}`
  const explicitDeny = () =>
    new AwsError(403, 'AccessDenied', `${prefix} with an explicit deny in an identity-based policy`)
  if (account.denials.has(`${principalName(p)}\n${iamAction}`)) throw explicitDeny()
  const resource =
    listed?.resource ??
    account.users.get(targetUser)?.arn ??
    `arn:aws:iam::${account.accountId}:user/${targetUser}`
  const quarantines = p.kind === 'user' ? (account.managed.get(p.user.name) ?? []) : []
  const request = { action: iamAction, resource, variables: {}, tagKeys }
  const quarantined = evaluate(
    quarantines.map(policy => policy.document),
    request
  )
  if (quarantined === 'explicit-deny') throw explicitDeny()
  const decision = identityDecision(account, p, request)
  if (decision === 'explicit-deny') throw explicitDeny()
  if (decision !== 'allow') {
    throw new AwsError(
      403,
      'AccessDenied',
      `${prefix} because no identity-based policy allows the ${iamAction} action`
    )
  }
}

/**
 * The principal's identity policies decide. Without any, the request is implicitly denied, as
 * AWS denies by default: a user with no policy may not even read its own keys.
 */
function identityDecision(
  account: Account,
  p: Principal,
  request: { action: string; resource: string; tagKeys: readonly string[] | undefined }
): Decision {
  const attached = account.policies.get(principalName(p)) ?? []
  return evaluate(attached, {
    ...request,
    variables: { 'aws:username': p.kind === 'user' ? p.user.name : undefined }
  })
}

export const POLICY_ACTIONS: Record<string, IamHandler> = {
  ListAttachedUserPolicies({ account, action, params, principal }) {
    const name = requiredUserName(params)
    authorize(account, principal, action, name)
    existingUser(account, name)
    const listed = page(account.managed.get(name) ?? [], params)
    const members = listed.items.map(policy =>
      el('member', text('PolicyName', policy.name) + text('PolicyArn', policy.arn))
    )
    return el('AttachedPolicies', members.join('')) + listed.tail
  }
}

type PolicyControls = Pick<
  AwsEmulator,
  'deny' | 'attachPolicy' | 'attachManagedPolicy' | 'detachManagedPolicy'
>

export function policyControls(account: Account): PolicyControls {
  return {
    deny(name, action) {
      account.denials.add(`${name}\n${action}`)
    },
    attachPolicy(name, document) {
      checkPolicy(document)
      account.policies.set(name, [...(account.policies.get(name) ?? []), document])
    },
    attachManagedPolicy(userName, policy) {
      existingUser(account, userName)
      const held = account.managed.get(userName) ?? []
      if (!held.some(other => other.arn === policy.arn)) {
        account.managed.set(userName, [...held, policy])
      }
    },
    detachManagedPolicy(userName, policyArn) {
      const held = account.managed.get(userName) ?? []
      account.managed.set(
        userName,
        held.filter(policy => policy.arn !== policyArn)
      )
    }
  }
}
