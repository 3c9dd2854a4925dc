/**
 * Signature Version 4, as IAM and STS check it: the Authorization header's fields, the credential
 * scope (date, region, service, terminator), the 15-minute clock skew, then the canonical
 * request, the string to sign and the derived signing key (IAM User Guide, "Create a signed AWS
 * API request": https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
 * The messages are AWS's own, as the SDK and a second SigV4 implementation see them in
 * emulator-aws.test.ts.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { AwsError, isoDate, type ParsedRequest, type Service } from './query.js'

const MAX_SKEW_MS = 15 * 60 * 1000
const INVALID_TOKEN = 'The security token included in the request is invalid.'
const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'

export const invalidToken = () => new AwsError(403, 'InvalidClientTokenId', INVALID_TOKEN)
const badSignature = (message = BAD_SIGNATURE) =>
  new AwsError(403, 'SignatureDoesNotMatch', message)
const incomplete = (message: string) => new AwsError(400, 'IncompleteSignature', message)

/** What the Authorization header and X-Amz-Date say. */
interface Signed {
  authorization: string
  accessKeyId: string
  scopeDate: string
  region: string
  scopeService: string
  terminator: string
  signedHeaders: string
  signature: string
  date: string
}

/**
 * The key that signed the request: its secret and whoever it stands for. Throws AWS's answer
 * to a key that is unknown, inactive or not yet propagated.
 */
export type KeyResolver<P> = (
  accessKeyId: string,
  sessionToken: string | undefined
) => {
  principal: P
  secret: string
}

/**
 * Verifies a request's signature in AWS's order of checks; `onKeyId` learns the access key id
 * as soon as the header names one (for the request log). Returns the signer and the region.
 */
export function authenticate<P>(
  r: ParsedRequest,
  service: Service,
  nowMs: number,
  onKeyId: (accessKeyId: string) => void,
  resolveKey: KeyResolver<P>
): { principal: P; region: string } {
  const signed = readAuthorization(r)
  onKeyId(signed.accessKeyId)
  checkScope(signed, service)
  checkDate(signed, nowMs)
  // The key must exist, be active and have propagated; session keys need their token.
  const { principal, secret } = resolveKey(
    signed.accessKeyId,
    r.headers.get('x-amz-security-token')
  )
  if (!safeEqual(expectedSignature(r, signed, secret), signed.signature)) throw badSignature()
  return { principal, region: signed.region }
}

