import { timingSafeEqual } from 'node:crypto'
import type { AlertListing, AlertPlace, AlertsApi, ScanningAlert } from './alerts-api.js'
import { repositoryOf, type Target } from '../targets.js'
import { someOf } from '../format.js'
import { apiText } from '../untrusted.js'

/**
 * What a run does about a leaked key (input leak-response):
 * - rotate-and-deactivate: rotate now; deactivate the leaked key as soon as every target holds
 *   the new one, without waiting for deactivate-after or the smoke gate; resolve its alerts
 * - rotate: rotate now; the leaked key keeps deactivate-after (its alerts are resolved by the
 *   run that deactivates it)
 * - report: say so, change nothing
 * - off: do not look
 */
export const LEAK_RESPONSES = ['rotate-and-deactivate', 'rotate', 'report', 'off'] as const
export type LeakResponse = (typeof LEAK_RESPONSES)[number]

/** An open secret scanning alert, without its value: what the plan and the report may hold. */
export interface AlertRef {
  readonly repository: string
  readonly number: number
  /** For people only (log, summary, outputs): made printable here, where the alert is read. */
  readonly htmlUrl: string
}

/** One of the user's keys, named in open alerts. */
export interface Leak {
  readonly keyId: string
  readonly alerts: readonly AlertRef[]
}

/** What the leak check found; no secret value in it. */
export interface LeakScan {
  readonly leaks: readonly Leak[]
  /** Open AWS alerts that name none of the user's keys (another user's, or a deleted key). */
  readonly unmatched: readonly AlertRef[]
  /** At most one line each: where the check could not look, and what enables it. */
  readonly notices: readonly string[]
}

export const NO_SCAN: LeakScan = { leaks: [], unmatched: [], notices: [] }

/**
 * An owner with at least this many repositories to check is tried with one organization list
 * first: many targets cost one request (more past 100 alerts) instead of one each. Below it the
 * repositories are cheaper, since a user account has no organization list.
 */
const OWNER_LIST_FROM = 3

export interface AlertPlaces {
  /** Organizations the targets write to: their lists are needed, and a refusal is said. */
  readonly orgs: readonly string[]
  /** Owners of many repositories: their organization list is tried, falling back quietly. */
  readonly owners?: readonly string[]
  readonly repositories: readonly string[]
}

/**
 * Where to look: every organization a target writes to (its list covers all its repositories),
 * the owners of many target repositories, then every repository a target writes to and the
 * workflow's own, unless its owner's list was read already.
 */
export function alertPlaces(
  targets: readonly Target[],
  ownRepository: string | undefined
): AlertPlaces {
  const orgs = new Set<string>()
  const repositories = new Set<string>()
  for (const target of targets) {
    if ('org' in target) orgs.add(target.org.toLowerCase())
    const repository = repositoryOf(target)
    if (repository) repositories.add(repository.toLowerCase())
  }
  if (ownRepository) repositories.add(ownRepository.toLowerCase())
  const owners = ownersOfMany([...repositories]).filter(owner => !orgs.has(owner))
  return {
    orgs: [...orgs],
    ...(owners.length > 0 ? { owners } : {}),
    repositories: [...repositories]
  }
}

function ownersOfMany(repositories: readonly string[]): string[] {
  const counts = new Map<string, number>()
  for (const repository of repositories) {
    const owner = ownerOf(repository)
    counts.set(owner, (counts.get(owner) ?? 0) + 1)
  }
  return [...counts].filter(([, count]) => count >= OWNER_LIST_FROM).map(([owner]) => owner)
}

function ownerOf(repository: string): string {
  return repository.split('/')[0] ?? ''
}

/**
 * Reads the open AWS alerts where the targets live: one request per organization and
 * repository (more only past 100 alerts). A repository's 403 ends the check: the token's
 * permissions are the same everywhere, so the next request would be refused too. An
 * organization's 403 may only mean its list needs an owner or security manager: its
 * repositories are then read one by one. An owner's list that does not answer (a user account,
 * or a token that is no owner there) is replaced by its repositories without a word.
 */
export async function scanForLeaks(
  api: AlertsApi,
  places: AlertPlaces,
  keyIds: readonly string[],
  knownSecrets: ReadonlyMap<string, string>
): Promise<LeakScan> {
  const alerts: ScanningAlert[] = []
  const off: string[] = []
  const failed: string[] = []
  const orgRefused: string[] = []
  const coveredOwners = new Set<string>()
  let skipped = 0
  for (const owner of places.owners ?? []) {
    const listing = await api.listOpenAwsAlerts({ org: owner })
    if (listing.kind !== 'alerts') continue
    alerts.push(...listing.alerts)
    skipped += listing.skipped ?? 0
    coveredOwners.add(owner)
  }
  const steps: AlertPlace[] = [
    ...places.orgs.map(org => ({ org })),
    ...places.repositories.map(repository => ({ repository }))
  ]
  for (const place of steps) {
    if ('repository' in place && coveredOwners.has(ownerOf(place.repository))) continue
    const listing: AlertListing = await api.listOpenAwsAlerts(place)
    const where = 'org' in place ? `organization ${place.org}` : place.repository
    if (listing.kind === 'forbidden' && 'org' in place) orgRefused.push(place.org)
    else if (listing.kind === 'forbidden')
      return forbidden(alerts, keyIds, knownSecrets, skippedNotices(skipped))
    if (listing.kind === 'off') off.push(where)
    if (listing.kind === 'failed') failed.push(`${where} (${listing.status ?? 'no answer'})`)
    if (listing.kind !== 'alerts') continue
    alerts.push(...listing.alerts)
    skipped += listing.skipped ?? 0
    // Stryker disable next-line ConditionalExpression: a repository place would add undefined, never an owner
    if ('org' in place) coveredOwners.add(place.org)
  }
  return {
    ...matchLeaks(alerts, keyIds, knownSecrets),
    notices: [...orgNotices(orgRefused), ...scanNotices(off, failed), ...skippedNotices(skipped)]
  }
}

