/**
 * A small world for end-to-end runs, the demo and the bench: an AWS account with a deploy user
 * whose key is stored in repositories' secrets, a token that may write them, and a way to run
 * the bundled action the way a workflow would (signing with the key its repository holds).
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { PolicyDocument } from './iam-policy.js'
import { startAwsEmulator, type AwsEmulator, type AwsEmulatorOptions } from './aws.js'
import {
  INSTANT,
  startGitHubEmulator,
  type GitHubEmulator,
  type SecondaryRateLimit
} from './github.js'
import { runAction, type RunOptions, type RunResult } from './runner.js'

export const DAY = 86_400_000
export const USER = 'deploy'
export const TOKEN = 'github_pat_e2e_example_token'
export const ID_SECRET = 'AWS_ACCESS_KEY_ID'
export const KEY_SECRET = 'AWS_SECRET_ACCESS_KEY'

export interface WorldOptions extends AwsEmulatorOptions {
  repos?: string[]
  keyAgeDays?: number
  basePath?: string
  /** Organizations to create; repositories they own belong to them. */
  orgs?: string[]
  secondaryRateLimit?: SecondaryRateLimit
  /**
   * The deploy user's identity policy: by default the documented policies/self-rotation.json,
   * so every end-to-end run proves it sufficient. null: none, so the user may call no IAM action
   * (AWS denies by default): for admin-mode runs, where a role acts on the user.
   */
  userPolicy?: PolicyDocument | null
  /** The deploy user's IAM path (admin policies select users by path). */
  userPath?: string
  /**
   * false: GitHub Enterprise Server before February 2026 (no return_run_details). Default:
   * false with a basePath, else true.
   */
  dispatchRunDetails?: boolean
  /** How long a dispatched run stays out of the runs list. */
  runListDelayMs?: number
  /** GitHub's time to answer each request, with jitter (the emulator's latencyMs). */
  githubLatencyMs?: { min: number; max: number }
  /**
   * close() fails when GitHub's API description finds a problem with any exchange (the
   * description: GHES's under a base path, else api.github.com's). `allow`: problems a test
   * causes on purpose; say why where it is used. false: no check (the bench times runs).
   */
  openapi?: false | { allow: RegExp[] }
  /** The token's "Secret scanning alerts" permission (default none, as in the quick start). */
  secretScanning?: 'read' | 'write'
  /** The token's "Issues" permission (default none: issue-on-failure then only notices). */
  issues?: 'read' | 'write'
  /** "Contents: read and write" (push access: GitHub keeps a new issue's labels). Default read. */
  push?: true
  /** The token's owner's organization role (default owner; a member may not list org alerts). */
  orgRole?: 'owner' | 'security-manager' | 'member'
}

/** How many problems an OpenAPI failure lists; the rest are counted. */
const PROBLEMS_SHOWN = 10

/**
 * A role holding `policy` (by default policies/admin-rotation.json), as admin-mode workflows
 * assume one: returns its session credentials, for `run`'s options.
 */
export function adminRole(
  world: Pick<World, 'aws'>,
  policy: PolicyDocument = policyFile('admin-rotation')
): { credentials: ReturnType<AwsEmulator['assumeRole']> } {
  world.aws.createRole('key-rotator')
  world.aws.attachPolicy('key-rotator', policy)
  return { credentials: world.aws.assumeRole('key-rotator', 'gha') }
}

/** A policy file of this repository, as users copy it. */
export function policyFile(name: 'self-rotation' | 'admin-rotation'): PolicyDocument {
  return JSON.parse(readFileSync(resolve('policies', `${name}.json`), 'utf8')) as PolicyDocument
}

