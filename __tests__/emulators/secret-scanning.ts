/**
 * GitHub secret scanning alerts for the GitHub emulator (./github.ts wires the routes): each
 * repository's alert store, the alerts' JSON, the lists' filters and array paging, and the
 * validation of PATCH .../secret-scanning/alerts/{alert_number}.
 *
 * Sources: GitHub's OpenAPI description (operations secret-scanning/list-alerts-for-repo,
 * list-alerts-for-org and update-alert; schemas secret-scanning-alert,
 * organization-secret-scanning-alert, secret-scanning-alert-with-metadata) and
 * https://docs.github.com/rest/secret-scanning/secret-scanning. Where GitHub documents no
 * wording or limit, the comment says the emulator's choice is our reading.
 *
 * An alert's `secret` is a live credential (an AWS key in the tests): it is only ever written
 * into a response body, never into a request record or an error message.
 */

export type AlertState = 'open' | 'resolved'
export type AlertResolution = 'false_positive' | 'wont_fix' | 'revoked' | 'used_in_tests'
export type AlertValidity = 'active' | 'inactive' | 'unknown'

/** What PATCH accepts as a resolution (secret-scanning-alert-resolution). */
export const RESOLUTIONS: readonly AlertResolution[] = [
  'false_positive',
  'wont_fix',
  'revoked',
  'used_in_tests'
]
const STATES: readonly AlertState[] = ['open', 'resolved']

/**
 * The longest resolution_comment the emulator takes. Our reading of GitHub's UI (its dismissal
 * comment box stops at 280 characters); the REST description documents no limit, only "400 Bad
 * request, resolution comment is invalid".
 */
export const MAX_RESOLUTION_COMMENT = 280

export const MSG_REPO_DISABLED = 'Secret scanning is disabled on this repository.'
/**
 * Our reading: GitHub documents the organization list's 404 only as "Resource not found"; the
 * emulator words it like the repository's.
 */
export const MSG_ORG_DISABLED = 'Secret scanning is disabled on this organization.'

/** Display names GitHub shows for the types the action looks for; others show the type. */
const DISPLAY_NAMES: Record<string, string> = {
  aws_access_key_id: 'Amazon AWS Access Key ID',
  aws_secret_access_key: 'Amazon AWS Secret Access Key'
}

export interface StoredAlert {
  number: number
  secretType: string
  /** The detected value: a secret. */
  secret: string
  state: AlertState
  resolution: AlertResolution | null
  resolutionComment: string | null
  resolvedAt: Date | null
  /** The resolver's login; null when the emulator does not know one (a seeded alert). */
  resolvedBy: string | null
  createdAt: Date
  updatedAt: Date
  validity: AlertValidity
  assignee: string | null
}

export interface NewAlert {
  secretType: string
  secret: string
  state?: AlertState
  resolution?: string
  createdAt?: Date
}

/** One repository's alerts; scanning is off until enabled (as for a new repository on GitHub). */
export class AlertStore {
  enabled = false
  private readonly alerts: StoredAlert[] = []

  /** Adds an alert (numbered from 1) and turns scanning on; throws on an impossible one. */
  add(alert: NewAlert): number {
    const state = alert.state ?? 'open'
    if (!STATES.includes(state)) throw new Error(`GitHub emulator: alert state "${state}"`)
    const resolution = alert.resolution ?? null
    if (state === 'resolved' && !RESOLUTIONS.includes(resolution as AlertResolution)) {
      throw new Error(
        `GitHub emulator: a resolved alert needs a resolution (${RESOLUTIONS.join(', ')})`
      )
    }
    if (state === 'open' && resolution !== null) {
      throw new Error('GitHub emulator: an open alert has no resolution')
    }
    if (alert.secretType === '' || alert.secret === '') {
      throw new Error('GitHub emulator: an alert needs a secret type and a secret')
    }
    const createdAt = new Date(alert.createdAt ?? Date.now())
    const number = this.alerts.length + 1
    this.alerts.push({
      number,
      secretType: alert.secretType,
      secret: alert.secret,
      state,
      resolution: resolution as AlertResolution | null,
      resolutionComment: null,
      resolvedAt: state === 'resolved' ? createdAt : null,
      resolvedBy: null,
      createdAt,
      updatedAt: createdAt,
      validity: 'unknown',
      assignee: null
    })
    this.enabled = true
    return number
  }

