/**
 * GitHub's REST API on the wire: error bodies `{ message, documentation_url, status }`, JSON
 * request bodies ("Problems parsing JSON", 422 "Invalid request" for a field of the wrong type),
 * ISO 8601 times without milliseconds, legacy node ids, and lists paged by `per_page` / `page`
 * with a Link header (https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api).
 */
import type { IncomingMessage } from 'node:http'
import { randomBytes } from 'node:crypto'
import { pageOf } from '../secret-scanning.js'

export const DOCS = 'https://docs.github.com/rest'
// Far above any real PUT (48 KB sealed and base64-encoded is about 65 KB).
const MAX_BODY_BYTES = 5 * 1024 * 1024

export interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

/** A reply thrown from deep in a handler (a body GitHub refuses). */
export class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(`GitHub emulator reply ${reply.status}`)
  }
}

export function errorReply(
  status: number,
  message: string,
  docs: string,
  headers?: Record<string, string>
): Reply {
  const reply: Reply = {
    status,
    body: { message, documentation_url: docs, status: String(status) }
  }
  if (headers) reply.headers = headers
  return reply
}

/** A refusal a store decided (an alert's or an issue's), answered in GitHub's shape. */
export const refusalReply = (refusal: { status: number; message: string }, docs: string) =>
  errorReply(refusal.status, refusal.message, docs)

export const notFound = (docs: string) => errorReply(404, 'Not Found', docs)

/** GitHub's legacy global node id: base64 of "0<length of type>:<type><id>", e.g. 010:Repository1. */
export function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64')
}

/** GitHub's time format: ISO 8601 without milliseconds. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** A commit id: 40 hexadecimal digits. */
export function randomSha(): string {
  return randomBytes(20).toString('hex')
}

export function requestId(): string {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase()
  return `${hex(2)}:${hex(2)}:${hex(3)}:${hex(3)}:${hex(4)}`
}

export const withUrls = (base: string, suffixes: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(suffixes).map(([key, suffix]) => [key, `${base}${suffix}`]))

/** The body, or undefined when it is too large or the client hung up. */
export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) tooLarge = true
      else chunks.push(chunk)
    })
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)))
    // A client that hangs up mid-body gets no answer; settle so the handler ends.
    req.on('close', () => resolve(undefined))
    req.on('error', reject)
  })
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A JSON object body, or the 400 GitHub sends for anything else. */
export function parseJsonObject(raw: Buffer, docs: string): Record<string, unknown> {
  let body: unknown
  const text = raw.toString('utf8')
  try {
    // GitHub reads an empty body as no parameters.
    body = text.trim() === '' ? {} : JSON.parse(text)
  } catch {
    throw new ReplyError(errorReply(400, 'Problems parsing JSON', docs))
  }
  if (!isRecord(body)) throw new ReplyError(errorReply(400, 'Problems parsing JSON', docs))
  return body
}

/** A request body as the OpenAPI check takes it: JSON when it parses, else the text. */
export function parseOrText(raw: Buffer): unknown {
  const text = raw.toString('utf8')
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/** GitHub's 422 for a body field of the wrong JSON type. */
export function wrongType(field: string, value: unknown, type: string, docs: string): ReplyError {
  const shown = JSON.stringify(value)
  return new ReplyError(
    errorReply(422, `Invalid request.\n\nFor 'properties/${field}', ${shown} is not ${type}.`, docs)
  )
}

/** One page of a list, with GitHub's per_page rules, total_count and Link header. */
export function page(items: unknown[], key: string, url: URL, origin: string): Reply {
  // GitHub caps per_page at 100 and falls back to defaults for junk; links keep the filters.
  const { start, end, link } = pageOf(items.length, url, origin)
  const reply: Reply = {
    status: 200,
    body: { total_count: items.length, [key]: items.slice(start, end) }
  }
  if (link !== undefined) reply.headers = { link }
  return reply
}

/** A list answered as a bare JSON array (alerts, issues), paged by its Link header. */
export function pageArray(items: unknown[], url: URL, origin: string): Reply {
  const { start, end, link } = pageOf(items.length, url, origin)
  const reply: Reply = { status: 200, body: items.slice(start, end) }
  if (link !== undefined) reply.headers = { link }
  return reply
}
