/**
 * The emulated GitHub's state: repositories (with their secrets, environments, branches,
 * workflows, runs, alerts and issues), organizations and tokens, and the routes that act on
 * them. Names are case-insensitive as on GitHub; repositories, organizations, environments and
 * workflows draw their ids from one sequence.
 */
import { AlertStore } from '../secret-scanning.js'
import { IssueStore } from '../issues.js'
import type { Branch } from './contents.js'
import type { RunAttempt, DispatchedRun } from './runs.js'
import { SecretScope, type ScopeKind } from './secret-scope.js'
import type { Need, Token } from './tokens.js'
import type { Workflow } from './workflows.js'
import { randomSha, type Reply } from './wire.js'

export const DEFAULT_BRANCH = 'main'

export interface Environment {
  name: string
  id: number
  createdAt: Date
  secrets: SecretScope
}

export interface Repo {
  id: number
  owner: string
  name: string
  fullName: string
  createdAt: Date
  /** The last write to any branch. */
  pushedAt: Date
  actions: SecretScope
  dependabot: SecretScope
  codespaces: SecretScope
  /** By lower-cased name: GitHub's environment names are case-insensitive. */
  environments: Map<string, Environment>
  /** Attempts of the action's own runs set by setRun, by `runId.attempt`. */
  runs: Map<string, RunAttempt>
  branches: Map<string, Branch>
  /** By file name (smoke.yml); registered by a file on the default branch. */
  workflows: Map<string, Workflow>
  /** Runs started by dispatches, oldest first. */
  dispatchedRuns: DispatchedRun[]
  secretScanning: AlertStore
  issues: IssueStore
}

export interface Org {
  id: number
  login: string
  actions: SecretScope
  dependabot: SecretScope
  codespaces: SecretScope
}

export interface Hub {
  /** '' on GitHub.com; /api/v3 on GitHub Enterprise Server. */
  basePath: string
  /** By lower-cased full name. */
  repos: Map<string, Repo>
  /** By lower-cased login. */
  orgs: Map<string, Org>
  tokens: Map<string, Token>
  lastId: number
  lastRunId: number
  /** Whether a dispatch may ask for return_run_details (GitHub.com since February 2026). */
  dispatchRunDetails: boolean
  runListDelayMs: number
}

/** The next id of a repository, organization, environment or workflow. */
export function nextId(hub: Hub): number {
  hub.lastId += 1
  return hub.lastId
}

export const findRepo = (hub: Hub, fullName: string): Repo | undefined =>
  hub.repos.get(fullName.toLowerCase())

export function mustFindRepo(hub: Hub, fullName: string): Repo {
  const repo = findRepo(hub, fullName)
  if (!repo) throw new Error(`GitHub emulator: no repository ${fullName}`)
  return repo
}

export function newRepo(id: number, owner: string, name: string): Repo {
  return {
    id,
    owner,
    name,
    fullName: `${owner}/${name}`,
    createdAt: new Date(),
    pushedAt: new Date(),
    actions: new SecretScope(),
    dependabot: new SecretScope(),
    codespaces: new SecretScope(),
    environments: new Map(),
    runs: new Map(),
    branches: new Map([[DEFAULT_BRANCH, { files: new Map(), headSha: randomSha() }]]),
    workflows: new Map(),
    dispatchedRuns: [],
    secretScanning: new AlertStore(),
    issues: new IssueStore()
  }
}

export function newOrg(id: number, login: string): Org {
  return {
    id,
    login,
    actions: new SecretScope(),
    dependabot: new SecretScope(),
    codespaces: new SecretScope()
  }
}

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
