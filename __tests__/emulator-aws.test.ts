/**
 * Holds the IAM + STS emulator to the real services: the real SDK clients talk to it, and raw
 * requests signed by @smithy/signature-v4 (a second, independent SigV4 implementation) probe
 * what the SDK never sends.
 */
import { request } from 'node:http'
import { createHash, createHmac } from 'node:crypto'
import type { Hash, Hmac } from 'node:crypto'
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  paginateListUsers,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand
} from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { SignatureV4 } from '@smithy/signature-v4'
import { startAwsEmulator } from './emulators/aws.js'
import type { AwsEmulator } from './emulators/aws.js'
import type { PolicyDocument } from './emulators/iam-policy.js'

interface Creds {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

const ACCOUNT = '123456789012'
const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'
const INVALID_TOKEN = 'The security token included in the request is invalid.'

let emu: AwsEmulator
let deployer: Creds
let other: Creds
const clients: Array<{ destroy(): void }> = []

beforeEach(async () => {
  emu = await startAwsEmulator()
  emu.createUser('deployer')
  emu.createUser('other', { path: '/ci/' })
  emu.attachPolicy('deployer', ACT_ON_ITSELF)
  emu.attachPolicy('other', ACT_ON_ITSELF)
  deployer = emu.createAccessKey('deployer')
  other = emu.createAccessKey('other')
  emu.createRole('admin', { admin: true })
  emu.createRole('reader')
})

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy()
  await emu.close()
})

function iam(creds: Creds, config: { region?: string; maxAttempts?: number } = {}): IAMClient {
  const client = new IAMClient({
    endpoint: emu.url,
    region: config.region ?? 'us-east-1',
    credentials: creds,
    maxAttempts: config.maxAttempts ?? 1
  })
  clients.push(client)
  return client
}

function sts(
  creds: Creds,
  config: { region?: string; maxAttempts?: number; systemClockOffset?: number } = {}
): STSClient {
  const client = new STSClient({
    endpoint: emu.url,
    region: config.region ?? 'us-east-1',
    credentials: creds,
    maxAttempts: config.maxAttempts ?? 1,
    ...(config.systemClockOffset === undefined
      ? {}
      : { systemClockOffset: config.systemClockOffset })
  })
  clients.push(client)
  return client
}

const whoAmI = (creds: Creds, region?: string) =>
  sts(creds, region === undefined ? {} : { region }).send(new GetCallerIdentityCommand({}))

interface Failure {
  /** The SDK's class name: modeled IAM errors get an "Exception" suffix. */
  name: string
  /** The wire code, as AWS sent it. */
  code: string | undefined
  status: number | undefined
  message: string
}

async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p
  } catch (e) {
    const err = e as Error & { Code?: string; $metadata?: { httpStatusCode?: number } }
    return {
      name: err.name,
      code: err.Code,
      status: err.$metadata?.httpStatusCode,
      message: err.message
    }
  }
  throw new Error('expected the call to fail')
}

/**
 * What these tests mean by a user acting on itself: any IAM action on its own user, whatever
 * its path. AWS denies a user with no policy (a test below), so each user here holds this one.
 */
const ACT_ON_ITSELF: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'iam:*',
      Resource: ['arn:aws:iam::*:user/${aws:username}', 'arn:aws:iam::*:user/*/${aws:username}']
    }
  ]
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

// ---- raw requests ---------------------------------------------------------------------------

/** node:crypto as the sha256 (and HMAC) constructor that @smithy/signature-v4 expects. */
class NodeSha256 {
  private hash: Hash | Hmac
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh()
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256')
    const key =
      typeof this.secret === 'string'
        ? this.secret
        : ArrayBuffer.isView(this.secret)
          ? Buffer.from(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
          : Buffer.from(this.secret)
    return createHmac('sha256', key)
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    if (typeof data === 'string') this.hash.update(data)
    else if (ArrayBuffer.isView(data))
      this.hash.update(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    else this.hash.update(Buffer.from(data))
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest())
  }
  reset(): void {
    this.hash = this.fresh()
  }
}

interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  code: string | undefined
}

function send(
  headers: Record<string, string>,
  body: string,
  method = 'POST',
  path = '/'
): Promise<RawResponse> {
  const url = new URL(emu.url)
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers, agent: false },
      res => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1]
          })
        )
      }
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** Signs `body` as the SDK would, then sends `sent` (default: the same body). */
async function signedPost(
  creds: Creds,
  body: string,
  options: {
    service?: string
    region?: string
    sent?: string
    extraHeaders?: Record<string, string>
    sentHeaders?: Record<string, string>
  } = {}
): Promise<RawResponse> {
  const url = new URL(emu.url)
  const signer = new SignatureV4({
    credentials: creds,
    region: options.region ?? 'us-east-1',
    service: options.service ?? 'iam',
    sha256: NodeSha256
  })
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers: {
      host: url.host,
      'content-type': 'application/x-www-form-urlencoded',
      ...options.extraHeaders
    },
    body
  })
  return send({ ...signed.headers, ...options.sentHeaders }, options.sent ?? body)
}

/** A Query-protocol GET: the parameters travel in the signed query string. */
async function signedGet(
  creds: Creds,
  query: Record<string, string>,
  sentQuery = query
): Promise<RawResponse> {
  const url = new URL(emu.url)
  const signer = new SignatureV4({
    credentials: creds,
    region: 'us-east-1',
    service: 'iam',
    sha256: NodeSha256
  })
  const signed = await signer.sign({
    method: 'GET',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query,
    headers: { host: url.host }
  })
  const search = Object.entries(sentQuery)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&')
  return send(signed.headers, '', 'GET', `/?${search}`)
}

// ---- tests ----------------------------------------------------------------------------------

