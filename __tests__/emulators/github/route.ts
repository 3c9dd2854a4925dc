/**
 * What a route of the emulated GitHub is: its name, the place its path names, the call it
 * answers, and the path patterns every route module builds on. hub.ts holds the state.
 */
import type { Hub, Org, Repo } from './hub.js'
import type { ScopeKind, SecretScope } from './secret-scope.js'
import type { Need, Token } from './tokens.js'
import type { Reply } from './wire.js'

export type RouteName =
  | 'get-repo'
  | 'get-environment'
  | 'get-public-key'
  | 'put-secret'
  | 'get-secret'
  | 'list-secrets'
  | 'list-secret-repositories'
  | 'get-run-attempt'
  | 'get-workflow'
  | 'enable-workflow'
  | 'dispatch-workflow'
  | 'get-run'
  | 'list-workflow-runs'
  | 'get-content'
  | 'list-secret-scanning-alerts'
  | 'list-org-secret-scanning-alerts'
  | 'update-secret-scanning-alert'
  | 'list-issues'
  | 'create-issue'
  | 'update-issue'
  | 'create-issue-comment'

/** What a route's path names: a repository (and maybe an environment), or an organization. */
export interface Place {
  repo?: Repo
  org?: Org
  environment?: string
  secretName?: string
  /** The scope a secrets route acts on; undefined when it does not exist (a 404). */
  scope?: SecretScope
  scopeKind?: ScopeKind
  /** A workflow's file name or numeric id, as the path gives it. */
  workflow?: string
  runId?: string
  /** A path in the repository (contents); '' is its root. */
  filePath?: string
  /** A secret scanning alert's number, as the path gives it. */
  alertNumber?: string
  /** An issue's number, as the path gives it. */
  issueNumber?: string
}

/** A request that passed authentication, the permission check and the interceptors. */
export interface RouteCall {
  hub: Hub
  route: Route
  place: Place
  url: URL
  raw: Buffer
  /** http://host:port, without the base path. */
  origin: string
  token: Token
}

export interface Route {
  name: RouteName
  method: string
  pattern: RegExp
  /** Repository routes capture owner and repo first; organization routes the org. */
  on: 'repo' | 'org'
  scopeKind?: ScopeKind
  /** The Place field that the capture after owner and repo fills. */
  param?: 'workflow' | 'runId' | 'filePath' | 'alertNumber' | 'issueNumber'
  need: Need
  docs: string
  answer(call: RouteCall): Reply
}

/** A route's pattern source for a repository's and an organization's paths. */
export const REPO_PATH = String.raw`\/repos\/([^/]+)\/([^/]+)`
export const ORG_PATH = String.raw`\/orgs\/([^/]+)`

/** `call.place.repo`, which every repository route has once the request got this far. */
export function repoOf(call: RouteCall): Repo {
  const repo = call.place.repo
  if (!repo)
    throw new Error(`GitHub emulator: route ${call.route.name} reached without a repository`)
  return repo
}