  get(number: number): StoredAlert | undefined {
    return this.alerts.find(alert => alert.number === number)
  }

  all(): StoredAlert[] {
    return [...this.alerts]
  }
}

/** What an alert's JSON needs besides the alert. */
export interface AlertContext {
  /** The repository's API URL: origin + base path + /repos/{owner}/{repo}. */
  apiUrl: string
  /** The repository's web URL: origin + /{owner}/{repo}. */
  htmlUrl: string
  hideSecret: boolean
  /** GitHub Enterprise Server's description lacks some of GitHub.com's fields. */
  ghes: boolean
  /** A simple-user object for a login. */
  account: (login: string) => unknown
  /** The organization list's simple-repository object. */
  repository?: unknown
}

const iso = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z')

/** An alert as GitHub shows it (secret-scanning-alert; with `repository`, the organization's). */
export function alertJson(alert: StoredAlert, context: AlertContext): Record<string, unknown> {
  const url = `${context.apiUrl}/secret-scanning/alerts/${alert.number}`
  const body: Record<string, unknown> = {
    number: alert.number,
    created_at: iso(alert.createdAt),
    updated_at: iso(alert.updatedAt),
    url,
    html_url: `${context.htmlUrl}/security/secret-scanning/${alert.number}`,
    locations_url: `${url}/locations`,
    state: alert.state,
    resolution: alert.resolution,
    resolved_at: alert.resolvedAt ? iso(alert.resolvedAt) : null,
    resolved_by: alert.resolvedBy === null ? null : context.account(alert.resolvedBy),
    resolution_comment: alert.resolutionComment,
    secret_type: alert.secretType,
    secret_type_display_name: DISPLAY_NAMES[alert.secretType] ?? alert.secretType
  }
  // GitHub.com only. The description gives no provider values for AWS: null, which it allows.
  if (!context.ghes) Object.assign(body, { provider: null, provider_slug: null })
  if (!context.hideSecret) body.secret = alert.secret
  if (context.repository !== undefined) body.repository = context.repository
  Object.assign(body, {
    push_protection_bypassed: false,
    push_protection_bypassed_by: null,
    push_protection_bypassed_at: null,
    push_protection_bypass_request_reviewer: null,
    push_protection_bypass_request_reviewer_comment: null,
    push_protection_bypass_request_comment: null,
    push_protection_bypass_request_html_url: null,
    validity: alert.validity
  })
  if (!context.ghes) body.publicly_leaked = false
  Object.assign(body, {
    multi_repo: false,
    is_base64_encoded: false,
    first_location_detected: null,
    has_more_locations: false,
    assigned_to: alert.assignee === null ? null : context.account(alert.assignee)
  })
  if (!context.ghes) {
    Object.assign(body, {
      closure_request_comment: null,
      closure_request_reviewer_comment: null,
      closure_request_reviewer: null
    })
  }
  return body
}

/** A refusal in GitHub's terms; github.ts turns it into its error body. */
export interface Refusal {
  status: number
  message: string
}

/** A comma-separated query parameter as a set; undefined when absent or empty. */
function listParam(query: URLSearchParams, name: string): Set<string> | undefined {
  const raw = query.get(name)
  if (raw === null || raw.trim() === '') return undefined
  return new Set(
    raw
      .split(',')
      .map(part => part.trim())
      .filter(part => part !== '')
  )
}

/** `hide_secret=true` (GitHub's booleans in queries are `true` / `false`). */
export function hideSecret(query: URLSearchParams): boolean {
  return query.get('hide_secret') === 'true'
}

/**
 * The alerts a list shows, newest first (GitHub: "from newest to oldest"), after its filters:
 * state, secret_type, resolution and validity (comma-separated lists), sort and direction.
 * Alerts with their repository's id, so the organization list orders equal times stably.
 */
