import type { AlertsApi, ResolveOutcome } from '../src/leaks/alerts-api.js'
import type { AlertRef } from '../src/leaks/scan.js'
import { resolveAlerts } from '../src/leaks/resolve-step.js'
import { world } from './fakes/ports.js'

const KEY = 'AKIALEAKEDKEY0000001'
const alert = (number: number, repository = 'acme/app'): AlertRef => ({
  repository,
  number,
  htmlUrl: `https://github.example/${repository}/security/secret-scanning/${number}`
})

/** Answers each alert number with an outcome; records what was asked, comment included. */
function alertsApi(outcomes: Record<number, ResolveOutcome>): AlertsApi & { asked: string[] } {
  const asked: string[] = []
  return {
    asked,
    listOpenAwsAlerts: () => Promise.reject(new Error('the step never lists')),
    resolveRevoked: async (repository, number, comment) => {
      asked.push(`${repository}#${number}: ${comment}`)
      return outcomes[number] ?? 'resolved'
    }
  }
}

describe('resolve-alerts', () => {
  it('resolves every alert as revoked, with a comment naming the run and the key in short', async () => {
    const w = world({ settings: { run: { repository: 'acme/app', runId: '77', attempt: '2' } } })
    const api = alertsApi({})
    w.secrets.alerts = api
    await resolveAlerts(w.run, {
      kind: 'resolve-alerts',
      keyId: KEY,
      alerts: [alert(1), alert(2, 'acme/web')]
    })
    const comment =
      'rotate-aws-access-keys deactivated access key AKIA…0001 (run 77 attempt 2 of acme/app); it can no longer sign requests.'
    expect(api.asked).toEqual([`acme/app#1: ${comment}`, `acme/web#2: ${comment}`])
    expect(w.run.result.resolvedAlerts).toEqual([alert(1), alert(2, 'acme/web')])
    expect(w.run.result.openAlerts).toEqual([])
    expect(w.log.warnings).toEqual([])
  })

  it('without permission to resolve: a warning with the links and the permission; the run goes on', async () => {
    const w = world()
    w.secrets.alerts = alertsApi({ 1: 'forbidden', 2: 'resolved', 3: 'forbidden' })
    await resolveAlerts(w.run, {
      kind: 'resolve-alerts',
      keyId: KEY,
      alerts: [alert(1), alert(2), alert(3)]
    })
    expect(w.run.result.resolvedAlerts).toEqual([alert(2)])
    expect(w.run.result.openAlerts).toEqual([alert(1), alert(3)])
    expect(w.log.warnings).toEqual([
      `AKIA…0001 can no longer sign, but the token may not resolve its secret scanning alerts: ${alert(1).htmlUrl}, ${alert(3).htmlUrl}. ` +
        'Resolve them as revoked by hand, or grant the token "Secret scanning alerts: read and write".'
    ])
  })

  it('another failure: a warning with the link; an alert gone meanwhile: a line in the log', async () => {
    const w = world()
    w.secrets.alerts = alertsApi({ 1: 'failed', 2: 'gone' })
    await resolveAlerts(w.run, { kind: 'resolve-alerts', keyId: KEY, alerts: [alert(1), alert(2)] })
    expect(w.run.result.resolvedAlerts).toEqual([])
    expect(w.run.result.openAlerts).toEqual([alert(1)])
    expect(w.log.warnings).toEqual([
      `AKIA…0001 can no longer sign, but GitHub did not resolve its secret scanning alerts: ${alert(1).htmlUrl}. Resolve them as revoked by hand.`
    ])
    expect(w.log.infos).toContain(`Alert ${alert(2).htmlUrl} is no longer there to resolve.`)
  })
})
