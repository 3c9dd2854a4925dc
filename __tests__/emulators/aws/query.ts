/**
 * AWS's Query protocol as IAM and STS speak it: a form-encoded POST (or a GET with a query) in,
 * XML out, errors in the `<ErrorResponse>` shape with AWS's common error codes and messages
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html; the Action and
 * Version parameters: https://docs.aws.amazon.com/IAM/latest/APIReference/CommonParameters.html).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

export type Service = 'iam' | 'sts'

export const IAM_VERSION = '2010-05-08'
export const STS_VERSION = '2011-06-15'
const XMLNS: Record<Service, string> = {
  iam: `https://iam.amazonaws.com/doc/${IAM_VERSION}/`,
  sts: `https://sts.amazonaws.com/doc/${STS_VERSION}/`
}
const MAX_BODY_BYTES = 1024 * 1024

/** An answer in AWS's error shape. */
export class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number
  ) {
    super(message)
  }
}

export const validation = (message: string) => new AwsError(400, 'ValidationError', message)

export function validationErrors(problems: string[]): AwsError {
  const n = problems.length
  return validation(`${n} validation error${n > 1 ? 's' : ''} detected: ${problems.join('; ')}`)
}

/** The message AWS sends with a common error code when a test gives none. */
export function defaultMessage(code: string): string {
  switch (code) {
    case 'Throttling':
      return 'Rate exceeded'
    case 'ServiceUnavailable':
      return 'Service is unavailable. Please try again later.'
    case 'ServiceFailure':
    case 'InternalFailure':
      return 'The request processing has failed because of an unknown error, exception or failure.'
    default:
      return code
  }
}

export const isoDate = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** <name>content</name>; content is already XML. */
export const el = (name: string, content: string) => `<${name}>${content}</${name}>`
export const text = (name: string, value: string) => el(name, escapeXml(value))
export const members = (items: string[]) => items.map(i => el('member', i)).join('')

/** A request as the emulator reads it: the raw parts SigV4 signs, and the merged parameters. */
export interface ParsedRequest {
  method: string
  rawPath: string
  query: URLSearchParams
  headers: Map<string, string>
  body: Buffer
  params: Record<string, string>
}

function readBody(req: IncomingMessage): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('end', () => resolve({ body: Buffer.concat(chunks), tooLarge: size > MAX_BODY_BYTES }))
    req.on('error', reject)
  })
}

/** Header values by lower-case name, repeated headers joined with ','. */
function headerValues(req: IncomingMessage): Map<string, string> {
  const values = new Map<string, string>()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase()
    const value = (req.rawHeaders[i + 1] ?? '').trim().replace(/\s+/g, ' ')
    const prior = values.get(name)
    values.set(name, prior === undefined ? value : `${prior},${value}`)
  }
  return values
}

/** Reads a request: parameters from the query, then from a form body (the first one wins). */
export async function readRequest(
  req: IncomingMessage
): Promise<{ request: ParsedRequest; tooLarge: boolean }> {
  const { body, tooLarge } = await readBody(req)
  const rawUrl = req.url ?? '/'
  const q = rawUrl.indexOf('?')
  const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl
  const query = new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '')
  const headers = headerValues(req)
  const params: Record<string, string> = {}
  for (const [k, v] of query) params[k] ??= v
  const contentType = (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
  if (contentType === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] ??= v
  }
  const request = { method: req.method ?? 'GET', rawPath, query, headers, body, params }
  return { request, tooLarge }
}

/** Which service a request is for: by Version, else by the credential scope. */
export function serviceOf(r: ParsedRequest): Service {
  if (r.params.Version === IAM_VERSION) return 'iam'
  if (r.params.Version === STS_VERSION) return 'sts'
  const scoped = /Credential=[^/]*\/[^/]*\/[^/]*\/(iam|sts)\//.exec(
    r.headers.get('authorization') ?? ''
  )
  return scoped?.[1] === 'sts' ? 'sts' : 'iam'
}

/** The parameters without any that could hold a secret: what logs and interceptors see. */
export function redact(params: Record<string, string>): Record<string, string> {
  const copy: Record<string, string> = {}
  for (const [k, v] of Object.entries(params)) {
    if (!/secret|token|password/i.test(k)) copy[k] = v
  }
  return copy
}

/** `<ActionResponse>`: the action's result (if it has one) and the request id. */
export function resultXml(
  service: Service,
  action: string,
  result: string | undefined,
  requestId: string
): string {
  const inner =
    (result === undefined ? '' : el(`${action}Result`, result)) +
    el('ResponseMetadata', text('RequestId', requestId))
  return `<${action}Response xmlns="${XMLNS[service]}">${inner}</${action}Response>`
}

export function errorXml(service: Service, e: AwsError, requestId: string): string {
  const type = e.status >= 500 ? 'Receiver' : 'Sender'
  return `<ErrorResponse xmlns="${XMLNS[service]}">${el(
    'Error',
    text('Type', type) + text('Code', e.code) + text('Message', e.message)
  )}${text('RequestId', requestId)}</ErrorResponse>`
}

export function send(
  res: ServerResponse,
  status: number,
  xml: string,
  requestId: string,
  extra: Record<string, string> = {}
): void {
  if (res.headersSent || res.destroyed) return
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}\n`
  res.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
    ...extra
  })
  res.end(body)
}