export function selectAlerts<T extends { alert: StoredAlert; repoId: number }>(
  entries: T[],
  query: URLSearchParams
): T[] | Refusal {
  const state = query.get('state')
  if (state !== null && !STATES.includes(state as AlertState)) {
    return {
      status: 422,
      message: `Invalid request.\n\n${JSON.stringify(state)} is not a member of ["open", "resolved"].`
    }
  }
  const sort = query.get('sort') ?? 'created'
  const direction = query.get('direction') ?? 'desc'
  if (!['created', 'updated'].includes(sort) || !['asc', 'desc'].includes(direction)) {
    return { status: 422, message: 'Invalid request.\n\nsort or direction is not valid.' }
  }
  const types = listParam(query, 'secret_type')
  const resolutions = listParam(query, 'resolution')
  const validities = listParam(query, 'validity')
  const chosen = entries.filter(({ alert }) => {
    if (state !== null && alert.state !== state) return false
    if (types && !types.has(alert.secretType)) return false
    if (resolutions && !resolutions.has(alert.resolution ?? '')) return false
    return !validities || validities.has(alert.validity)
  })
  const time = (alert: StoredAlert): number =>
    (sort === 'updated' ? alert.updatedAt : alert.createdAt).getTime()
  const sign = direction === 'asc' ? 1 : -1
  return chosen.sort(
    (a, b) =>
      sign * (time(a.alert) - time(b.alert)) ||
      sign * (a.repoId - b.repoId) ||
      sign * (a.alert.number - b.alert.number)
  )
}

/**
 * The page a request asks for, with GitHub's rules (per_page default 30, at most 100; page from
 * 1; junk falls back to the defaults) and its Link header (prev, next, last, first), whose URLs
 * keep the request's other query parameters.
 */
export function pageOf(
  count: number,
  url: URL,
  origin: string
): { start: number; end: number; link?: string } {
  const perPageRaw = Number.parseInt(url.searchParams.get('per_page') ?? '', 10)
  const perPage = Number.isInteger(perPageRaw) && perPageRaw > 0 ? Math.min(perPageRaw, 100) : 30
  const pageRaw = Number.parseInt(url.searchParams.get('page') ?? '', 10)
  const pageNumber = Number.isInteger(pageRaw) && pageRaw > 0 ? pageRaw : 1
  const lastPage = Math.max(1, Math.ceil(count / perPage))
  const link = (p: number, rel: string): string => {
    const next = new URL(`${url.pathname}${url.search}`, origin)
    next.searchParams.set('per_page', String(perPage))
    next.searchParams.set('page', String(p))
    return `<${next.toString()}>; rel="${rel}"`
  }
  const links: string[] = []
  if (pageNumber > 1) links.push(link(Math.min(pageNumber - 1, lastPage), 'prev'))
  if (pageNumber < lastPage) links.push(link(pageNumber + 1, 'next'), link(lastPage, 'last'))
  if (pageNumber > 1) links.push(link(1, 'first'))
  const range = { start: (pageNumber - 1) * perPage, end: pageNumber * perPage }
  return links.length > 0 ? { ...range, link: links.join(', ') } : range
}

/** What a PATCH body asks for, once valid. Absent keys are undefined. */
export interface AlertUpdate {
  state?: AlertState
  resolution?: AlertResolution | null
  resolutionComment?: string | null
  assignee?: string | null
  validity?: 'active' | 'inactive' | null
}

const invalid = (detail: string): Refusal => ({
  status: 422,
  message: `Invalid request.\n\n${detail}`
})

/**
 * Checks a PATCH body against the operation's schema, as GitHub's request validation does (422
 * "Invalid request"): only declared keys (GHES declares state, resolution and
 * resolution_comment; GitHub.com adds assignee and validity), `state` required (GitHub.com:
 * one of state, assignee, validity), each of the declared type.
 */
