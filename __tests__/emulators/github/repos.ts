/**
 * Repositories, organizations and environments, and how GitHub shows them: an account
 * (simple-user), a repository in lists and runs (minimal-repository) and on its own
 * (full-repository: https://docs.github.com/rest/repos/repos#get-a-repository), an environment
 * (https://docs.github.com/rest/deployments/environments#get-an-environment). The shapes are
 * those of GitHub's OpenAPI description (./openapi.ts holds every answer to it).
 */
import { createHash } from 'node:crypto'
import type { GitHubEmulator } from '../github.js'
import {
  DEFAULT_BRANCH,
  findRepo,
  mustFindRepo,
  newOrg,
  newRepo,
  nextId,
  REPO_PATH,
  repoOf
} from './hub.js'
import type { Hub, Repo, Route, RouteCall } from './hub.js'
import { read } from './tokens.js'
import { isoSeconds, nodeId, notFound, withUrls } from './wire.js'
import { SecretScope } from './secret-scope.js'

/** The URLs a repository object carries after its API URL (RFC 6570 templates, as GitHub's). */
const REPO_URLS: Record<string, string> = {
  archive_url: '/{archive_format}{/ref}',
  assignees_url: '/assignees{/user}',
  blobs_url: '/git/blobs{/sha}',
  branches_url: '/branches{/branch}',
  collaborators_url: '/collaborators{/collaborator}',
  comments_url: '/comments{/number}',
  commits_url: '/commits{/sha}',
  compare_url: '/compare/{base}...{head}',
  contents_url: '/contents/{+path}',
  contributors_url: '/contributors',
  deployments_url: '/deployments',
  downloads_url: '/downloads',
  events_url: '/events',
  forks_url: '/forks',
  git_commits_url: '/git/commits{/sha}',
  git_refs_url: '/git/refs{/sha}',
  git_tags_url: '/git/tags{/sha}',
  hooks_url: '/hooks',
  issue_comment_url: '/issues/comments{/number}',
  issue_events_url: '/issues/events{/number}',
  issues_url: '/issues{/number}',
  keys_url: '/keys{/key_id}',
  labels_url: '/labels{/name}',
  languages_url: '/languages',
  merges_url: '/merges',
  milestones_url: '/milestones{/number}',
  notifications_url: '/notifications{?since,all,participating}',
  pulls_url: '/pulls{/number}',
  releases_url: '/releases{/id}',
  stargazers_url: '/stargazers',
  statuses_url: '/statuses/{sha}',
  subscribers_url: '/subscribers',
  subscription_url: '/subscription',
  tags_url: '/tags',
  teams_url: '/teams',
  trees_url: '/git/trees{/sha}'
}

/** The URLs an account object (simple-user) carries after its API URL. */
const ACCOUNT_URLS: Record<string, string> = {
  followers_url: '/followers',
  following_url: '/following{/other_user}',
  gists_url: '/gists{/gist_id}',
  starred_url: '/starred{/owner}{/repo}',
  subscriptions_url: '/subscriptions',
  organizations_url: '/orgs',
  repos_url: '/repos',
  events_url: '/events{/privacy}',
  received_events_url: '/received_events'
}

/** What a full repository object adds for a new private repository: nothing counted yet. */
const NEW_REPO_FIELDS = {
  homepage: null,
  language: null,
  mirror_url: null,
  license: null,
  size: 0,
  forks: 0,
  forks_count: 0,
  open_issues: 0,
  open_issues_count: 0,
  watchers: 0,
  watchers_count: 0,
  stargazers_count: 0,
  network_count: 0,
  subscribers_count: 0,
  has_issues: true,
  has_projects: true,
  has_wiki: false,
  has_pages: false,
  has_discussions: false,
  archived: false,
  disabled: false,
  visibility: 'private',
  default_branch: DEFAULT_BRANCH
}

