/**
 * The secret scanning routes ("REST API endpoints for secret scanning":
 * https://docs.github.com/rest/secret-scanning/secret-scanning): a repository's alert list, an
 * organization's (served only to an owner or a security manager, and only with the
 * repositories the token may see), and the update of one alert. The alerts themselves, their
 * JSON, filters and the PATCH body's validation are ../secret-scanning.ts.
 */
import type { GitHubEmulator } from '../github.js'
import {
  MSG_ORG_DISABLED,
  MSG_REPO_DISABLED,
  alertJson,
  applyUpdate,
  hideSecret,
  parseUpdate,
  selectAlerts,
  type AlertContext,
  type Refusal,
  type StoredAlert
} from '../secret-scanning.js'
import { mustFindRepo, ORG_PATH, REPO_PATH, repoOf } from './hub.js'
import type { Hub, Repo, Route, RouteCall } from './hub.js'
import { repoLinks, repositoryJson } from './repos.js'
import { CALLER_LOGIN, canSee, read, write } from './tokens.js'
import { errorReply, notFound, pageArray, parseJsonObject, refusalReply } from './wire.js'
import type { Reply } from './wire.js'

const DOCS_SECRET_SCANNING = 'https://docs.github.com/rest/secret-scanning/secret-scanning'

const refuse = (call: RouteCall, refusal: Refusal): Reply => refusalReply(refusal, call.route.docs)

function alertContext(call: RouteCall, repo: Repo, withRepository: boolean): AlertContext {
  const { hub, origin } = call
  return {
    ...repoLinks(call, repo),
    hideSecret: hideSecret(call.url.searchParams),
    ghes: hub.basePath !== '',
    ...(withRepository ? { repository: repositoryJson(hub, repo, origin) } : {})
  }
}

/** The organization's alerts, from the scanned repositories the token may see. */
function listOrgAlerts(call: RouteCall): Reply {
  const { place, token } = call
  if (!place.org) return notFound(call.route.docs)
  if ((token.grant.orgRole ?? 'owner') === 'member') {
    return errorReply(403, 'Resource not accessible by personal access token', call.route.docs)
  }
  const login = place.org.login.toLowerCase()
  const scanned = [...call.hub.repos.values()].filter(
    r => r.owner.toLowerCase() === login && r.secretScanning.enabled
  )
  if (scanned.length === 0) return errorReply(404, MSG_ORG_DISABLED, call.route.docs)
  // Only the repositories the token may see (a fine-grained PAT's selection).
  const entries = scanned
    .filter(r => canSee(token, { repo: r }))
    .flatMap(r => r.secretScanning.all().map(alert => ({ alert, repoId: r.id, repo: r })))
  const chosen = selectAlerts(entries, call.url.searchParams)
  if (!Array.isArray(chosen)) return refuse(call, chosen)
  const shown = chosen.map(({ alert, repo }) => alertJson(alert, alertContext(call, repo, true)))
  return pageArray(shown, call.url, call.origin)
}

/** A repository route's answer once secret scanning is on there (404 otherwise). */
function scanned(answer: (call: RouteCall, repo: Repo) => Reply) {
  return (call: RouteCall): Reply => {
    const repo = repoOf(call)
    if (!repo.secretScanning.enabled) return errorReply(404, MSG_REPO_DISABLED, call.route.docs)
    return answer(call, repo)
  }
}

function listRepoAlerts(call: RouteCall, repo: Repo): Reply {
  const entries = repo.secretScanning.all().map(alert => ({ alert, repoId: repo.id }))
  const chosen = selectAlerts(entries, call.url.searchParams)
  if (!Array.isArray(chosen)) return refuse(call, chosen)
  const shown = chosen.map(({ alert }) => alertJson(alert, alertContext(call, repo, false)))
  return pageArray(shown, call.url, call.origin)
}

/** The body's schema, then the alert, then what it asks. */
function updateAlert(call: RouteCall, repo: Repo): Reply {
  const update = parseUpdate(parseJsonObject(call.raw, call.route.docs), call.hub.basePath !== '')
  if ('status' in update) return refuse(call, update)
  const number = call.place.alertNumber ?? ''
  const alert: StoredAlert | undefined = /^\d+$/.test(number)
    ? repo.secretScanning.get(Number(number))
    : undefined
  if (!alert) return notFound(call.route.docs)
  const refusal = applyUpdate(alert, update, CALLER_LOGIN, new Date())
  if (refusal) return refuse(call, refusal)
  return { status: 200, body: alertJson(alert, alertContext(call, repo, false)) }
}

export const ALERT_ROUTES: Route[] = [
  {
    name: 'list-secret-scanning-alerts',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/secret-scanning/alerts$`),
    on: 'repo',
    need: read('secret_scanning_alerts'),
    docs: `${DOCS_SECRET_SCANNING}#list-secret-scanning-alerts-for-a-repository`,
    answer: scanned(listRepoAlerts)
  },
  {
    name: 'list-org-secret-scanning-alerts',
    method: 'GET',
    pattern: new RegExp(`^${ORG_PATH}/secret-scanning/alerts$`),
    on: 'org',
    need: read('secret_scanning_alerts'),
    docs: `${DOCS_SECRET_SCANNING}#list-secret-scanning-alerts-for-an-organization`,
    answer: listOrgAlerts
  },
  {
    name: 'update-secret-scanning-alert',
    method: 'PATCH',
    pattern: new RegExp(`^${REPO_PATH}/secret-scanning/alerts/([^/]+)$`),
    on: 'repo',
    param: 'alertNumber',
    need: write('secret_scanning_alerts'),
    docs: `${DOCS_SECRET_SCANNING}#update-a-secret-scanning-alert`,
    answer: scanned(updateAlert)
  }
]

type AlertControls = Pick<
  GitHubEmulator,
  'setSecretScanning' | 'addSecretScanningAlert' | 'secretScanningAlert'
>

export function alertControls(hub: Hub): AlertControls {
  return {
    setSecretScanning(repo, enabled) {
      mustFindRepo(hub, repo).secretScanning.enabled = enabled
    },
    addSecretScanningAlert: (repo, alert) => mustFindRepo(hub, repo).secretScanning.add(alert),
    secretScanningAlert(repo, number) {
      const alert = mustFindRepo(hub, repo).secretScanning.get(number)
      if (!alert) return undefined
      return {
        state: alert.state,
        resolution: alert.resolution,
        resolutionComment: alert.resolutionComment,
        resolvedBy: alert.resolvedBy
      }
    }
  }
}