function readAuthorization(r: ParsedRequest): Signed {
  const authorization = r.headers.get('authorization')
  if (authorization === undefined || authorization === '') {
    throw new AwsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token')
  }
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(authorization)
  if (!m) throw incomplete(`Unsupported Authorization Type. Authorization=${authorization}`)
  const fields = new Map<string, string>()
  for (const part of (m[1] ?? '').split(/,\s*/)) {
    const eq = part.indexOf('=')
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  const credential = fields.get('Credential')
  const signedHeaders = fields.get('SignedHeaders')
  const signature = fields.get('Signature')
  const date = r.headers.get('x-amz-date')
  const missing: string[] = []
  if (!credential) missing.push("Authorization header requires 'Credential' parameter.")
  if (!signature) missing.push("Authorization header requires 'Signature' parameter.")
  if (!signedHeaders) missing.push("Authorization header requires 'SignedHeaders' parameter.")
  if (!date)
    missing.push(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
    )
  if (!credential || !signature || !signedHeaders || !date) {
    throw incomplete(`${missing.join(' ')} Authorization=${authorization}`)
  }
  const scopeParts = credential.split('/')
  if (scopeParts.length !== 5) {
    throw incomplete(
      `Credential should have exactly 5 slash-separated parts, not ${scopeParts.length}. Authorization=${authorization}`
    )
  }
  const [accessKeyId, scopeDate, region, scopeService, terminator] = scopeParts as [
    string,
    string,
    string,
    string,
    string
  ]
  return {
    authorization,
    accessKeyId,
    scopeDate,
    region,
    scopeService,
    terminator,
    signedHeaders,
    signature,
    date
  }
}

function checkScope(s: Signed, service: Service): void {
  if (s.terminator !== 'aws4_request') {
    throw badSignature(
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${s.terminator}'.`
    )
  }
  if (s.scopeService !== service) {
    throw badSignature(`Credential should be scoped to correct service: '${service}'. `)
  }
  const regionOk =
    service === 'iam' ? s.region === 'us-east-1' : /^[a-z]{2}(-[a-z]+)+-\d+$/.test(s.region)
  if (!regionOk) {
    throw badSignature(`Credential should be scoped to a valid region, not '${s.region}'. `)
  }
  // This account lives in the commercial partition. AWS documents partitions as separate
  // (own IAM, own credentials); that STS elsewhere answers InvalidClientTokenId for a commercial
  // key is our reading of how an unknown key is answered, not a documented statement.
  if (/^(cn|us-gov|us-iso[a-z]*|eu-isoe)-/.test(s.region)) throw invalidToken()
}

/** The date's format, its agreement with the scope, a signed Host, and the clock skew. */
function checkDate(s: Signed, nowMs: number): void {
  const signedAt = parseAmzDate(s.date)
  if (Number.isNaN(signedAt)) {
    throw incomplete(
      `Date must be in ISO-8601 'basic format'. Got '${s.date}'. See http://en.wikipedia.org/wiki/ISO_8601`
    )
  }
  if (s.scopeDate !== s.date.slice(0, 8)) {
    throw badSignature(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${s.scopeDate}' != '${s.date.slice(0, 8)}', from '${s.date}'.`
    )
  }
  if (!s.signedHeaders.split(';').includes('host')) {
    throw incomplete(
      `'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization. Authorization=${s.authorization}`
    )
  }
  if (signedAt < nowMs - MAX_SKEW_MS) {
    throw badSignature(
      `Signature expired: ${s.date} is now earlier than ${amzDate(nowMs - MAX_SKEW_MS)} (${amzDate(nowMs)} - 15 min.)`
    )
  }
  if (signedAt > nowMs + MAX_SKEW_MS) {
    throw badSignature(
      `Signature not yet current: ${s.date} is still later than ${amzDate(nowMs + MAX_SKEW_MS)} (${amzDate(nowMs)} + 15 min.)`
    )
  }
}

/** The canonical request, the string to sign, and its HMAC under the derived signing key. */
function expectedSignature(r: ParsedRequest, s: Signed, secret: string): string {
  const headerNames = s.signedHeaders.split(';')
  const canonicalHeaders = headerNames.map(h => `${h}:${r.headers.get(h) ?? ''}\n`).join('')
  const canonicalRequest = [
    r.method,
    canonicalPath(r.rawPath),
    canonicalQuery(r.query),
    canonicalHeaders,
    s.signedHeaders,
    sha256Hex(r.body)
  ].join('\n')
  const scope = `${s.scopeDate}/${s.region}/${s.scopeService}/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', s.date, scope, sha256Hex(canonicalRequest)].join('\n')
  let signingKey = hmac(`AWS4${secret}`, s.scopeDate)
  for (const part of [s.region, s.scopeService, 'aws4_request']) signingKey = hmac(signingKey, part)
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex')
}

// SigV4's URI encoding: RFC 3986 unreserved characters stay, everything else is %XX.
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  )
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest()

function canonicalPath(rawPath: string): string {
  const segments: string[] = []
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(segment)
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : ''
  return escapeUri(`/${segments.join('/')}${trailing}`).replace(/%2F/g, '/')
}

function canonicalQuery(query: URLSearchParams): string {
  const pairs: Array<[string, string]> = []
  for (const [k, v] of query) if (k !== 'X-Amz-Signature') pairs.push([escapeUri(k), escapeUri(v)])
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
  return pairs.map(([k, v]) => `${k}=${v}`).join('&')
}

/** 20261122T233706Z -> epoch ms, or NaN. */
function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (!m) return NaN
  const [, y, mo, d, h, mi, s] = m.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number
  ]
  return Date.UTC(y, mo - 1, d, h, mi, s)
}

const amzDate = (ms: number) => isoDate(new Date(ms)).replace(/[-:]/g, '')

/** Constant-time comparison of a secret-derived value. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
