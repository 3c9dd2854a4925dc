import { checkPolicy, evaluate, type PolicyDocument } from './emulators/iam-policy.js'

const doc = (...Statement: PolicyDocument['Statement'][]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: Statement.flat()
})
const ask = (document: PolicyDocument, action: string, resource: string, username?: string) =>
  evaluate([document], { action, resource, variables: { 'aws:username': username } })

describe('the emulator’s IAM policy evaluation', () => {
  const own = doc({
    Effect: 'Allow',
    Action: ['iam:*AccessKey*', 'iam:GetUser'],
    Resource: 'arn:aws:iam::*:user/${aws:username}'
  })

  it('allows by action wildcard (any case) and ${aws:username} in the resource', () => {
    expect(ask(own, 'iam:CreateAccessKey', 'arn:aws:iam::123456789012:user/deploy', 'deploy')).toBe(
      'allow'
    )
    expect(ask(own, 'IAM:updateaccesskey', 'arn:aws:iam::123456789012:user/deploy', 'deploy')).toBe(
      'allow'
    )
    expect(ask(own, 'iam:TagUser', 'arn:aws:iam::123456789012:user/deploy', 'deploy')).toBe(
      'implicit-deny'
    )
    expect(ask(own, 'iam:GetUser', 'arn:aws:iam::123456789012:user/other', 'deploy')).toBe(
      'implicit-deny'
    )
    // A role has no aws:username: the statement matches nothing.
    expect(ask(own, 'iam:GetUser', 'arn:aws:iam::123456789012:user/deploy')).toBe('implicit-deny')
  })

  it('an explicit Deny wins over any Allow; NotAction allows everything else', () => {
    const policy = doc(
      { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
      { Effect: 'Deny', Action: 'iam:DeleteAccessKey', Resource: 'arn:aws:iam::*:user/deploy/*' }
    )
    expect(ask(policy, 'iam:DeleteAccessKey', 'arn:aws:iam::1:user/deploy/bot')).toBe(
      'explicit-deny'
    )
    expect(ask(policy, 'iam:DeleteAccessKey', 'arn:aws:iam::1:user/ops/bot')).toBe('allow')
    const notAction = doc({ Effect: 'Allow', NotAction: 'iam:Delete*', Resource: '*' })
    expect(ask(notAction, 'iam:DeleteAccessKey', 'x')).toBe('implicit-deny')
    expect(ask(notAction, 'iam:TagUser', 'x')).toBe('allow')
  })

  it('refuses what it does not evaluate instead of ignoring it', () => {
    expect(() =>
      checkPolicy({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: {} } as never]
      })
    ).toThrow(/does not evaluate Condition/)
    expect(() => checkPolicy({ Version: '2008-10-17', Statement: [] })).toThrow(/Version/)
  })
})