/** Malformed entries of GitHub's answers, said once for the whole check. */
function skippedNotices(skipped: number): string[] {
  return skipped === 0
    ? []
    : [
        `Leak check: skipped ${skipped} secret scanning alert(s) that GitHub sent without a number, type or value the action can read; the other alerts were checked.`
      ]
}

function orgNotices(refused: readonly string[]): string[] {
  return refused.length === 0
    ? []
    : [
        `Leak check: the token may not read the secret scanning alerts of organization ${listed(refused)} ` +
          '(that list needs "Secret scanning alerts: read" and an organization owner or security manager); ' +
          'only the target repositories were checked.'
      ]
}

function forbidden(
  alerts: readonly ScanningAlert[],
  keyIds: readonly string[],
  knownSecrets: ReadonlyMap<string, string>,
  skipped: readonly string[]
): LeakScan {
  return {
    ...matchLeaks(alerts, keyIds, knownSecrets),
    notices: [
      'Leak check skipped: the token may not read secret scanning alerts. Grant it the repository ' +
        'permission "Secret scanning alerts" (read; read and write to resolve alerts), or set ' +
        'leak-response: off.',
      ...skipped
    ]
  }
}

function scanNotices(off: readonly string[], failed: readonly string[]): string[] {
  const notices: string[] = []
  if (off.length > 0) {
    notices.push(
      `Leak check: secret scanning is off or not available for ${listed(off)}. Turn it on under ` +
        "Settings, Advanced Security (free for public repositories; private ones need GitHub's " +
        'Secret Protection), or set leak-response: off.'
    )
  }
  if (failed.length > 0) {
    notices.push(`Leak check: could not read secret scanning alerts of ${listed(failed)}.`)
  }
  return notices
}

function listed(places: readonly string[]): string {
  return someOf(places, 5)
}

/**
 * Which of the user's keys the alerts name: an `aws_access_key_id` alert by the key id in its
 * value, an `aws_secret_access_key` alert by a secret this run holds (the signing key's).
 */
export function matchLeaks(
  alerts: readonly ScanningAlert[],
  keyIds: readonly string[],
  knownSecrets: ReadonlyMap<string, string>
): Pick<LeakScan, 'leaks' | 'unmatched'> {
  const byKey = new Map<string, AlertRef[]>()
  const unmatched: AlertRef[] = []
  const seen = new Set<string>()
  for (const alert of alerts) {
    const ref = {
      repository: alert.repository,
      number: alert.number,
      htmlUrl: apiText(alert.htmlUrl)
    }
    // Stryker disable next-line MethodExpression: upper case finds the same duplicates
    const id = `${ref.repository.toLowerCase()}#${ref.number}`
    if (seen.has(id)) continue
    seen.add(id)
    const keyId = keyNamed(alert, keyIds, knownSecrets)
    if (keyId === undefined) unmatched.push(ref)
    else byKey.set(keyId, [...(byKey.get(keyId) ?? []), ref])
  }
  const leaks = [...byKey.entries()].map(([keyId, refs]) => ({ keyId, alerts: refs }))
  return { leaks, unmatched }
}

function keyNamed(
  alert: ScanningAlert,
  keyIds: readonly string[],
  knownSecrets: ReadonlyMap<string, string>
): string | undefined {
  if (alert.secretType === 'aws_secret_access_key') {
    for (const [secret, keyId] of knownSecrets) {
      if (sameSecret(alert.secret.trim(), secret)) return keyId
    }
    return undefined
  }
  // The value is the key id; a value that holds more (a pair) still names it.
  return keyIds.find(keyId => alert.secret.includes(keyId))
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/** The comment a resolved alert carries: what was done, and by which run (no secret). */
export function resolutionComment(
  keyLabelText: string,
  run: { readonly repository: string; readonly runId: string; readonly attempt: string }
): string {
  // GitHub's API documents no length limit; its UI takes 280 characters, so stay under that.
  return `rotate-aws-access-keys deactivated access key ${keyLabelText} (run ${run.runId} attempt ${run.attempt} of ${run.repository}); it can no longer sign requests.`.slice(
    0,
    280
  )
}
