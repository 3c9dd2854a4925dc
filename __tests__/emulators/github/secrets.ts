/**
 * Secrets in every scope GitHub has them: a repository's Actions, Dependabot and Codespaces
 * secrets, an environment's, and an organization's with their visibility and selected
 * repositories ("REST API endpoints for GitHub Actions Secrets":
 * https://docs.github.com/rest/actions/secrets; Dependabot:
 * https://docs.github.com/rest/dependabot/secrets; Codespaces:
 * https://docs.github.com/rest/codespaces). Each scope's public key, its secrets' metadata (never
 * a value), and the PUT of a sealed value (./secret-scope.ts opens it), validated as GitHub
 * validates it: name, base64, key id, size (48 KB), and an organization secret's visibility.
 * GET of one secret answers its created_at and updated_at, "the date and time at which the secret
 * was last updated, in ISO 8601 format: YYYY-MM-DDTHH:MM:SSZ" (GitHub's OpenAPI description;
 * "Get a repository secret": https://docs.github.com/rest/actions/secrets#get-a-repository-secret).
 * A PUT sets updated_at; shiftSecretTimes moves every secret's times into the past, as time passes.
 */
import type { GitHubEmulator } from '../github.js'
import { mustFindRepo, ORG_PATH, REPO_PATH } from './hub.js'
import type { Hub, Org, Repo, Route, RouteCall } from './hub.js'
import { repositoryJson } from './repos.js'
import { SecretScope } from './secret-scope.js'
import type { OrgAccess, ScopeKind } from './secret-scope.js'
import { read, write } from './tokens.js'
import type { Permission } from './tokens.js'
import { errorReply, isoSeconds, notFound, page, parseJsonObject, ReplyError } from './wire.js'
import type { Reply } from './wire.js'

/** A scope, named as the tests name it. */
export type ScopeRef =
  | { kind: 'actions' | 'dependabot' | 'codespaces'; repo: string }
  | { kind: 'environment'; repo: string; environment: string }
  | { kind: 'org-actions' | 'org-dependabot' | 'org-codespaces'; org: string }

export interface SecretState {
  value: string
  createdAt: Date
  updatedAt: Date
  /** Organization secrets only. */
  access?: OrgAccess
}

// GitHub's limits and messages.
const MAX_SECRET_BYTES = 48 * 1024
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/
const NAME_CHARS = /^[A-Za-z_][A-Za-z0-9_]*$/
const MSG_NAME_CHARS =
  'Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed. Must start with a letter ([a-z], [A-Z]) or underscores (_).'
const MSG_NAME_PREFIX = 'Secret names must not start with GITHUB_.'
const MSG_BAD_SEAL = 'Bad request - validation failed due to an improperly encrypted secret'
const MSG_TOO_LARGE = 'Failed to add secret. Value is too large.'
const DOCS_SECRETS = 'https://docs.github.com/rest/actions/secrets'
const DOCS_ENV = 'https://docs.github.com/rest/actions/secrets#get-an-environment-public-key'
const DOCS_DEPENDABOT = 'https://docs.github.com/rest/dependabot/secrets'
const DOCS_CODESPACES = 'https://docs.github.com/rest/codespaces'

/** Why a secret name is invalid, in GitHub's words, or undefined when it is valid. */
function nameProblem(name: string): string | undefined {
  if (!NAME_CHARS.test(name)) return MSG_NAME_CHARS
  if (/^GITHUB_/i.test(name)) return MSG_NAME_PREFIX
  return undefined
}

/** A repository's secrets of one kind (environments are looked up by name). */
export function repoScope(repo: Repo, kind: ScopeKind | undefined): SecretScope {
  return kind === 'dependabot'
    ? repo.dependabot
    : kind === 'codespaces'
      ? repo.codespaces
      : repo.actions
}

/** An organization's secrets of one kind. */
export function orgScope(org: Org, kind: ScopeKind | undefined): SecretScope {
  return kind === 'org-dependabot'
    ? org.dependabot
    : kind === 'org-codespaces'
      ? org.codespaces
      : org.actions
}

