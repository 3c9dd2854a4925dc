/**
 * The emulated GitHub's state: repositories (with their secrets, environments, branches,
 * workflows, runs, alerts and issues), organizations and tokens (what a route is: route.ts).
 * Names are case-insensitive as on GitHub; repositories, organizations, environments and
 * workflows draw their ids from one sequence.
 */
import { AlertStore } from '../secret-scanning.js'
import { IssueStore } from '../issues.js'
import type { Branch } from './contents.js'
import type { RunAttempt, DispatchedRun } from './runs.js'
import { SecretScope } from './secret-scope.js'
import type { Token } from './tokens.js'
import type { Workflow } from './workflows.js'
import { randomSha } from './wire.js'

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

// The routes' own types and path patterns live in route.ts; the route modules import them here.
export * from './route.js'
