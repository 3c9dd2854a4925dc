import { readFileSync } from 'node:fs'
import { checkPolicy, evaluate, type PolicyDocument } from './emulators/iam-policy.js'
import { intentTagKey, LEGACY_INTENT_TAG_KEY as INTENT_TAG_KEY } from '../src/marks.js'

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
    const statement = (extra: object) =>
      doc({ Effect: 'Allow', Action: '*', Resource: '*', ...extra } as never)
    expect(() => checkPolicy(statement({ Principal: '*' }))).toThrow(/does not evaluate Principal/)
    expect(() =>
      checkPolicy(statement({ Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }))
    ).toThrow(/condition operator IpAddress/)
    expect(() =>
      checkPolicy(
        statement({ Condition: { 'ForAllValues:StringLike': { 'aws:PrincipalTag/team': 'a' } } })
      )
    ).toThrow(/condition key aws:PrincipalTag\/team/)
    expect(() => checkPolicy({ Version: '2008-10-17', Statement: [] })).toThrow(/Version/)
  })

  it('holds a statement to aws:TagKeys: every key of the request must match (ForAllValues)', () => {
    const tagging = doc({
      Effect: 'Allow',
      Action: 'iam:TagUser',
      Resource: '*',
      Condition: { 'ForAllValues:StringLike': { 'AWS:TagKeys': ['owner', 'AKIA*'] } }
    })
    checkPolicy(tagging)
    const tag = (tagKeys?: string[]) =>
      evaluate([tagging], { action: 'iam:TagUser', resource: 'x', variables: {}, tagKeys })
    expect(tag(['owner', 'AKIAEXAMPLE'])).toBe('allow')
    expect(tag(['owner', 'team'])).toBe('implicit-deny')
    // Values compare case-sensitively, as in AWS (the context key's name does not).
    expect(tag(['Owner'])).toBe('implicit-deny')
    // No key at all: ForAllValues holds, as AWS documents.
    expect(tag(undefined)).toBe('allow')
    const exact = doc({
      Effect: 'Allow',
      Action: 'iam:UntagUser',
      Resource: '*',
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': 'AKIA*' } }
    })
    const untag = (key: string) =>
      evaluate([exact], { action: 'iam:UntagUser', resource: 'x', variables: {}, tagKeys: [key] })
    expect(untag('AKIA*')).toBe('allow')
    expect(untag('AKIAEXAMPLE')).toBe('implicit-deny')
  })

  describe.each([
    ['self-rotation', 'arn:aws:iam::123456789012:user/deploy/deploy-bot', 'deploy-bot'],
    ['admin-rotation', 'arn:aws:iam::123456789012:user/deploy/deploy-bot', undefined]
  ])('policies/%s.json', (name, resource, username) => {
    const policy = JSON.parse(readFileSync(`policies/${name}.json`, 'utf8')) as PolicyDocument
    const keyId = 'AKIAIOSFODNN7EXAMPLE'
    const request = (action: string, tagKeys?: string[]) =>
      evaluate([policy], { action, resource, variables: { 'aws:username': username }, tagKeys })

    it('is a policy the emulator evaluates in full', () =>
      expect(() => checkPolicy(policy)).not.toThrow())

    it.each(['iam:TagUser', 'iam:UntagUser'])('%s: the action’s own tag keys only', action => {
      expect(request(action, [INTENT_TAG_KEY])).toBe('allow')
      expect(request(action, [intentTagKey({ runId: '42', attempt: '1' }, 'ab12cd34')])).toBe(
        'allow'
      )
      expect(request(action, ['rotate-aws-access-keys:other'])).toBe('implicit-deny')
      expect(request(action, [keyId])).toBe('allow')
      expect(request(action, [keyId, INTENT_TAG_KEY])).toBe('allow')
      expect(request(action, ['team'])).toBe('implicit-deny')
      expect(request(action, [keyId, 'team'])).toBe('implicit-deny')
      // Tag keys are case-insensitive in IAM, but the condition compares them as sent.
      expect(request(action, [INTENT_TAG_KEY.toUpperCase()])).toBe('implicit-deny')
    })

    it('leaves the key actions without a condition', () => {
      for (const action of ['iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:ListUserTags']) {
        expect(request(action)).toBe('allow')
      }
    })
  })
})