/** Validates a PUT body as GitHub does; returns the fields or throws the 422/400 GitHub sends. */
function parsePutBody(
  raw: Buffer,
  docs: string,
  org: unknown
): { encrypted: string; keyId: string; access?: OrgAccess } {
  const fields = parseJsonObject(raw, docs)
  // Organization secrets must say who may use them.
  const required = org ? ['encrypted_value', 'key_id', 'visibility'] : ['encrypted_value', 'key_id']
  const missing = required.filter(field => fields[field] === undefined)
  if (missing.length > 0) {
    const list = missing.map(field => `"${field}"`).join(', ')
    const verb = missing.length === 1 ? "wasn't" : "weren't"
    throw new ReplyError(errorReply(422, `Invalid request.\n\n${list} ${verb} supplied.`, docs))
  }
  for (const field of ['encrypted_value', 'key_id']) {
    if (typeof fields[field] !== 'string') {
      const shown = JSON.stringify(fields[field])
      throw new ReplyError(
        errorReply(
          422,
          `Invalid request.\n\nFor 'properties/${field}', ${shown} is not a string.`,
          docs
        )
      )
    }
  }
  const encrypted = fields.encrypted_value as string
  if (!BASE64.test(encrypted)) {
    const message = `Invalid request.\n\n${encrypted} does not match /${BASE64.source.replace(/\//g, '\\/')}/.`
    throw new ReplyError(errorReply(422, message, docs))
  }
  if (!org) return { encrypted, keyId: fields.key_id as string }
  const visibility = fields.visibility
  if (visibility !== 'all' && visibility !== 'private' && visibility !== 'selected') {
    throw new ReplyError(
      errorReply(
        422,
        `Invalid request.\n\n${JSON.stringify(visibility)} is not a member of ["all", "private", "selected"].`,
        docs
      )
    )
  }
  const ids = fields.selected_repository_ids ?? []
  if (!Array.isArray(ids) || ids.some(id => !Number.isInteger(id))) {
    throw new ReplyError(
      errorReply(
        422,
        "Invalid request.\n\nFor 'properties/selected_repository_ids', items must be integers.",
        docs
      )
    )
  }
  // As on GitHub, `selected` with no ids clears the selection; other visibilities drop it.
  return {
    encrypted,
    keyId: fields.key_id as string,
    access: {
      visibility,
      selectedRepositoryIds: visibility === 'selected' ? (ids as number[]) : []
    }
  }
}

/** A secrets route's answer in the scope its path names; a missing environment is a 404. */
function inScope(answer: (call: RouteCall, scope: SecretScope) => Reply) {
  // A missing environment has no secrets: GitHub answers 404, it never creates one.
  return (call: RouteCall): Reply =>
    call.place.scope ? answer(call, call.place.scope) : notFound(call.route.docs)
}

/** The secret the path names (names are case-insensitive), or a 404. */
function namedSecret(call: RouteCall, scope: SecretScope) {
  const { secretName } = call.place
  const stored = secretName === undefined ? undefined : scope.read(secretName.toUpperCase())
  if (!stored) throw new ReplyError(notFound(call.route.docs))
  return stored
}

function getSecret(call: RouteCall, scope: SecretScope): Reply {
  const stored = namedSecret(call, scope)
  const body: Record<string, unknown> = {
    name: stored.name,
    created_at: isoSeconds(stored.createdAt),
    updated_at: isoSeconds(stored.updatedAt)
  }
  if (call.place.org && stored.access) {
    body.visibility = stored.access.visibility
    if (stored.access.visibility === 'selected') {
      body.selected_repositories_url = `${call.origin}${call.url.pathname}/repositories`
    }
  }
  return { status: 200, body }
}

function listSecrets(call: RouteCall, scope: SecretScope): Reply {
  const secrets = scope.list().map(secret => ({
    name: secret.name,
    created_at: isoSeconds(secret.createdAt),
    updated_at: isoSeconds(secret.updatedAt),
    ...(call.place.org && secret.access ? { visibility: secret.access.visibility } : {})
  }))
  return page(secrets, 'secrets', call.url, call.origin)
}

function listSecretRepositories(call: RouteCall, scope: SecretScope): Reply {
  const stored = namedSecret(call, scope)
  if (stored.access?.visibility !== 'selected') {
    return errorReply(409, 'Visibility must be set to `selected`', call.route.docs)
  }
  const repos = [...call.hub.repos.values()]
  const selected = stored.access.selectedRepositoryIds.flatMap(id => {
    const found = repos.find(candidate => candidate.id === id)
    return found ? [found] : []
  })
  const shown = selected.map(found => repositoryJson(call.hub, found, call.origin))
  return page(shown, 'repositories', call.url, call.origin)
}

