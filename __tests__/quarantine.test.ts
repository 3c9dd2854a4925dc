/** AWS's quarantine outside the planner: its record on the user, its steps, and the advice on a Deny. */
import { readQuarantineRecord, writeQuarantineRecord } from '../src/marks.js'
import { isQuarantinePolicy } from '../src/snapshot.js'
import { clearQuarantineRecord, recordQuarantine } from '../src/steps/marks.js'
import { quarantineAdvice } from '../src/steps/quarantine.js'
import { awsError, OLD, USER, world } from './fakes/ports.js'

const TAG = 'rotate-aws-access-keys:quarantine'
const SEEN = Date.parse('2026-11-22T10:00:00Z')

describe('the quarantine record', () => {
  it('writes and reads back the keys and when, and takes none as an empty list', () => {
    const record = { seenAt: SEEN, keyIds: [OLD.accessKeyId, 'AKIAOTHERKEY00000002'] }
    const text = writeQuarantineRecord(record)
    expect(text).toBe(
      `rotate-aws-access-keys v1 seen=2026-11-22T10:00:00Z keys=${OLD.accessKeyId},AKIAOTHERKEY00000002`
    )
    expect(readQuarantineRecord(text)).toEqual(record)
    const none = writeQuarantineRecord({ seenAt: SEEN, keyIds: [] })
    expect(readQuarantineRecord(none)).toEqual({ seenAt: SEEN, keyIds: [] })
  })

  it('reads a record only whole: trimmed, never inside other text', () => {
    const text = `rotate-aws-access-keys v1 seen=2026-11-22T10:00:00Z keys=${OLD.accessKeyId}`
    expect(readQuarantineRecord(`  ${text}\n`)).toEqual({ seenAt: SEEN, keyIds: [OLD.accessKeyId] })
    expect(readQuarantineRecord(`x ${text}`)).toBeUndefined()
    expect(readQuarantineRecord(`${text} more`)).toBeUndefined()
  })

  it.each([
    undefined,
    '',
    'rotate-aws-access-keys v2 seen=2026-11-22T10:00:00Z keys=A',
    'rotate-aws-access-keys v1 seen=never keys=A',
    'rotate-aws-access-keys v1 seen=2026-11-22T10:00:00Z'
  ])('reads %p as no record', value => expect(readQuarantineRecord(value)).toBeUndefined())

  it('knows AWS quarantine policies by name, and no other', () => {
    for (const name of [
      'AWSCompromisedKeyQuarantine',
      'AWSCompromisedKeyQuarantineV2',
      'AWSCompromisedKeyQuarantineV3',
      'AWSCompromisedKeyQuarantineV12'
    ]) {
      expect(isQuarantinePolicy(name)).toBe(true)
    }
    for (const name of [
      'IAMReadOnlyAccess',
      'AWSCompromisedKeyQuarantineV',
      'MyAWSCompromisedKeyQuarantine',
      'AWSCompromisedKeyQuarantineV3Copy'
    ]) {
      expect(isQuarantinePolicy(name)).toBe(false)
    }
  })
})

describe('record-quarantine and clear-quarantine-record', () => {
  it('records the exposed keys at the run clock', async () => {
    const w = world()
    await recordQuarantine(w.run, { kind: 'record-quarantine', keyIds: [OLD.accessKeyId] })
    expect(w.journal.lines()).toEqual([
      `tag ${USER} ${TAG} rotate-aws-access-keys v1 seen=2026-11-22T10:00:00Z keys=${OLD.accessKeyId}`
    ])
  })

  it('a record that cannot be written stops the run before any key is made', async () => {
    const w = world()
    w.aws.fail('tag', awsError('AccessDenied', 403, 'no'))
    await expect(
      recordQuarantine(w.run, { kind: 'record-quarantine', keyIds: [OLD.accessKeyId] })
    ).rejects.toThrow(
      /^Could not record which keys AWS's quarantine exposed \(iam:TagUser, tag key rotate-aws-access-keys:quarantine: AccessDenied: no/
    )
  })

  it('clears the record; a failure is a side problem', async () => {
    const w = world()
    w.aws.tags[TAG] = 'x'
    await clearQuarantineRecord(w.run)
    expect(w.aws.tags[TAG]).toBeUndefined()
    const denied = world()
    denied.aws.fail('untag', awsError('AccessDenied', 403, 'no'))
    await clearQuarantineRecord(denied.run)
    expect(denied.run.result.permissionProblems).toEqual([
      expect.stringMatching(/^Could not remove the record of AWS's quarantine, now detached/)
    ])
  })
})

describe('quarantineAdvice', () => {
  const denied = (action: string, how = 'with an explicit deny in an identity-based policy') =>
    awsError(
      'AccessDenied',
      403,
      `User: arn:aws:iam::123456789012:user/deploy is not authorized to perform: ${action} on resource: user deploy ${how}`
    )

  it('names a quarantine attached during the run', async () => {
    const w = world()
    w.aws.attachedPolicies.push('AWSCompromisedKeyQuarantineV2')
    expect(await quarantineAdvice(w.run, denied('iam:UpdateAccessKey'))).toBe(
      'AWS quarantined deploy during this run: its policy AWSCompromisedKeyQuarantineV2 now denies the user iam:CreateAccessKey and iam:UpdateAccessKey, so every key of the user counts as exposed. ' +
        `Rotate from an IAM role now (admin mode, README: "AWS's quarantine"), then follow AWS's support case and review the keys' use in CloudTrail before anyone detaches AWSCompromisedKeyQuarantineV2.`
    )
    expect(await quarantineAdvice(w.run, denied('iam:CreateAccessKey'))).toBeDefined()
  })

  it('says nothing for another Deny, another action, a missing Allow, or no quarantine', async () => {
    const w = world()
    w.aws.attachedPolicies.push('AWSCompromisedKeyQuarantineV3')
    expect(await quarantineAdvice(w.run, denied('iam:TagUser'))).toBeUndefined()
    expect(
      await quarantineAdvice(
        w.run,
        denied(
          'iam:UpdateAccessKey',
          'because no identity-based policy allows the iam:UpdateAccessKey action'
        )
      )
    ).toBeUndefined()
    const throttled = awsError(
      'Throttling',
      400,
      'User: x is not authorized to perform: iam:UpdateAccessKey on resource: user deploy with an explicit deny'
    )
    expect(await quarantineAdvice(w.run, throttled)).toBeUndefined()
    const clean = world()
    expect(await quarantineAdvice(clean.run, denied('iam:UpdateAccessKey'))).toBeUndefined()
    const unreadable = world()
    unreadable.aws.fail('attachedPolicyNames', awsError('AccessDenied', 403, 'no'))
    expect(await quarantineAdvice(unreadable.run, denied('iam:UpdateAccessKey'))).toBeUndefined()
  })
})