export function parseUpdate(body: Record<string, unknown>, ghes: boolean): AlertUpdate | Refusal {
  const permitted = ghes
    ? ['state', 'resolution', 'resolution_comment']
    : ['state', 'resolution', 'resolution_comment', 'assignee', 'validity']
  const extra = Object.keys(body).find(key => !permitted.includes(key))
  if (extra !== undefined) return invalid(`"${extra}" is not a permitted key.`)
  if (ghes && body.state === undefined) return invalid(`"state" wasn't supplied.`)
  if (!ghes && ['state', 'assignee', 'validity'].every(key => body[key] === undefined)) {
    return invalid('No subschema in "anyOf" matched.')
  }
  const update: AlertUpdate = {}
  const member = (field: string, allowed: readonly string[], nullable: boolean) =>
    invalid(
      `For 'properties/${field}', ${JSON.stringify(body[field])} is not ${nullable ? 'null or ' : ''}a member of [${allowed.map(value => JSON.stringify(value)).join(', ')}].`
    )
  if (body.state !== undefined) {
    if (!STATES.includes(body.state as AlertState)) return member('state', STATES, false)
    update.state = body.state as AlertState
  }
  if (body.resolution !== undefined) {
    if (body.resolution !== null && !RESOLUTIONS.includes(body.resolution as AlertResolution)) {
      return member('resolution', RESOLUTIONS, true)
    }
    update.resolution = body.resolution as AlertResolution | null
  }
  for (const [field, key] of [
    ['resolution_comment', 'resolutionComment'],
    ['assignee', 'assignee']
  ] as const) {
    const value = body[field]
    if (value === undefined) continue
    if (value !== null && typeof value !== 'string') {
      return invalid(`For 'properties/${field}', ${JSON.stringify(value)} is not a string or null.`)
    }
    update[key] = value
  }
  if (body.validity !== undefined) {
    const validities = ['active', 'inactive']
    if (body.validity !== null && !validities.includes(body.validity as string)) {
      return member('validity', validities, true)
    }
    update.validity = body.validity as 'active' | 'inactive' | null
  }
  return update
}

/**
 * Applies a valid update to an alert as GitHub does, or refuses it:
 * - 422 when the state and the resolution disagree: resolving needs a resolution, reopening
 *   takes none (GitHub: "State does not match the resolution or resolution comment")
 * - 400 when the comment is longer than MAX_RESOLUTION_COMMENT (our reading, see there)
 * - 400 when the state and resolution are what the alert has already (GitHub: "the resolution
 *   was not changed"), e.g. a resolved alert resolved again alike
 * Resolving records when and by whom; reopening clears both. Any change moves updated_at.
 */
export function applyUpdate(
  alert: StoredAlert,
  update: AlertUpdate,
  login: string,
  now: Date
): Refusal | undefined {
  const { state } = update
  const given = (value: unknown): boolean => value !== undefined && value !== null
  if (state === undefined && (given(update.resolution) || given(update.resolutionComment))) {
    return {
      status: 422,
      message: 'State does not match the resolution or resolution comment: no state was given.'
    }
  }
  if (state !== undefined) {
    const resolution = update.resolution ?? null
    if ((state === 'resolved') !== (resolution !== null)) {
      return {
        status: 422,
        message:
          state === 'resolved'
            ? 'State does not match the resolution or resolution comment: a resolution is required to resolve an alert.'
            : 'State does not match the resolution or resolution comment: an open alert takes no resolution.'
      }
    }
    const comment = update.resolutionComment ?? null
    if (comment !== null && comment.length > MAX_RESOLUTION_COMMENT) {
      return {
        status: 400,
        message: `Resolution comment is invalid: it is longer than ${MAX_RESOLUTION_COMMENT} characters.`
      }
    }
    if (state === alert.state && resolution === alert.resolution) {
      return { status: 400, message: 'Bad request: the resolution was not changed.' }
    }
  }
  if (state === 'resolved') {
    alert.state = 'resolved'
    alert.resolution = update.resolution ?? null
    alert.resolutionComment = update.resolutionComment ?? null
    alert.resolvedAt = now
    alert.resolvedBy = login
  } else if (state === 'open') {
    alert.state = 'open'
    alert.resolution = null
    alert.resolutionComment = update.resolutionComment ?? null
    alert.resolvedAt = null
    alert.resolvedBy = null
  }
  // The emulator has no collaborators: any login counts as one with write access.
  if (update.assignee !== undefined) alert.assignee = update.assignee
  if (update.validity !== undefined) alert.validity = update.validity ?? 'unknown'
  alert.updatedAt = now
  return undefined
}
