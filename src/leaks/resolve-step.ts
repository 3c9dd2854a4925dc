import { keyLabel } from '../format.js'
import { resolutionComment, type AlertRef } from './scan.js'
import type { Step } from '../plan.js'
import type { Run } from '../steps/run.js'

/**
 * Resolves a deactivated key's open alerts as revoked. Never fails the run: the key is already
 * harmless; an alert left open is a warning with its link, naming the permission when that is
 * what is missing.
 */
export async function resolveAlerts(
  run: Run,
  step: Extract<Step, { kind: 'resolve-alerts' }>
): Promise<void> {
  const { github, settings, log } = run.context
  const comment = resolutionComment(keyLabel(step.keyId), settings.run)
  const forbidden: AlertRef[] = []
  const failed: AlertRef[] = []
  for (const alert of step.alerts) {
    const outcome = await github.alerts.resolveRevoked(alert.repository, alert.number, comment)
    if (outcome === 'resolved') run.result.resolvedAlerts.push(alert)
    if (outcome === 'forbidden') forbidden.push(alert)
    if (outcome === 'failed') failed.push(alert)
    if (outcome === 'gone') log.info(`Alert ${alert.htmlUrl} is no longer there to resolve.`)
  }
  const label = keyLabel(step.keyId)
  if (forbidden.length > 0) {
    run.result.openAlerts.push(...forbidden)
    log.warning(
      `${label} can no longer sign, but the token may not resolve its secret scanning alerts: ${links(forbidden)}. ` +
        'Resolve them as revoked by hand, or grant the token "Secret scanning alerts: read and write".'
    )
  }
  if (failed.length > 0) {
    run.result.openAlerts.push(...failed)
    log.warning(
      `${label} can no longer sign, but GitHub did not resolve its secret scanning alerts: ${links(failed)}. Resolve them as revoked by hand.`
    )
  }
}

function links(alerts: readonly AlertRef[]): string {
  return alerts.map(alert => alert.htmlUrl).join(', ')
}