describe('signature verification', () => {
  it('accepts the SDK signature for STS and IAM and answers in AWS shapes', async () => {
    const me = await whoAmI(deployer)
    expect(me.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/deployer`)
    expect(me.Account).toBe(ACCOUNT)
    expect(me.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/)
    expect(me.$metadata.httpStatusCode).toBe(200)
    expect(me.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/)

    const { User } = await iam(other).send(new GetUserCommand({}))
    expect(User?.UserName).toBe('other')
    expect(User?.Path).toBe('/ci/')
    expect(User?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/ci/other`)
    expect(User?.CreateDate).toBeInstanceOf(Date)
  })

  it('answers the exact XML shape, with the request id in a header too', async () => {
    const res = await signedPost(
      deployer,
      `Action=GetAccessKeyLastUsed&Version=2010-05-08&AccessKeyId=${other.accessKeyId}`
    )
    expect(res.status).toBe(403)
    const created = emu.createAccessKey('deployer')
    const ok = await signedPost(
      deployer,
      `Action=GetAccessKeyLastUsed&Version=2010-05-08&AccessKeyId=${created.accessKeyId}`
    )
    expect(ok.status).toBe(200)
    expect(ok.headers['content-type']).toBe('text/xml')
    const requestId = ok.headers['x-amzn-requestid']
    expect(ok.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<GetAccessKeyLastUsedResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">' +
        '<GetAccessKeyLastUsedResult><UserName>deployer</UserName><AccessKeyLastUsed>' +
        '<ServiceName>N/A</ServiceName><Region>N/A</Region></AccessKeyLastUsed>' +
        '</GetAccessKeyLastUsedResult>' +
        `<ResponseMetadata><RequestId>${String(requestId)}</RequestId></ResponseMetadata>` +
        '</GetAccessKeyLastUsedResponse>\n'
    )
    expect(res.body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<ErrorResponse xmlns="https:\/\/iam.amazonaws.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>AccessDenied<\/Code><Message>[^<]+<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>\n$/
    )
  })

  it('rejects a wrong secret with SignatureDoesNotMatch', async () => {
    const wrong = { ...deployer, secretAccessKey: 'x'.repeat(40) }
    for (const call of [
      () => whoAmI(wrong),
      () => iam(wrong).send(new ListAccessKeysCommand({}))
    ]) {
      expect(await failure(call())).toEqual({
        name: 'SignatureDoesNotMatch',
        code: 'SignatureDoesNotMatch',
        status: 403,
        message: BAD_SIGNATURE
      })
    }
  })

  it('rejects an unknown key id with InvalidClientTokenId', async () => {
    const unknown = {
      accessKeyId: 'AKIAAAAAAAAAAAAAAAAA',
      secretAccessKey: deployer.secretAccessKey
    }
    expect(await failure(whoAmI(unknown))).toEqual({
      name: 'InvalidClientTokenId',
      code: 'InvalidClientTokenId',
      status: 403,
      message: INVALID_TOKEN
    })
  })

  it('covers the body and the signed headers', async () => {
    const body = 'Action=ListAccessKeys&Version=2010-05-08&UserName=deployer'
    expect((await signedPost(deployer, body)).status).toBe(200)

    const tampered = await signedPost(deployer, body, {
      sent: 'Action=ListAccessKeys&Version=2010-05-08&UserName=deployes'
    })
    expect([tampered.status, tampered.code]).toEqual([403, 'SignatureDoesNotMatch'])

    const header = await signedPost(deployer, body, {
      extraHeaders: { 'x-amz-meta': 'a' },
      sentHeaders: { 'x-amz-meta': 'b' }
    })
    expect([header.status, header.code]).toEqual([403, 'SignatureDoesNotMatch'])
  })

  it('verifies the canonical query string of a GET', async () => {
    const query = {
      Action: 'ListUserTags',
      Version: '2010-05-08',
      UserName: 'deployer',
      MaxItems: '7'
    }
    const ok = await signedGet(deployer, query)
    expect(ok.status).toBe(200)
    expect(ok.body).toContain('<ListUserTagsResult><Tags></Tags><IsTruncated>false</IsTruncated>')
    const tampered = await signedGet(deployer, query, { ...query, MaxItems: '8' })
    expect([tampered.status, tampered.code]).toEqual([403, 'SignatureDoesNotMatch'])
  })

  it('requires IAM to be signed for iam in us-east-1 and STS for sts in any region', async () => {
    const region = await failure(
      iam(deployer, { region: 'eu-west-1' }).send(new ListAccessKeysCommand({}))
    )
    expect(region.code).toBe('SignatureDoesNotMatch')
    expect(region.message).toMatch(/^Credential should be scoped to a valid region/)

    const service = await signedPost(deployer, 'Action=ListAccessKeys&Version=2010-05-08', {
      service: 'sts'
    })
    expect(service.status).toBe(403)
    expect(service.body).toContain("Credential should be scoped to correct service: 'iam'.")

    const stsAsIam = await signedPost(deployer, 'Action=GetCallerIdentity&Version=2011-06-15', {
      service: 'iam'
    })
    expect(stsAsIam.body).toContain("Credential should be scoped to correct service: 'sts'.")
    expect(stsAsIam.body).toContain('xmlns="https://sts.amazonaws.com/doc/2011-06-15/"')

    expect((await whoAmI(deployer, 'eu-west-1')).Arn).toContain('user/deployer')
  })

  it('rejects a request signed more than 15 minutes off, and the SDK corrects its clock', async () => {
    const skewed = await failure(
      sts(deployer, { systemClockOffset: -20 * 60 * 1000 }).send(new GetCallerIdentityCommand({}))
    )
    expect(skewed.code).toBe('SignatureDoesNotMatch')
    expect(skewed.message).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/
    )
    const future = await failure(
      sts(deployer, { systemClockOffset: 20 * 60 * 1000 }).send(new GetCallerIdentityCommand({}))
    )
    expect(future.message).toMatch(/^Signature not yet current/)

    // The Date header lets the SDK measure the skew: the next call on that client succeeds.
    const client = sts(deployer, { systemClockOffset: -20 * 60 * 1000 })
    expect((await failure(client.send(new GetCallerIdentityCommand({})))).code).toBe(
      'SignatureDoesNotMatch'
    )
    expect((await client.send(new GetCallerIdentityCommand({}))).Arn).toContain('user/deployer')
  })

  it('answers missing or garbled authentication as AWS does', async () => {
    const body = 'Action=GetCallerIdentity&Version=2011-06-15'
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const unsigned = await send(form, body)
    expect([unsigned.status, unsigned.code]).toEqual([403, 'MissingAuthenticationToken'])
    expect(unsigned.body).toContain('Request is missing Authentication Token')
    expect(unsigned.body).toContain('xmlns="https://sts.amazonaws.com/doc/2011-06-15/"')

    for (const authorization of [
      'AWS4-HMAC-SHA256 nonsense',
      'Basic dXNlcjpwYXNz',
      `AWS4-HMAC-SHA256 Credential=${deployer.accessKeyId}/20260101/us-east-1/sts, SignedHeaders=host, Signature=00`
    ]) {
      const garbled = await send({ ...form, authorization, 'x-amz-date': '20260101T000000Z' }, body)
      expect([garbled.status, garbled.code]).toEqual([400, 'IncompleteSignature'])
    }
    // Leaving `host` out of the signed headers is not accepted.
    const hostless = await send(
      {
        ...form,
        authorization: `AWS4-HMAC-SHA256 Credential=${deployer.accessKeyId}/20260101/us-east-1/sts/aws4_request, SignedHeaders=x-amz-date, Signature=00`,
        'x-amz-date': '20260101T000000Z'
      },
      body
    )
    expect(hostless.code).toBe('IncompleteSignature')
  })

  it('authenticates role sessions only with their session token', async () => {
    const session = emu.assumeRole('admin', 'rotation')
    expect(session.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/)
    const me = await whoAmI(session)
    expect(me.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/admin/rotation`)
    expect(me.UserId).toMatch(/^AROA[A-Z0-9]{17}:rotation$/)

    const withoutToken = {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey
    }
    expect((await failure(whoAmI(withoutToken))).code).toBe('InvalidClientTokenId')
    const wrongToken = { ...session, sessionToken: `${session.sessionToken}x` }
    expect((await failure(whoAmI(wrongToken))).code).toBe('InvalidClientTokenId')
    // A long-term key presented with a session token is refused too.
    const userWithToken = { ...deployer, sessionToken: session.sessionToken }
    expect((await failure(whoAmI(userWithToken))).code).toBe('InvalidClientTokenId')
  })
})

describe('access keys', () => {
  it('rejects a new key until it has propagated, but lists it at once', async () => {
    emu.setPropagationDelay(300)
    const started = Date.now()
    const { AccessKey } = await iam(deployer).send(new CreateAccessKeyCommand({}))
    expect(AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/)
    expect(AccessKey?.SecretAccessKey).toHaveLength(40)
    expect(AccessKey?.Status).toBe('Active')
    expect(AccessKey?.UserName).toBe('deployer')
    const fresh = {
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? ''
    }

    const listed = await iam(deployer).send(new ListAccessKeysCommand({}))
    expect(listed.AccessKeyMetadata?.map(k => k.AccessKeyId)).toContain(fresh.accessKeyId)
    expect(listed.IsTruncated).toBe(false)
    expect(await failure(whoAmI(fresh))).toEqual({
      name: 'InvalidClientTokenId',
      code: 'InvalidClientTokenId',
      status: 403,
      message: INVALID_TOKEN
    })
    expect((await failure(iam(fresh).send(new GetUserCommand({})))).code).toBe(
      'InvalidClientTokenId'
    )

    let arn: string | undefined
    while (arn === undefined) {
      expect(Date.now() - started).toBeLessThan(5000)
      arn = await whoAmI(fresh).then(
        r => r.Arn,
        () => undefined
      )
      if (arn === undefined) await sleep(20)
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)
    expect(arn).toBe(`arn:aws:iam::${ACCOUNT}:user/deployer`)
    const view = emu.keys('deployer').find(k => k.accessKeyId === fresh.accessKeyId)
    expect(view?.secretAccessKey).toBe(fresh.secretAccessKey)
  })

  it('treats seeded keys as propagated', async () => {
    emu.setPropagationDelay(60_000)
    emu.createUser('seeded')
    emu.attachPolicy('seeded', ACT_ON_ITSELF)
    const seeded = emu.createAccessKey('seeded', { createdAt: new Date('2026-01-02T03:04:05Z') })
    expect((await whoAmI(seeded)).Arn).toContain('user/seeded')
    const { AccessKeyMetadata } = await iam(seeded).send(new ListAccessKeysCommand({}))
    expect(AccessKeyMetadata?.[0]?.CreateDate?.toISOString()).toBe('2026-01-02T03:04:05.000Z')
  })

  it('lets an acceptance rule make a key flicker, and differ between STS and IAM', async () => {
    const { AccessKey } = await iam(deployer).send(new CreateAccessKeyCommand({}))
    const fresh = {
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? ''
    }
    const answers = [true, false, true]
    emu.setAcceptance(key => {
      expect(key.accessKeyId).toBe(fresh.accessKeyId)
      return answers.shift() ?? true
    })
    const outcomes: string[] = []
    for (let i = 0; i < 3; i++) {
      outcomes.push(
        await whoAmI(fresh).then(
          () => 'ok',
          (e: Error) => e.name
        )
      )
    }
    expect(outcomes).toEqual(['ok', 'InvalidClientTokenId', 'ok'])

    emu.setAcceptance((_key, _now, service) => service === 'sts')
    expect((await whoAmI(fresh)).Arn).toContain('user/deployer')
    expect((await failure(iam(fresh).send(new GetUserCommand({})))).code).toBe(
      'InvalidClientTokenId'
    )
    // Without a rule the propagation delay decides again; none here.
    emu.setPropagationDelay(0)
    emu.setAcceptance(undefined)
    expect((await iam(fresh).send(new GetUserCommand({}))).User?.UserName).toBe('deployer')
  })

  it('allows at most two keys per user, inactive ones included', async () => {
    emu.setKeyStatus(deployer.accessKeyId, 'Inactive')
    const client = iam(emu.createAccessKey('deployer'))
    expect(await failure(client.send(new CreateAccessKeyCommand({})))).toEqual({
      name: 'LimitExceededException',
      code: 'LimitExceeded',
      status: 409,
      message: 'Cannot exceed quota for AccessKeysPerUser: 2'
    })
    expect(() => emu.createAccessKey('deployer')).toThrow(/2 keys/)
  })

  it('updates and deletes keys, and refuses invalid status values', async () => {
    const second = emu.createAccessKey('deployer')
    const client = iam(deployer)
    await client.send(
      new UpdateAccessKeyCommand({ AccessKeyId: second.accessKeyId, Status: 'Inactive' })
    )
    expect(await failure(whoAmI(second))).toMatchObject({
      name: 'InvalidClientTokenId',
      code: 'InvalidClientTokenId',
      status: 403
    })
    expect(emu.keys('deployer').map(k => k.status)).toEqual(['Active', 'Inactive'])
    await client.send(
      new UpdateAccessKeyCommand({ AccessKeyId: second.accessKeyId, Status: 'Active' })
    )
    expect((await whoAmI(second)).Arn).toContain('user/deployer')

    const invalid = await signedPost(
      deployer,
      `Action=UpdateAccessKey&Version=2010-05-08&AccessKeyId=${second.accessKeyId}&Status=Disabled`
    )
    expect([invalid.status, invalid.code]).toEqual([400, 'ValidationError'])
    expect(invalid.body).toContain(
      "Value 'Disabled' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"
    )

    await client.send(
      new DeleteAccessKeyCommand({ UserName: 'deployer', AccessKeyId: second.accessKeyId })
    )
    expect(emu.keys('deployer').map(k => k.accessKeyId)).toEqual([deployer.accessKeyId])
    expect((await failure(whoAmI(second))).code).toBe('InvalidClientTokenId')
  })

  it('answers NoSuchEntity for unknown users and keys', async () => {
    const admin = iam(emu.assumeRole('admin', 'ops'))
    expect(await failure(admin.send(new GetUserCommand({ UserName: 'ghost' })))).toEqual({
      name: 'NoSuchEntityException',
      code: 'NoSuchEntity',
      status: 404,
      message: 'The user with name ghost cannot be found.'
    })
    expect((await failure(admin.send(new ListAccessKeysCommand({ UserName: 'ghost' })))).code).toBe(
      'NoSuchEntity'
    )

    const missing = 'AKIAZZZZZZZZZZZZZZZZ'
    const own = iam(deployer)
    expect(
      await failure(
        own.send(new UpdateAccessKeyCommand({ AccessKeyId: missing, Status: 'Inactive' }))
      )
    ).toEqual({
      name: 'NoSuchEntityException',
      code: 'NoSuchEntity',
      status: 404,
      message: `The Access Key with id ${missing} cannot be found.`
    })
    expect(
      (await failure(own.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: missing })))).code
    ).toBe('NoSuchEntity')
    // Without UserName the key is looked up under the caller, so another user's key is unknown.
    expect(
      await failure(own.send(new DeleteAccessKeyCommand({ AccessKeyId: other.accessKeyId })))
    ).toMatchObject({ code: 'NoSuchEntity', status: 404 })
    expect(emu.keys('other')).toHaveLength(1)
  })

  it('denies a user access to another user and its keys', async () => {
    const own = iam(deployer)
    const arn = `arn:aws:iam::${ACCOUNT}:user/deployer`
    expect(await failure(own.send(new ListAccessKeysCommand({ UserName: 'other' })))).toEqual({
      name: 'AccessDenied',
      code: 'AccessDenied',
      status: 403,
      message: `User: ${arn} is not authorized to perform: iam:ListAccessKeys on resource: user other because no identity-based policy allows the iam:ListAccessKeys action`
    })
    expect(
      (await failure(own.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: other.accessKeyId }))))
        .message
    ).toContain('iam:GetAccessKeyLastUsed on resource: user other because')
    for (const call of [
      () => own.send(new CreateAccessKeyCommand({ UserName: 'other' })),
      () =>
        own.send(new DeleteAccessKeyCommand({ UserName: 'other', AccessKeyId: other.accessKeyId })),
      () => own.send(new TagUserCommand({ UserName: 'other', Tags: [{ Key: 'a', Value: 'b' }] })),
      () => own.send(new GetUserCommand({ UserName: 'other' }))
    ]) {
      expect(await failure(call())).toMatchObject({ code: 'AccessDenied', status: 403 })
    }
    // Naming itself explicitly is fine.
    expect(
      (await own.send(new ListAccessKeysCommand({ UserName: 'deployer' }))).AccessKeyMetadata
    ).toHaveLength(1)
    expect(emu.keys('other')).toHaveLength(1)
  })

  it('lets an admin role act on any named user, and no other role', async () => {
    const admin = iam(emu.assumeRole('admin', 'ops'))
    const listed = await admin.send(new ListAccessKeysCommand({ UserName: 'other' }))
    expect(listed.AccessKeyMetadata?.[0]?.AccessKeyId).toBe(other.accessKeyId)
    expect(await failure(admin.send(new ListAccessKeysCommand({})))).toEqual({
      name: 'ValidationError',
      code: 'ValidationError',
      status: 400,
      message: 'Must specify userName when calling with non-User credentials'
    })
    const reader = iam(emu.assumeRole('reader', 'ro'))
    expect(
      (await failure(reader.send(new ListAccessKeysCommand({ UserName: 'other' })))).message
    ).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/ro is not authorized to perform: iam:ListAccessKeys on resource: user other because no identity-based policy allows the iam:ListAccessKeys action`
    )
  })

  it('denies a user with no identity policy every IAM action, even on itself', async () => {
    emu.createUser('bare')
    const bare = emu.createAccessKey('bare')
    const denied = await failure(iam(bare).send(new ListAccessKeysCommand({})))
    expect(denied).toEqual({
      name: 'AccessDenied',
      code: 'AccessDenied',
      status: 403,
      message: `User: arn:aws:iam::${ACCOUNT}:user/bare is not authorized to perform: iam:ListAccessKeys on resource: user bare because no identity-based policy allows the iam:ListAccessKeys action`
    })
    expect((await failure(iam(bare).send(new GetUserCommand({})))).code).toBe('AccessDenied')
    // GetCallerIdentity is never authorized by IAM policies.
    expect((await whoAmI(bare)).Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/bare`)
  })

  it('applies explicit denies, except to GetCallerIdentity', async () => {
    emu.deny('deployer', 'iam:TagUser')
    emu.deny('deployer', 'sts:GetCallerIdentity')
    const denied = await failure(
      iam(deployer).send(
        new TagUserCommand({ UserName: 'deployer', Tags: [{ Key: 'a', Value: 'b' }] })
      )
    )
    expect(denied).toEqual({
      name: 'AccessDenied',
      code: 'AccessDenied',
      status: 403,
      message: `User: arn:aws:iam::${ACCOUNT}:user/deployer is not authorized to perform: iam:TagUser on resource: user deployer with an explicit deny in an identity-based policy`
    })
    expect((await whoAmI(deployer)).Arn).toContain('user/deployer')
    expect(emu.tags('deployer')).toEqual({})
  })

  it('honours console changes made through the test API', async () => {
    emu.setKeyStatus(deployer.accessKeyId, 'Inactive')
    expect((await failure(whoAmI(deployer))).code).toBe('InvalidClientTokenId')
    emu.setKeyStatus(deployer.accessKeyId, 'Active')
    expect((await whoAmI(deployer)).Arn).toContain('deployer')
    emu.deleteKey(deployer.accessKeyId)
    expect((await failure(whoAmI(deployer))).code).toBe('InvalidClientTokenId')
    expect(emu.keys('deployer')).toEqual([])
    expect(() => emu.deleteKey(deployer.accessKeyId)).toThrow()
  })

  it('pages ListAccessKeys and ListUserTags with MaxItems and Marker', async () => {
    emu.createAccessKey('deployer')
    const client = iam(deployer)
    const first = await client.send(new ListAccessKeysCommand({ MaxItems: 1 }))
    expect(first.IsTruncated).toBe(true)
    expect(first.Marker).toBeTruthy()
    const second = await client.send(
      new ListAccessKeysCommand({ MaxItems: 1, Marker: first.Marker })
    )
    expect(second.IsTruncated).toBe(false)
    expect([first, second].map(p => p.AccessKeyMetadata?.[0]?.AccessKeyId)).toEqual(
      emu.keys('deployer').map(k => k.accessKeyId)
    )

    for (let i = 0; i < 5; i++) emu.setTag('deployer', `k${i}`, `v${i}`)
    const tags: string[] = []
    let marker: string | undefined
    do {
      const page = await client.send(
        new ListUserTagsCommand({ UserName: 'deployer', MaxItems: 2, Marker: marker })
      )
      tags.push(...(page.Tags ?? []).map(t => t.Key ?? ''))
      marker = page.IsTruncated ? page.Marker : undefined
    } while (marker)
    expect(tags).toEqual(['k0', 'k1', 'k2', 'k3', 'k4'])
    const bad = await failure(client.send(new ListAccessKeysCommand({ MaxItems: 0 })))
    expect([bad.code, bad.status]).toEqual(['ValidationError', 400])
  })
})

describe('ListUsers (the audit)', () => {
  it('lists users under a path prefix, in pages, without their tags', async () => {
    for (let i = 0; i < 5; i++) emu.createUser(`d${i}`, { path: '/deploy/' })
    emu.createUser('nested', { path: '/deploy/ci/' })
    emu.setTag('d0', 'k', 'v')
    const client = iam(emu.assumeRole('admin', 'gha'))
    const names: string[] = []
    const pages = paginateListUsers({ client, pageSize: 2 }, { PathPrefix: '/deploy/' })
    let count = 0
    for await (const page of pages) {
      count++
      names.push(...(page.Users ?? []).map(user => user.UserName ?? ''))
      expect(page.Users?.every(user => user.Tags === undefined)).toBe(true)
    }
    expect(names).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'nested'])
    expect(count).toBe(3)
    const all = await client.send(new ListUsersCommand({}))
    expect(all.Users?.map(user => user.UserName)).toEqual([
      'd0',
      'd1',
      'd2',
      'd3',
      'd4',
      'deployer',
      'nested',
      'other'
    ])
    const first = all.Users?.[0]
    expect([first?.Path, first?.Arn]).toEqual([
      '/deploy/',
      `arn:aws:iam::${ACCOUNT}:user/deploy/d0`
    ])
    const ci = await client.send(new ListUsersCommand({ PathPrefix: '/ci/' }))
    expect(ci.Users?.map(user => user.UserName)).toEqual(['other'])
  })

  it('refuses a malformed prefix, and authorizes against the path', async () => {
    const admin = iam(emu.assumeRole('admin', 'gha'))
    const bad = await failure(admin.send(new ListUsersCommand({ PathPrefix: '/deploy' })))
    expect([bad.code, bad.status]).toEqual(['ValidationError', 400])
    expect(bad.message).toMatch(/at 'pathPrefix' failed to satisfy constraint/)
    // A user acts on itself alone: no list.
    const denied = await failure(iam(deployer).send(new ListUsersCommand({})))
    expect([denied.code, denied.status]).toEqual(['AccessDenied', 403])
    expect(denied.message).toBe(
      `User: arn:aws:iam::${ACCOUNT}:user/deployer is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${ACCOUNT}:user/ because no identity-based policy allows the iam:ListUsers action`
    )
    emu.createRole('auditor')
    emu.attachPolicy('auditor', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['iam:ListUsers'], Resource: 'arn:aws:iam::*:user/ci/*' }
      ]
    })
    const auditor = iam(emu.assumeRole('auditor', 'gha'))
    const listed = await auditor.send(new ListUsersCommand({ PathPrefix: '/ci/' }))
    expect(listed.Users?.map(user => user.UserName)).toEqual(['other'])
    expect((await failure(auditor.send(new ListUsersCommand({})))).code).toBe('AccessDenied')
  })

  it("throttles IAM past its rate with AWS's Throttling, and the SDK's retries get through", async () => {
    emu.setIamRate({ perSecond: 1, burst: 2 })
    const client = iam(deployer)
    await client.send(new ListAccessKeysCommand({}))
    await client.send(new ListAccessKeysCommand({}))
    expect(await failure(client.send(new ListAccessKeysCommand({})))).toEqual({
      name: 'Throttling',
      code: 'Throttling',
      status: 400,
      message: 'Rate exceeded'
    })
    expect(emu.throttled()).toBe(1)
    // STS is not IAM: not counted.
    await whoAmI(deployer)
    emu.setIamRate({ perSecond: 5, burst: 1 })
    const patient = iam(deployer, { maxAttempts: 5 })
    await Promise.all([1, 2, 3].map(() => patient.send(new ListAccessKeysCommand({}))))
    expect(emu.throttled()).toBeGreaterThan(1)
    emu.setIamRate(undefined)
  })
})

describe('user tags', () => {
  it('tags, lists and untags, with case-insensitive keys', async () => {
    const client = iam(deployer)
    emu.setTag('deployer', 'seeded', 'yes')
    await client.send(
      new TagUserCommand({
        UserName: 'deployer',
        Tags: [
          { Key: deployer.accessKeyId, Value: 'rotated 2026-11-22T10:00:00Z by run 42 @org/repo' },
          { Key: 'Owner', Value: '' }
        ]
      })
    )
    await client.send(
      new TagUserCommand({ UserName: 'deployer', Tags: [{ Key: 'owner', Value: 'team+ops' }] })
    )
    const { Tags, IsTruncated } = await client.send(
      new ListUserTagsCommand({ UserName: 'deployer' })
    )
    expect(IsTruncated).toBe(false)
    expect(Tags).toEqual([
      { Key: 'seeded', Value: 'yes' },
      { Key: deployer.accessKeyId, Value: 'rotated 2026-11-22T10:00:00Z by run 42 @org/repo' },
      { Key: 'owner', Value: 'team+ops' }
    ])
    expect((await client.send(new GetUserCommand({}))).User?.Tags).toHaveLength(3)

    await client.send(
      new UntagUserCommand({ UserName: 'deployer', TagKeys: ['SEEDED', 'never-there'] })
    )
    expect(emu.tags('deployer')).toEqual({
      [deployer.accessKeyId]: 'rotated 2026-11-22T10:00:00Z by run 42 @org/repo',
      owner: 'team+ops'
    })
  })

  it('rejects invalid tag values and keys', async () => {
    const client = iam(deployer)
    const tag = (Key: string, Value: string) =>
      failure(client.send(new TagUserCommand({ UserName: 'deployer', Tags: [{ Key, Value }] })))
    const parens = await tag('k', 'a (b)')
    expect(parens).toEqual({
      name: 'ValidationError',
      code: 'ValidationError',
      status: 400,
      message:
        "1 validation error detected: Value 'a (b)' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"
    })
    expect((await tag('k', 'v'.repeat(257))).message).toContain(
      'Member must have length less than or equal to 256'
    )
    expect((await tag('k'.repeat(129), 'v')).message).toContain(
      "at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128"
    )
    expect((await tag('a,b', 'v')).code).toBe('ValidationError')
    expect((await tag('aws:reserved', 'v')).code).toBe('InvalidInput')
    const duplicate = await failure(
      client.send(
        new TagUserCommand({
          UserName: 'deployer',
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'A', Value: '2' }
          ]
        })
      )
    )
    expect([duplicate.code, duplicate.status]).toEqual(['InvalidInput', 400])
    // 256 characters of every allowed kind pass.
    await client.send(
      new TagUserCommand({
        UserName: 'deployer',
        Tags: [{ Key: 'ok', Value: 'aZ09 _.:/=+-@é'.repeat(18).slice(0, 256) }]
      })
    )
    expect(Object.keys(emu.tags('deployer'))).toEqual(['ok'])
    expect(() => emu.setTag('deployer', 'bad', 'a;b')).toThrow()
  })

  it('holds at most 50 tags per user, and keeps a deleted key’s tag', async () => {
    for (let i = 0; i < 49; i++) emu.setTag('deployer', `t${i}`, 'v')
    const client = iam(deployer)
    const tooMany = await failure(
      client.send(
        new TagUserCommand({
          UserName: 'deployer',
          Tags: [
            { Key: 'x', Value: '1' },
            { Key: 'y', Value: '2' }
          ]
        })
      )
    )
    expect([tooMany.code, tooMany.status]).toEqual(['LimitExceeded', 409])
    expect(Object.keys(emu.tags('deployer'))).toHaveLength(49)
    await client.send(
      new TagUserCommand({ UserName: 'deployer', Tags: [{ Key: 'x', Value: '1' }] })
    )
    // Overwriting an existing key does not count against the limit.
    await client.send(
      new TagUserCommand({ UserName: 'deployer', Tags: [{ Key: 'X', Value: '2' }] })
    )
    expect(Object.keys(emu.tags('deployer'))).toHaveLength(50)
    expect(() => emu.setTag('deployer', 'z', 'v')).toThrow()

    const second = emu.createAccessKey('deployer')
    await client.send(new UntagUserCommand({ UserName: 'deployer', TagKeys: ['t0'] }))
    await client.send(
      new TagUserCommand({
        UserName: 'deployer',
        Tags: [{ Key: second.accessKeyId, Value: 'new' }]
      })
    )
    await client.send(new DeleteAccessKeyCommand({ AccessKeyId: second.accessKeyId }))
    expect(emu.tags('deployer')[second.accessKeyId]).toBe('new')
  })
})

describe('read lag (IAM eventual consistency)', () => {
  /** Long enough that reads right after a few writes fall inside it on a loaded runner. */
  const LAG_MS = 1000
  /** Never waited out: reads stay stale until the test makes the changes show. */
  const STALE_MS = 3_600_000
  const DAY = 86_400_000

  const keyList = async (client: IAMClient, UserName = 'deployer') =>
    ((await client.send(new ListAccessKeysCommand({ UserName }))).AccessKeyMetadata ?? []).map(
      k => `${k.AccessKeyId} ${k.Status}`
    )
  const tagList = async (client: IAMClient, UserName = 'deployer') =>
    Object.fromEntries(
      ((await client.send(new ListUserTagsCommand({ UserName }))).Tags ?? []).map(t => [
        t.Key,
        t.Value
      ])
    )
  const trueKeys = (user = 'deployer') => emu.keys(user).map(k => `${k.accessKeyId} ${k.status}`)

  /** Reads until `done` holds; fails after a deadline rather than timing the lag. */
  async function readUntil<T>(read: () => Promise<T>, done: (answer: T) => boolean): Promise<T> {
    const deadline = Date.now() + 10 * LAG_MS
    for (;;) {
      const answer = await read()
      if (done(answer)) return answer
      if (Date.now() > deadline) throw new Error(`still not visible: ${JSON.stringify(answer)}`)
      await sleep(25)
    }
  }

  /** A fresh emulator built with `readLagMs`, holding the deployer user and its one key. */
  async function restartWithLag(readLagMs: number): Promise<void> {
    await emu.close()
    // About read lag, not propagation: a new key works at once.
    emu = await startAwsEmulator({ readLagMs, propagationDelayMs: 0 })
    emu.createUser('deployer')
    emu.attachPolicy('deployer', ACT_ON_ITSELF)
    deployer = emu.createAccessKey('deployer')
  }

  it('shows every change to the next read by default', async () => {
    const client = iam(deployer)
    const { AccessKey } = await client.send(new CreateAccessKeyCommand({}))
    const id = AccessKey?.AccessKeyId ?? ''
    expect(await keyList(client)).toEqual([`${deployer.accessKeyId} Active`, `${id} Active`])
    await client.send(new UpdateAccessKeyCommand({ AccessKeyId: id, Status: 'Inactive' }))
    expect(await keyList(client)).toEqual([`${deployer.accessKeyId} Active`, `${id} Inactive`])
    await client.send(new DeleteAccessKeyCommand({ AccessKeyId: id }))
    expect(await keyList(client)).toEqual([`${deployer.accessKeyId} Active`])
    await client.send(
      new TagUserCommand({ UserName: 'deployer', Tags: [{ Key: 'a', Value: '1' }] })
    )
    expect(await tagList(client)).toEqual({ a: '1' })
    await client.send(new UntagUserCommand({ UserName: 'deployer', TagKeys: ['a'] }))
    expect(await tagList(client)).toEqual({})
  })

  it('answers ListUserTags and GetUser’s tags as they were readLagMs ago', async () => {
    emu.setTag('deployer', 'old', '1')
    emu.setReadLag(LAG_MS)
    const client = iam(deployer)
    await client.send(
      new TagUserCommand({ UserName: 'deployer', Tags: [{ Key: 'new', Value: '2' }] })
    )
    await client.send(new UntagUserCommand({ UserName: 'deployer', TagKeys: ['old'] }))

    expect(await tagList(client)).toEqual({ old: '1' })
    expect((await client.send(new GetUserCommand({}))).User?.Tags).toEqual([
      { Key: 'old', Value: '1' }
    ])
    expect(emu.tags('deployer')).toEqual({ new: '2' })

    // Between the two changes' times a read shows both tags; only the last state lacks 'old'.
    const caughtUp = await readUntil(
      () => tagList(client),
      tags => !('old' in tags)
    )
    expect(caughtUp).toEqual({ new: '2' })
    expect((await client.send(new GetUserCommand({}))).User?.Tags).toEqual([
      { Key: 'new', Value: '2' }
    ])
  })

  it('lists keys as they were readLagMs ago: new ones absent, old statuses, deleted ones still there', async () => {
    const second = emu.createAccessKey('deployer')
    const admin = iam(emu.assumeRole('admin', 'ops'))
    emu.setReadLag(LAG_MS)
    await admin.send(
      new DeleteAccessKeyCommand({ UserName: 'deployer', AccessKeyId: second.accessKeyId })
    )
    await admin.send(
      new UpdateAccessKeyCommand({
        UserName: 'deployer',
        AccessKeyId: deployer.accessKeyId,
        Status: 'Inactive'
      })
    )
    const { AccessKey } = await admin.send(new CreateAccessKeyCommand({ UserName: 'deployer' }))
    const fresh = AccessKey?.AccessKeyId ?? ''

    // The same response shape as without a lag, from the older state.
    const stale = await admin.send(new ListAccessKeysCommand({ UserName: 'deployer' }))
    expect(stale.IsTruncated).toBe(false)
    expect(stale.AccessKeyMetadata).toEqual(
      [deployer, second].map(k => ({
        UserName: 'deployer',
        AccessKeyId: k.accessKeyId,
        Status: 'Active',
        CreateDate: expect.any(Date)
      }))
    )
    const truth = [`${deployer.accessKeyId} Inactive`, `${fresh} Active`]
    expect(trueKeys()).toEqual(truth)

    const caughtUp = await readUntil(
      () => keyList(admin),
      keys => keys.join() === truth.join()
    )
    expect(caughtUp).toEqual(truth)
  })

  it('checks a third key, updates and authentication against the truth, not the lagged view', async () => {
    await restartWithLag(STALE_MS)
    const client = iam(deployer)
    const { AccessKey } = await client.send(new CreateAccessKeyCommand({}))
    const fresh = {
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? ''
    }
    expect(await keyList(client)).toEqual([`${deployer.accessKeyId} Active`])

    expect(await failure(client.send(new CreateAccessKeyCommand({})))).toEqual({
      name: 'LimitExceededException',
      code: 'LimitExceeded',
      status: 409,
      message: 'Cannot exceed quota for AccessKeysPerUser: 2'
    })
    expect((await whoAmI(fresh)).Arn).toContain('user/deployer')
    await client.send(
      new UpdateAccessKeyCommand({ AccessKeyId: fresh.accessKeyId, Status: 'Inactive' })
    )
    expect((await failure(whoAmI(fresh))).code).toBe('InvalidClientTokenId')
    expect(trueKeys()).toEqual([`${deployer.accessKeyId} Active`, `${fresh.accessKeyId} Inactive`])
    expect(await keyList(client)).toEqual([`${deployer.accessKeyId} Active`])
  })

  it('lags a person’s console changes too, and shows them all when the lag is set to 0', async () => {
    const admin = iam(emu.assumeRole('admin', 'ops'))
    emu.setReadLag(STALE_MS)
    emu.setKeyStatus(deployer.accessKeyId, 'Inactive')
    emu.setTag('deployer', 'k', 'v')
    emu.deleteKey(other.accessKeyId)

    expect(await keyList(admin)).toEqual([`${deployer.accessKeyId} Active`])
    expect(await tagList(admin)).toEqual({})
    expect(await keyList(admin, 'other')).toEqual([`${other.accessKeyId} Active`])
    expect(trueKeys()).toEqual([`${deployer.accessKeyId} Inactive`])
    expect(emu.tags('deployer')).toEqual({ k: 'v' })
    expect((await failure(whoAmI(deployer))).code).toBe('InvalidClientTokenId')

    emu.setReadLag(0)
    expect(await keyList(admin)).toEqual([`${deployer.accessKeyId} Inactive`])
    expect(await tagList(admin)).toEqual({ k: 'v' })
    expect(await keyList(admin, 'other')).toEqual([])
  })

  it('shows every pending change once time is shifted, with the shifted dates', async () => {
    const client = iam(deployer)
    emu.setReadLag(STALE_MS)
    const { AccessKey } = await client.send(new CreateAccessKeyCommand({}))
    await client.send(
      new TagUserCommand({ UserName: 'deployer', Tags: [{ Key: 'a', Value: '1' }] })
    )
    expect(await keyList(client)).toEqual([`${deployer.accessKeyId} Active`])

    emu.shiftTime(DAY)
    const listed = await client.send(new ListAccessKeysCommand({}))
    const fresh = listed.AccessKeyMetadata?.find(k => k.AccessKeyId === AccessKey?.AccessKeyId)
    expect(fresh?.CreateDate?.getTime()).toBe((AccessKey?.CreateDate?.getTime() ?? 0) - DAY)
    expect(await tagList(client)).toEqual({ a: '1' })

    // The lag still holds for changes made after.
    await client.send(
      new TagUserCommand({ UserName: 'deployer', Tags: [{ Key: 'b', Value: '2' }] })
    )
    expect(await tagList(client)).toEqual({ a: '1' })
  })
})

describe('last use', () => {
  it('reports N/A until a key is used, then the service and region of the last use', async () => {
    const fresh = emu.createAccessKey('deployer')
    const client = iam(deployer)
    const never = await client.send(
      new GetAccessKeyLastUsedCommand({ AccessKeyId: fresh.accessKeyId })
    )
    expect(never.UserName).toBe('deployer')
    expect(never.AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' })

    const before = Math.floor(Date.now() / 1000) * 1000
    await whoAmI(fresh, 'eu-west-1')
    const viaSts = await client.send(
      new GetAccessKeyLastUsedCommand({ AccessKeyId: fresh.accessKeyId })
    )
    expect(viaSts.AccessKeyLastUsed?.ServiceName).toBe('sts')
    expect(viaSts.AccessKeyLastUsed?.Region).toBe('eu-west-1')
    expect(viaSts.AccessKeyLastUsed?.LastUsedDate?.getTime()).toBeGreaterThanOrEqual(before)
    expect(viaSts.AccessKeyLastUsed?.LastUsedDate?.getTime()).toBeLessThanOrEqual(Date.now())

    // A failed authentication is no use of the key.
    await failure(whoAmI({ ...fresh, secretAccessKey: 'y'.repeat(40) }, 'ap-south-1'))
    await iam(fresh).send(new GetUserCommand({}))
    const viaIam = emu.keys('deployer').find(k => k.accessKeyId === fresh.accessKeyId)?.lastUsed
    expect(viaIam).toMatchObject({ service: 'iam', region: 'us-east-1' })
  })

  it('returns seeded last use', async () => {
    emu.createUser('seeded')
    const date = new Date('2026-10-01T12:00:00Z')
    const key = emu.createAccessKey('seeded', {
      lastUsed: { date, service: 's3', region: 'eu-central-1' }
    })
    const admin = iam(emu.assumeRole('admin', 'ops'))
    const { AccessKeyLastUsed } = await admin.send(
      new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId })
    )
    expect(AccessKeyLastUsed).toEqual({
      LastUsedDate: date,
      ServiceName: 's3',
      Region: 'eu-central-1'
    })
  })
})

describe('faults and interception', () => {
  it('injects a 503 the SDK retries, and Throttling with Retry-After', async () => {
    let calls = 0
    const remove = emu.intercept(call => {
      if (call.action !== 'ListAccessKeys') return undefined
      calls++
      return calls === 1 ? { status: 503, code: 'ServiceUnavailable' } : undefined
    })
    const listed = await iam(deployer, { maxAttempts: 3 }).send(new ListAccessKeysCommand({}))
    expect(listed.AccessKeyMetadata).toHaveLength(1)
    expect(calls).toBe(2)
    remove()

    emu.intercept(() => ({ status: 400, code: 'Throttling', retryAfterSeconds: 2 }))
    expect(await failure(whoAmI(deployer))).toEqual({
      name: 'Throttling',
      code: 'Throttling',
      status: 400,
      message: 'Rate exceeded'
    })
    const raw = await signedPost(deployer, 'Action=GetCallerIdentity&Version=2011-06-15', {
      service: 'sts'
    })
    expect(raw.headers['retry-after']).toBe('2')
    expect(raw.body).toContain(
      '<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>'
    )
  })

  it('resets connections and delays answers', async () => {
    const remove = emu.intercept(() => ({ reset: true }))
    const reset = await failure(whoAmI(deployer))
    expect(reset.status).toBeUndefined()
    expect(reset.name).not.toBe('InvalidClientTokenId')
    remove()

    emu.intercept(() => ({ delayMs: 200 }))
    const started = Date.now()
    expect((await whoAmI(deployer)).Arn).toContain('deployer')
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    expect(emu.requests.map(r => r.status)).toEqual([0, 200])
  })

  it('runs hooks only after the signature was verified, with the call details', async () => {
    const seen: unknown[] = []
    emu.intercept(async call => {
      seen.push(call)
      await sleep(1)
      return call.action === 'CreateAccessKey'
        ? { status: 500, code: 'ServiceFailure', message: 'killed <here> & "now"' }
        : undefined
    })
    await failure(whoAmI({ ...deployer, secretAccessKey: 'z'.repeat(40) }))
    expect(seen).toEqual([])
    const killed = await failure(
      iam(deployer).send(new CreateAccessKeyCommand({ UserName: 'deployer' }))
    )
    expect(killed).toEqual({
      name: 'ServiceFailureException',
      code: 'ServiceFailure',
      status: 500,
      message: 'killed <here> & "now"'
    })
    expect(seen).toEqual([
      {
        service: 'iam',
        action: 'CreateAccessKey',
        params: { Action: 'CreateAccessKey', Version: '2010-05-08', UserName: 'deployer' },
        principal: 'deployer',
        accessKeyId: deployer.accessKeyId
      }
    ])
    expect(emu.keys('deployer')).toHaveLength(1)
  })
})

describe('request log and robustness', () => {
  it('logs every request without secrets', async () => {
    const { AccessKey } = await iam(deployer).send(new CreateAccessKeyCommand({}))
    await failure(whoAmI({ ...deployer, secretAccessKey: 'q'.repeat(40) }))
    await whoAmI(emu.assumeRole('admin', 'logged'))
    expect(emu.requests).toEqual([
      {
        at: expect.any(Number),
        service: 'iam',
        action: 'CreateAccessKey',
        accessKeyId: deployer.accessKeyId,
        principal: 'deployer',
        params: { Action: 'CreateAccessKey', Version: '2010-05-08' },
        status: 200
      },
      {
        at: expect.any(Number),
        service: 'sts',
        action: 'GetCallerIdentity',
        accessKeyId: deployer.accessKeyId,
        params: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        status: 403,
        errorCode: 'SignatureDoesNotMatch'
      },
      expect.objectContaining({ principal: 'admin', status: 200 })
    ])
    const logged = JSON.stringify(emu.requests)
    expect(logged).not.toContain(AccessKey?.SecretAccessKey)
    expect(logged).not.toContain(deployer.secretAccessKey)
  })

  it('answers unknown actions and versions with InvalidAction', async () => {
    for (const body of [
      'Action=CreateUser&Version=2010-05-08&UserName=x',
      'Action=ListAccessKeys&Version=2010-05-09',
      'Action=ListAccessKeys',
      'Version=2010-05-08',
      'Action=GetCallerIdentity&Version=2010-05-08'
    ]) {
      const res = await signedPost(deployer, body)
      expect([body, res.status, res.code]).toEqual([body, 400, 'InvalidAction'])
    }
    const stsAction = await signedPost(deployer, 'Action=AssumeRole&Version=2011-06-15', {
      service: 'sts'
    })
    expect([stsAction.status, stsAction.code]).toEqual([400, 'InvalidAction'])
  })

  it('survives malformed requests', async () => {
    const answers = [
      await send({ 'content-type': 'application/x-www-form-urlencoded' }, '%%%&&==\u0000\uffff'),
      await send({ 'content-type': 'application/json' }, '{"Action":'),
      await send({ authorization: 'AWS4-HMAC-SHA256 Credential=/////////' }, ''),
      await send(
        { authorization: 'AWS4-HMAC-SHA256 Credential=a, SignedHeaders=, Signature=' },
        ''
      ),
      await send({ 'x-amz-date': 'garbage', authorization: 'AWS4-HMAC-SHA256 ,,,==' }, 'x'),
      await send({}, '', 'GET', '/..%2F%zz?Action=GetUser&%zz=%'),
      await send({}, '', 'DELETE', '/'),
      await signedPost(
        deployer,
        'Action=TagUser&Version=2010-05-08&UserName=deployer&Tags.member.3.Key=a'
      ),
      await signedPost(
        deployer,
        'Action=UpdateAccessKey&Version=2010-05-08&AccessKeyId=%3C%3E&Status=Active'
      ),
      await signedPost(deployer, 'Action=ListAccessKeys&Version=2010-05-08&Marker=nonsense'),
      await signedPost(deployer, 'Action=GetUser&Version=2010-05-08&UserName=a%20b')
    ]
    for (const res of answers) {
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      expect(res.body).toMatch(
        /^<\?xml[^>]*>\n<ErrorResponse xmlns="https:\/\/(iam|sts)\.amazonaws\.com/
      )
      expect(res.code).toBeTruthy()
    }
    expect((await whoAmI(deployer)).Arn).toContain('deployer')
  })

  it('refuses bodies over 1 MiB', async () => {
    const res = await signedPost(
      deployer,
      `Action=GetUser&Version=2010-05-08&X=${'a'.repeat(1 << 20)}`
    )
    expect([res.status, res.code]).toEqual([413, 'RequestEntityTooLarge'])
  })

  // A keep-alive connection left open would hold close() until the client's idle timeout:
  // the test's own 3 s timeout is what fails then, not a wall-clock assertion.
  it('closes keep-alive connections on close()', async () => {
    await whoAmI(deployer)
    await emu.close()
    emu = await startAwsEmulator()
  }, 3_000)
})