/** An account as GitHub shows one (simple-user): an organization if one was added, else a user. */
export function accountJson(hub: Hub, login: string, origin: string) {
  const org = hub.orgs.get(login.toLowerCase())
  // A user is not modelled: an id derived from the login keeps it stable.
  const id = org?.id ?? createHash('sha1').update(login.toLowerCase()).digest().readUInt32BE(0)
  const api = `${origin}${hub.basePath}/users/${login}`
  return {
    login,
    id,
    node_id: nodeId(org ? 'Organization' : 'User', id),
    avatar_url: `${origin}/avatars/u/${id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `${origin}/${login}`,
    ...withUrls(api, ACCOUNT_URLS),
    type: org ? 'Organization' : 'User',
    site_admin: false
  }
}

/** A repository as lists and runs show it (minimal-repository). */
export function repositoryJson(hub: Hub, repo: Repo, origin: string) {
  const api = `${origin}${hub.basePath}/repos/${repo.fullName}`
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: repo.fullName,
    owner: accountJson(hub, repo.owner, origin),
    private: true,
    html_url: `${origin}/${repo.fullName}`,
    description: null,
    fork: false,
    url: api,
    ...withUrls(api, REPO_URLS)
  }
}

/** A repository as GET /repos/{owner}/{repo} shows it (full-repository). */
function fullRepositoryJson(hub: Hub, repo: Repo, origin: string) {
  const host = new URL(origin).host
  return {
    ...repositoryJson(hub, repo, origin),
    ...NEW_REPO_FIELDS,
    git_url: `git://${host}/${repo.fullName}.git`,
    ssh_url: `git@${host}:${repo.fullName}.git`,
    clone_url: `${origin}/${repo.fullName}.git`,
    svn_url: `${origin}/${repo.fullName}`,
    created_at: isoSeconds(repo.createdAt),
    updated_at: isoSeconds(repo.createdAt),
    pushed_at: isoSeconds(repo.pushedAt)
  }
}

/** A repository's links and accounts, as alerts and issues show them. */
export function repoLinks(call: RouteCall, repo: Repo) {
  const { hub, origin } = call
  return {
    apiUrl: `${origin}${hub.basePath}/repos/${repo.fullName}`,
    htmlUrl: `${origin}/${repo.fullName}`,
    account: (login: string) => accountJson(hub, login, origin)
  }
}

export const REPO_ROUTES: Route[] = [
  {
    name: 'get-repo',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}$`),
    on: 'repo',
    need: read('none'),
    docs: 'https://docs.github.com/rest/repos/repos#get-a-repository',
    answer: call => ({ status: 200, body: fullRepositoryJson(call.hub, repoOf(call), call.origin) })
  },
  {
    name: 'get-environment',
    method: 'GET',
    pattern: new RegExp(`^${REPO_PATH}/environments/([^/]+)$`),
    on: 'repo',
    need: read('actions'),
    docs: 'https://docs.github.com/rest/deployments/environments#get-an-environment',
    answer(call) {
      const repo = repoOf(call)
      const environment = repo.environments.get((call.place.environment ?? '').toLowerCase())
      if (!environment) return notFound(call.route.docs)
      const created = isoSeconds(environment.createdAt)
      const name = encodeURIComponent(environment.name)
      return {
        status: 200,
        body: {
          id: environment.id,
          node_id: nodeId('Environment', environment.id),
          name: environment.name,
          url: `${call.origin}${call.hub.basePath}/repos/${repo.fullName}/environments/${name}`,
          html_url: `${call.origin}/${repo.fullName}/deployments/activity_log?environments_filter=${name}`,
          created_at: created,
          updated_at: created,
          protection_rules: []
        }
      }
    }
  }
]

function splitFullName(fullName: string): [string, string] {
  const match = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(fullName)
  if (!match?.[1] || !match[2]) throw new Error(`GitHub emulator: "${fullName}" is not owner/name`)
  return [match[1], match[2]]
}

type RepoControls = Pick<
  GitHubEmulator,
  'addRepo' | 'addOrg' | 'addEnvironment' | 'repoId' | 'hasRepo'
>

export function repoControls(hub: Hub): RepoControls {
  return {
    addRepo(fullName) {
      const [owner, name] = splitFullName(fullName)
      if (findRepo(hub, fullName)) throw new Error(`GitHub emulator: ${fullName} already exists`)
      hub.repos.set(fullName.toLowerCase(), newRepo(nextId(hub), owner, name))
    },
    addOrg(login) {
      if (hub.orgs.has(login.toLowerCase())) throw new Error(`GitHub emulator: org ${login} exists`)
      hub.orgs.set(login.toLowerCase(), newOrg(nextId(hub), login))
    },
    addEnvironment(repo, name) {
      const id = nextId(hub)
      mustFindRepo(hub, repo).environments.set(name.toLowerCase(), {
        name,
        id,
        createdAt: new Date(),
        secrets: new SecretScope()
      })
    },
    repoId: repo => mustFindRepo(hub, repo).id,
    hasRepo: repo => findRepo(hub, repo) !== undefined
  }
}