/** Repository ids an organization secret selects that are not the organization's. */
function foreignRepositories(hub: Hub, org: Org, access: OrgAccess): number[] {
  const login = org.login.toLowerCase()
  return access.selectedRepositoryIds.filter(
    id => ![...hub.repos.values()].some(r => r.id === id && r.owner.toLowerCase() === login)
  )
}

function putSecret(call: RouteCall, scope: SecretScope): Reply {
  const { route, place } = call
  const { encrypted, keyId, access } = parsePutBody(call.raw, route.docs, place.org)
  const name = place.secretName ?? ''
  const problem = nameProblem(name)
  if (problem) return errorReply(422, problem, route.docs)
  const foreign = access && place.org ? foreignRepositories(call.hub, place.org, access) : []
  if (foreign.length > 0) {
    const message = `Repository ids ${foreign.join(', ')} are not in the organization.`
    return errorReply(422, message, route.docs)
  }
  const plain = scope.open(keyId, encrypted)
  if (!plain) return errorReply(422, MSG_BAD_SEAL, route.docs)
  if (plain.length > MAX_SECRET_BYTES) return errorReply(422, MSG_TOO_LARGE, route.docs)
  const value = Buffer.from(plain).toString('utf8')
  const outcome = scope.write(name.toUpperCase(), value, new Date(), access)
  return outcome === 'created' ? { status: 201, body: {} } : { status: 204 }
}

/** Where one kind of secrets lives and what a token needs there. */
interface SecretPlace {
  /** A regex source ending before /secrets. */
  prefix: string
  on: 'repo' | 'org'
  scopeKind: ScopeKind
  permission: Permission
  docs: string
}

/** A route of `place`: `path` follows its /secrets; a PUT needs write, anything else read. */
function secretRoute(
  place: SecretPlace,
  name: Route['name'],
  method: string,
  path: string,
  answer: Route['answer']
): Route {
  return {
    name,
    method,
    pattern: new RegExp(`^${place.prefix}/secrets${path}$`),
    on: place.on,
    scopeKind: place.scopeKind,
    need: method === 'PUT' ? write(place.permission) : read(place.permission),
    docs: place.docs,
    answer
  }
}

function publicKey(_call: RouteCall, scope: SecretScope): Reply {
  return { status: 200, body: scope.publicKeyJson() }
}

/** The secrets routes of one place, the public key's before the secret name's that would match it. */
function secretRoutes(place: SecretPlace): Route[] {
  const route = (...args: [Route['name'], string, string, Route['answer']]) =>
    secretRoute(place, ...args)
  return [
    route('get-public-key', 'GET', '/public-key', inScope(publicKey)),
    route('list-secrets', 'GET', '', inScope(listSecrets)),
    // Only organization secrets have a visibility and selected repositories.
    ...(place.on === 'org'
      ? [
          route(
            'list-secret-repositories',
            'GET',
            '/([^/]+)/repositories',
            inScope(listSecretRepositories)
          )
        ]
      : []),
    route('get-secret', 'GET', '/([^/]+)', inScope(getSecret)),
    route('put-secret', 'PUT', '/([^/]+)', inScope(putSecret))
  ]
}

/** A place's routes: under `prefix` (a regex source), an organization's when its kind is org-. */
function secretPlace(
  prefix: string,
  scopeKind: ScopeKind,
  permission: Permission,
  docs: string
): SecretPlace {
  return { prefix, on: scopeKind.startsWith('org-') ? 'org' : 'repo', scopeKind, permission, docs }
}