export interface World {
  aws: AwsEmulator
  github: GitHubEmulator
  repos: string[]
  /** The key pair a repository's secrets hold now. */
  stored(repo?: string): { accessKeyId: string; secretAccessKey: string }
  /** Runs dist/index.js for `repo`, signing with the key that repository holds (self-rotation). */
  run(
    inputs?: Record<string, string>,
    options?: Partial<RunOptions> & { repo?: string }
  ): Promise<RunResult>
  /**
   * Time passes: keys, their last use, the action's marks and the secrets' created_at and
   * updated_at all move `ms` into the past.
   */
  advance(ms: number): void
  close(): Promise<void>
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const aws = await startAwsEmulator(options)
  const github = await startGitHubEmulator({
    ...(options.basePath ? { basePath: options.basePath } : {}),
    ...(options.secondaryRateLimit ? { secondaryRateLimit: options.secondaryRateLimit } : {}),
    ...(options.dispatchRunDetails !== undefined
      ? { dispatchRunDetails: options.dispatchRunDetails }
      : {}),
    ...(options.runListDelayMs !== undefined ? { runListDelayMs: options.runListDelayMs } : {}),
    latencyMs: options.githubLatencyMs ?? INSTANT,
    ...(options.openapi === false ? { openapi: false as const } : {})
  })
  for (const org of options.orgs ?? []) github.addOrg(org)
  const repos = options.repos ?? ['acme/app']
  aws.createUser(USER, options.userPath ? { path: options.userPath } : {})
  const userPolicy =
    options.userPolicy === undefined ? policyFile('self-rotation') : options.userPolicy
  if (userPolicy) aws.attachPolicy(USER, userPolicy)
  const key = aws.createAccessKey(USER, {
    createdAt: new Date(Date.now() - (options.keyAgeDays ?? 100) * DAY)
  })
  addDeployToken(github, options)
  for (const repo of repos) {
    github.addRepo(repo)
    github.setSecret(repo, ID_SECRET, key.accessKeyId)
    github.setSecret(repo, KEY_SECRET, key.secretAccessKey)
  }
  const stored = (repo = repos[0] ?? 'acme/app') => ({
    accessKeyId: github.secret(repo, ID_SECRET)?.value ?? '',
    secretAccessKey: github.secret(repo, KEY_SECRET)?.value ?? ''
  })
  return {
    aws,
    github,
    repos,
    stored,
    run: async (inputs = {}, runOptions = {}) => {
      const repo = runOptions.repo ?? repos[0] ?? 'acme/app'
      // GitHub shows the run in progress while the action runs, completed once it has ended.
      const runId = runOptions.runId ?? '1001'
      const attempt = runOptions.attempt ?? '1'
      if (github.hasRepo(repo)) github.setRun(repo, runId, attempt, 'in_progress')
      const result = await runAction({
        inputs: { 'github-token': TOKEN, targets: repos.join('\n'), ...inputs },
        credentials: stored(repo),
        awsUrl: aws.url,
        githubUrl: github.url,
        repository: repo,
        ...runOptions
      })
      // A job whose step fails ends `failure`; the run's conclusion follows its step here.
      const conclusion = result.code === 0 ? 'success' : 'failure'
      if (github.hasRepo(repo)) github.setRun(repo, runId, attempt, 'completed', conclusion)
      return result
    },
    advance: ms => ageWorld(aws, github, ms),
    close: () => closeChecked(aws, github, options)
  }
}

/** Every kind of target's write permission (fine-grained token names). */
export const SECRET_WRITE_PERMISSIONS = {
  environments: 'write',
  dependabot_secrets: 'write',
  organization_secrets: 'write',
  organization_dependabot_secrets: 'write',
  codespaces_secrets: 'write',
  organization_codespaces_secrets: 'write'
} as const

/** The token of the e2e runs: every permission the README asks for, secret scanning by option. */
function addDeployToken(github: GitHubEmulator, options: WorldOptions): void {
  github.addToken(TOKEN, {
    repos: '*',
    secrets: 'write',
    kind: 'pat',
    actions: 'read',
    ...(options.orgRole ? { orgRole: options.orgRole } : {}),
    permissions: {
      // Actions write and Contents read: what a smoke-workflow gate needs (README).
      actions: 'write',
      contents: options.push ? 'write' : 'read',
      ...SECRET_WRITE_PERMISSIONS,
      ...(options.secretScanning ? { secret_scanning_alerts: options.secretScanning } : {}),
      ...(options.issues ? { issues: options.issues } : {})
    }
  })
}

/**
 * Time passes: keys, their last use, the action's marks and the secrets' times all move `ms` into
 * the past. The marks are aged first: shifting time then makes every change visible to lagging reads.
 */
function ageWorld(aws: AwsEmulator, github: GitHubEmulator, ms: number): void {
  for (const [tagKey, value] of Object.entries(aws.tags(USER))) {
    // A mark's times (when, and until when its run holds the key) age with the keys.
    const aged = value.replace(/ (at|until)=(\S+)/g, (_all, field: string, iso: string) => {
      const shifted = new Date(Date.parse(iso) - ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
      return ` ${field}=${shifted}`
    })
    if (aged !== value) aws.setTag(USER, tagKey, aged)
  }
  aws.shiftTime(ms)
  // A mark's `at` and a secret's updated_at keep their order, as in real time.
  github.shiftSecretTimes(ms)
}

/** Closes both emulators, then fails if GitHub's API description found a problem with an exchange. */
async function closeChecked(
  aws: AwsEmulator,
  github: GitHubEmulator,
  options: WorldOptions
): Promise<void> {
  await Promise.all([aws.close(), github.close()])
  const allow = options.openapi ? options.openapi.allow : []
  const problems = github
    .openapiProblems()
    .filter(problem => !allow.some(pattern => pattern.test(problem)))
  if (problems.length === 0) return
  const more = problems.length - PROBLEMS_SHOWN
  throw new Error(
    [
      `GitHub's OpenAPI description finds ${problems.length} problem(s) in the exchanges with the GitHub emulator (a test that causes one on purpose allows it: startWorld({ openapi: { allow } })):`,
      ...problems.slice(0, PROBLEMS_SHOWN).map(problem => `  ${problem}`),
      ...(more > 0 ? [`  and ${more} more`] : [])
    ].join('\n')
  )
}
