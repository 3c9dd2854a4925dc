import {
  assumeRoleWithWebIdentity,
  checkTrustPolicy,
  type TrustPolicy,
  type TrustStatement
} from './emulators/oidc-trust.js'

const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com'
const AUD = 'token.actions.githubusercontent.com:aud'
const SUB = 'token.actions.githubusercontent.com:sub'

const trust = (
  Condition: TrustStatement['Condition'],
  extra: Partial<TrustStatement> = {}
): TrustPolicy => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: PROVIDER },
      Action: 'sts:AssumeRoleWithWebIdentity',
      ...(Condition ? { Condition } : {}),
      ...extra
    }
  ]
})
const assume = (policy: TrustPolicy, claims: { aud?: string; sub?: string }) =>
  assumeRoleWithWebIdentity(policy, { provider: PROVIDER, claims })

describe('the emulator’s trust policy evaluation (AssumeRoleWithWebIdentity)', () => {
  it('ORs the values of one key and ANDs the keys', () => {
    const policy = trust({
      StringEquals: { [AUD]: 'sts.amazonaws.com', [SUB]: ['repo:a/b:ref:refs/heads/main', 'x'] }
    })
    expect(assume(policy, { aud: 'sts.amazonaws.com', sub: 'repo:a/b:ref:refs/heads/main' })).toBe(
      'allow'
    )
    expect(assume(policy, { aud: 'sts.amazonaws.com', sub: 'x' })).toBe('allow')
    expect(assume(policy, { aud: 'sts.amazonaws.com', sub: 'y' })).toBe('implicit-deny')
    expect(assume(policy, { aud: 'other', sub: 'x' })).toBe('implicit-deny')
  })

  it('ANDs the operators; StringLike takes * and ?, StringEquals takes them literally', () => {
    const policy = trust({
      StringEquals: { [AUD]: 'sts.amazonaws.com' },
      StringLike: { [SUB]: 'repo:a/b:ref:refs/heads/release-?.*' }
    })
    const aud = 'sts.amazonaws.com'
    expect(assume(policy, { aud, sub: 'repo:a/b:ref:refs/heads/release-1.2' })).toBe('allow')
    expect(assume(policy, { aud, sub: 'repo:a/b:ref:refs/heads/release-10.2' })).toBe(
      'implicit-deny'
    )
    expect(assume(policy, { aud: 'x', sub: 'repo:a/b:ref:refs/heads/release-1.2' })).toBe(
      'implicit-deny'
    )
    const literal = trust({ StringEquals: { [SUB]: 'repo:a/*' } })
    expect(assume(literal, { sub: 'repo:a/b' })).toBe('implicit-deny')
    expect(assume(literal, { sub: 'repo:a/*' })).toBe('allow')
  })

  it('compares values case-sensitively and key names case-insensitively', () => {
    const policy = trust({
      StringEquals: { 'Token.Actions.GitHubUserContent.com:SUB': 'repo:a/b' }
    })
    expect(assume(policy, { sub: 'repo:a/b' })).toBe('allow')
    expect(assume(policy, { sub: 'repo:A/b' })).toBe('implicit-deny')
  })

  it('a condition on a claim the token lacks is false', () => {
    expect(assume(trust({ StringEquals: { [SUB]: 'repo:a/b' } }), { aud: 'x' })).toBe(
      'implicit-deny'
    )
    expect(assume(trust(undefined), {})).toBe('allow')
  })

  it('needs the provider and the action; an explicit Deny wins', () => {
    const other = 'arn:aws:iam::123456789012:oidc-provider/example.com'
    expect(assume(trust(undefined, { Principal: { Federated: other } }), {})).toBe('implicit-deny')
    expect(assume(trust(undefined, { Action: 'sts:AssumeRole' }), {})).toBe('implicit-deny')
    expect(assume(trust(undefined, { Action: 'STS:AssumeRole*' }), {})).toBe('allow')
    // A key of another provider's claims never holds for this provider's token.
    expect(
      assume(trust({ StringEquals: { 'example.com:sub': 'repo:a/b' } }), { sub: 'repo:a/b' })
    ).toBe('implicit-deny')
    const denied: TrustPolicy = {
      Version: '2012-10-17',
      Statement: [
        [trust(undefined).Statement].flat()[0] as TrustStatement,
        {
          Effect: 'Deny',
          Principal: { Federated: PROVIDER },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringLike: { [SUB]: 'repo:a/*' } }
        }
      ]
    }
    expect(assume(denied, { sub: 'repo:a/b' })).toBe('explicit-deny')
    expect(assume(denied, { sub: 'repo:c/d' })).toBe('allow')
  })

  it('refuses what it does not evaluate instead of ignoring it', () => {
    expect(() => checkTrustPolicy(trust({ StringEquals: { [SUB]: 'x' } }))).not.toThrow()
    expect(() => checkTrustPolicy(trust({ 'ForAnyValue:StringLike': { [SUB]: 'x' } }))).toThrow(
      /condition operator ForAnyValue:StringLike/
    )
    expect(() => checkTrustPolicy(trust({ StringLikeIfExists: { [SUB]: 'x' } }))).toThrow(
      /condition operator StringLikeIfExists/
    )
    expect(() =>
      checkTrustPolicy(
        trust({ StringEquals: { 'token.actions.githubusercontent.com:job_workflow_ref': 'x' } })
      )
    ).toThrow(/condition key token.actions.githubusercontent.com:job_workflow_ref/)
    expect(() => checkTrustPolicy(trust(undefined, { NotAction: 'x' } as never))).toThrow(
      /does not evaluate NotAction/
    )
    expect(() => checkTrustPolicy(trust(undefined, { Principal: { AWS: '*' } } as never))).toThrow(
      /only a Federated principal/
    )
    expect(() => checkTrustPolicy({ Version: '2008-10-17', Statement: [] })).toThrow(/Version/)
  })
})