const SECRET_PLACES: SecretPlace[] = [
  secretPlace(`${REPO_PATH}/actions`, 'actions', 'secrets', DOCS_SECRETS),
  secretPlace(`${REPO_PATH}/environments/([^/]+)`, 'environment', 'environments', DOCS_ENV),
  secretPlace(`${REPO_PATH}/dependabot`, 'dependabot', 'dependabot_secrets', DOCS_DEPENDABOT),
  secretPlace(`${ORG_PATH}/actions`, 'org-actions', 'organization_secrets', DOCS_SECRETS),
  secretPlace(
    `${ORG_PATH}/dependabot`,
    'org-dependabot',
    'organization_dependabot_secrets',
    DOCS_DEPENDABOT
  ),
  secretPlace(`${REPO_PATH}/codespaces`, 'codespaces', 'codespaces_secrets', DOCS_CODESPACES),
  secretPlace(
    `${ORG_PATH}/codespaces`,
    'org-codespaces',
    'organization_codespaces_secrets',
    DOCS_CODESPACES
  )
]

export const SECRET_ROUTES: Route[] = SECRET_PLACES.flatMap(secretRoutes)

/** The scope a test names; a mistake in the test when it does not exist. */
function scopeOf(hub: Hub, ref: ScopeRef): SecretScope {
  switch (ref.kind) {
    case 'actions':
    case 'dependabot':
    case 'codespaces':
      return repoScope(mustFindRepo(hub, ref.repo), ref.kind)
    case 'environment': {
      const found = mustFindRepo(hub, ref.repo).environments.get(ref.environment.toLowerCase())
      if (!found) throw new Error(`GitHub emulator: no environment ${ref.environment}`)
      return found.secrets
    }
    case 'org-actions':
    case 'org-dependabot':
    case 'org-codespaces': {
      const org = hub.orgs.get(ref.org.toLowerCase())
      if (!org) throw new Error(`GitHub emulator: no organization ${ref.org}`)
      return orgScope(org, ref.kind)
    }
  }
}

type SecretControls = Pick<
  GitHubEmulator,
  | 'secret'
  | 'setSecret'
  | 'history'
  | 'rotatePublicKey'
  | 'scopeSecret'
  | 'setScopeSecret'
  | 'scopeHistory'
  | 'shiftSecretTimes'
>

/** Every scope that holds secrets: each repository's, its environments', each organization's. */
function allScopes(hub: Hub): SecretScope[] {
  const repos = [...hub.repos.values()].flatMap(repo => [
    repo.actions,
    repo.dependabot,
    repo.codespaces,
    ...[...repo.environments.values()].map(environment => environment.secrets)
  ])
  const orgs = [...hub.orgs.values()].flatMap(org => [org.actions, org.dependabot, org.codespaces])
  return [...repos, ...orgs]
}

export function secretControls(hub: Hub): SecretControls {
  const checkedName = (name: string): string => {
    const problem = nameProblem(name)
    if (problem) throw new Error(`GitHub emulator: ${problem}`)
    return name.toUpperCase()
  }
  return {
    secret(repo, name) {
      const stored = mustFindRepo(hub, repo).actions.read(name.toUpperCase())
      if (!stored) return undefined
      return {
        value: stored.value,
        createdAt: new Date(stored.createdAt),
        updatedAt: new Date(stored.updatedAt)
      }
    },
    setSecret(repo, name, value) {
      const upper = checkedName(name)
      mustFindRepo(hub, repo).actions.write(upper, value, new Date())
    },
    history: (repo, name) => mustFindRepo(hub, repo).actions.history(name.toUpperCase()),
    rotatePublicKey(repo) {
      mustFindRepo(hub, repo).actions.rotateKey()
    },
    scopeSecret(ref, name) {
      const stored = scopeOf(hub, ref).read(name.toUpperCase())
      if (!stored) return undefined
      const { access } = stored
      return {
        value: stored.value,
        createdAt: new Date(stored.createdAt),
        updatedAt: new Date(stored.updatedAt),
        ...(access
          ? {
              access: {
                visibility: access.visibility,
                selectedRepositoryIds: [...access.selectedRepositoryIds]
              }
            }
          : {})
      }
    },
    setScopeSecret(ref, name, value, access) {
      const upper = checkedName(name)
      const isOrg = ref.kind.startsWith('org-')
      if (isOrg !== (access !== undefined)) {
        throw new Error('GitHub emulator: organization secrets, and only they, have an access')
      }
      scopeOf(hub, ref).write(upper, value, new Date(), access)
    },
    scopeHistory: (ref, name) => scopeOf(hub, ref).history(name.toUpperCase()),
    shiftSecretTimes(ms) {
      for (const scope of allScopes(hub)) scope.shiftTime(ms)
    }
  }
}
