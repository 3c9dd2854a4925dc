/**
 * What an AccessDenied from IAM turns into: the permission to grant, or, when the shipped admin
 * policy cannot cover the user (another IAM path), that path, since granting would change nothing.
 */
import { describeError } from '../src/errors.js'

const ROLE = 'arn:aws:sts::123456789012:assumed-role/key-rotator/gha'

function accessDenied(message: string): Error {
  return Object.assign(new Error(message), { name: 'AccessDenied', Code: 'AccessDenied' })
}

function refused(
  caller: string,
  action: string,
  resource: string,
  why = 'because no identity-based policy allows the action'
) {
  return describeError(
    accessDenied(
      `User: ${caller} is not authorized to perform: ${action} on resource: ${resource} ${why}`
    )
  )
}

describe('describeError on AccessDenied', () => {
  it('a role refused GetUser on a user: names the /deploy/ path of the admin policy', () => {
    const text = refused(ROLE, 'iam:GetUser', 'user someone-else')
    expect(text).toContain(
      'In admin mode, policies/admin-rotation.json allows its actions only on users under the IAM path /deploy/'
    )
    expect(text).toContain('aws iam update-user --user-name someone-else --new-path /deploy/')
    expect(text).toContain('Otherwise grant iam:GetUser to the AWS credentials')
  })

  it('names the user’s own path when AWS gives its ARN', () => {
    const text = refused(ROLE, 'iam:GetUser', 'arn:aws:iam::123456789012:user/ci/bots/deploy-bot')
    expect(text).toContain(
      'IAM user deploy-bot is under the path /ci/bots/, but policies/admin-rotation.json'
    )
  })

  it('a user under /deploy/, or one refused another action: only the permission to grant', () => {
    for (const text of [
      refused(ROLE, 'iam:GetUser', 'arn:aws:iam::123456789012:user/deploy/deploy-bot'),
      refused(ROLE, 'iam:ListAccessKeys', 'user deploy-bot')
    ]) {
      expect(text).toMatch(/\(Grant iam:\w+ to the AWS credentials this workflow uses/)
      expect(text).not.toContain('its Resource is')
    }
  })

  it('self-rotation refused GetUser: the path does not matter, the grant does', () => {
    const text = refused('arn:aws:iam::123456789012:user/ci/deploy', 'iam:GetUser', 'user deploy')
    expect(text).toContain('(Grant iam:GetUser to the AWS credentials')
    expect(text).not.toContain('path')
  })

  it('an explicit Deny: says to remove it, not to grant', () => {
    const text = refused(
      ROLE,
      'iam:TagUser',
      'user deploy',
      'with an explicit deny in an identity-based policy'
    )
    expect(text).toContain('A policy denies iam:TagUser explicitly')
    expect(text).not.toContain('Grant')
  })
})
