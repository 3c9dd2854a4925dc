import type { ApplyResult } from '../apply.js'
import { keyLabel } from '../format.js'
import type { AlertRef, Leak } from './scan.js'
import type { Snapshot } from '../snapshot.js'
import { apiText } from '../untrusted.js'

export interface LeakOutputs {
  readonly 'leaked-access-key-ids': string
  readonly 'leak-alert-urls': string
  readonly 'resolved-alert-urls': string
}

/** The leak outputs: full key ids (outputs only) and alert links; never an alert's value. */
export function leakOutputs(
  snapshot: Snapshot,
  result: Pick<ApplyResult, 'resolvedAlerts' | 'deactivated' | 'deleted'> | undefined
): LeakOutputs {
  const leaks = snapshot.leaks ?? []
  return {
    'leaked-access-key-ids': leaks.map(leak => leak.keyId).join(','),
    'leak-alert-urls': leaks.flatMap(leak => leak.alerts.map(alert => alert.htmlUrl)).join(','),
    'resolved-alert-urls': (result?.resolvedAlerts ?? []).map(alert => alert.htmlUrl).join(',')
  }
}

/** The summary's lines on leaked keys: which, in which alerts, and what this run did. */
export function leakLines(
  snapshot: Snapshot,
  result: Pick<ApplyResult, 'resolvedAlerts' | 'deactivated' | 'deleted'> | undefined
): string[] {
  return (snapshot.leaks ?? []).map(leak => `- ${leakLine(snapshot, leak, result)}`)
}

function leakLine(
  snapshot: Snapshot,
  leak: Leak,
  result: Pick<ApplyResult, 'resolvedAlerts' | 'deactivated' | 'deleted'> | undefined
): string {
  const label = keyLabel(leak.keyId)
  const before = snapshot.keys.find(key => key.id === leak.keyId)?.status
  const done: string[] = []
  if (result?.deactivated.includes(leak.keyId)) done.push('deactivated by this run')
  else if (before === 'Inactive') done.push('inactive, so it can no longer sign')
  else done.push('**still active**')
  if (result?.deleted.includes(leak.keyId)) done.push('deleted')
  const resolved = leak.alerts.filter(alert => includes(result?.resolvedAlerts, alert))
  const open = leak.alerts.filter(alert => !includes(result?.resolvedAlerts, alert))
  if (resolved.length > 0) done.push(`${resolved.length} alert(s) resolved as revoked`)
  if (open.length > 0) done.push(`open: ${open.map(link).join(', ')}`)
  return `**${label}** leaked, named in ${leak.alerts.map(link).join(', ')}: ${done.join('; ')}.`
}

function includes(alerts: readonly AlertRef[] | undefined, alert: AlertRef): boolean {
  return (alerts ?? []).some(
    other => other.repository === alert.repository && other.number === alert.number
  )
}

function link(alert: AlertRef): string {
  // The repository is GitHub's text too (an organization list names it); the URL is printable.
  return `[${apiText(alert.repository)}#${alert.number}](${alert.htmlUrl})`
}
