import { statusOf } from '../errors.js'
import { maskable } from '../untrusted.js'
import { type Octokit, splitRepository } from '../github/client.js'

/**
 * GitHub secret scanning, as the leak check needs it (GitHub's REST API, version 2022-11-28;
 * operations secret-scanning/list-alerts-for-repo, list-alerts-for-org and update-alert):
 * - `GET /repos/{owner}/{repo}/secret-scanning/alerts` and `GET /orgs/{org}/secret-scanning/alerts`
 *   with `state=open`, `secret_type` a comma-separated list, `per_page` at most 100; the answer
 *   is an array, newest first, paged by the Link header. The organization list adds each
 *   alert's `repository`.
 * - AWS keys are the types `aws_access_key_id` (the alert's `secret` is the key id) and
 *   `aws_secret_access_key` (the secret access key itself). An alert's `secret` is a live
 *   credential: the caller's `mask` sees every value before anything else does.
 * - 404: secret scanning is off for the repository or organization, or not on its plan;
 *   403: the token lacks the permission "Secret scanning alerts" (read; write to resolve), or
 *   is not an administrator / security manager where the organization list needs one.
 * - `PATCH .../alerts/{alert_number}` with `state: resolved`, `resolution: revoked` and a
 *   `resolution_comment`.
 */
export const AWS_SECRET_TYPES = ['aws_access_key_id', 'aws_secret_access_key'] as const

export interface ScanningAlert {
  readonly number: number
  /** owner/repo of the alert. */
  readonly repository: string
  readonly htmlUrl: string
  readonly secretType: string
  /** The leaked value, masked already; never to be printed, stored or compared in the open. */
  readonly secret: string
}

/** Where alerts were looked for: a repository (owner/repo) or an organization. */
export type AlertPlace = { readonly repository: string } | { readonly org: string }

export type AlertListing =
  | {
      readonly kind: 'alerts'
      readonly alerts: readonly ScanningAlert[]
      /** Entries of GitHub's answer that were no alert the check can use (see toAlert). */
      readonly skipped?: number
    }
  /** 404: off, or not available on the plan (GitHub answers alike). */
  | { readonly kind: 'off' }
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'failed'; readonly status: number | undefined; readonly message: string }

export type ResolveOutcome = 'resolved' | 'forbidden' | 'gone' | 'failed'

export interface AlertsApi {
  listOpenAwsAlerts(place: AlertPlace): Promise<AlertListing>
  resolveRevoked(repository: string, number: number, comment: string): Promise<ResolveOutcome>
}

/** Alerts on the paced client; `mask` hides each secret value in the log as soon as it arrives. */
export function octokitAlerts(octokit: Octokit, mask: (value: string) => void): AlertsApi {
  return {
    listOpenAwsAlerts: place => listOpen(octokit, place, mask),
    resolveRevoked: (repository, number, comment) =>
      resolveRevoked(octokit, repository, number, comment)
  }
}

async function listOpen(
  octokit: Octokit,
  place: AlertPlace,
  mask: (value: string) => void
): Promise<AlertListing> {
  const query = { state: 'open', secret_type: AWS_SECRET_TYPES.join(','), per_page: 100 } as const
  try {
    const alerts: ScanningAlert[] = []
    let skipped = 0
    const pages =
      'org' in place
        ? octokit.paginate.iterator('GET /orgs/{org}/secret-scanning/alerts', {
            org: place.org,
            ...query
          })
        : octokit.paginate.iterator('GET /repos/{owner}/{repo}/secret-scanning/alerts', {
            ...splitRepository(place.repository),
            ...query
          })
    for await (const { data } of pages) {
      // Each entry on its own: one malformed alert must not cost the page its valid ones.
      for (const raw of data as unknown[]) {
        const alert = toAlert(raw, place, mask)
        if (alert) alerts.push(alert)
        else skipped += 1
      }
    }
    return { kind: 'alerts', alerts, ...(skipped > 0 ? { skipped } : {}) }
  } catch (error) {
    const status = statusOf(error)
    if (status === 404) return { kind: 'off' }
    if (status === 403) return { kind: 'forbidden' }
    return { kind: 'failed', status, message: error instanceof Error ? error.message : '' }
  }
}

/**
 * An entry of GitHub's answer as an alert, or undefined when it is not one the check can use:
 * not an object, no positive whole number (resolving needs it), or a type or value that is not
 * text (a URL that is not text is only left out). A value long enough to be a secret is masked
 * first, whatever else is wrong; a shorter one is not (see MIN_MASKED_LENGTH).
 */
function toAlert(
  raw: unknown,
  place: AlertPlace,
  mask: (value: string) => void
): ScanningAlert | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const alert = raw as Record<string, unknown>
  const { number, secret, secret_type: secretType, html_url: htmlUrl } = alert
  for (const part of maskable(secret)) mask(part)
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0) return undefined
  if (typeof secret !== 'string' || secret === '' || typeof secretType !== 'string')
    return undefined
  const fullName = (alert.repository as { full_name?: unknown } | null | undefined)?.full_name
  return {
    number,
    repository:
      'repository' in place
        ? place.repository
        : typeof fullName === 'string'
          ? fullName
          : place.org,
    htmlUrl: typeof htmlUrl === 'string' ? htmlUrl : '',
    secretType,
    secret
  }
}

async function resolveRevoked(
  octokit: Octokit,
  repository: string,
  number: number,
  comment: string
): Promise<ResolveOutcome> {
  try {
    await octokit.request('PATCH /repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}', {
      ...splitRepository(repository),
      alert_number: number,
      state: 'resolved',
      resolution: 'revoked',
      resolution_comment: comment
    })
    return 'resolved'
  } catch (error) {
    const status = statusOf(error)
    if (status === 403) return 'forbidden'
    // 404: the alert, or scanning, is gone. (A 400 may be a resolution someone else made
    // meanwhile or a comment GitHub refuses: reported, not guessed.)
    if (status === 404) return 'gone'
    return 'failed'
  }
}
