import pLimit from 'p-limit'
import { awsErrorCode } from '../aws-errors.js'
import type { Aws } from '../aws.js'
import { describeError } from '../errors.js'
import type { GitHub } from '../github.js'
import { alertPlaces, scanForLeaks, type Leak } from '../leaks/scan.js'
import { explainCredentials, observeUser } from '../observe.js'
import { plan } from '../plan.js'
import type { Settings } from '../settings.js'
import { parseCallerArn, type Caller, type Snapshot } from '../snapshot.js'
import type { Target } from '../targets.js'
import {
  assessUser,
  lastRunOf,
  unreadUser,
  type AuditedUser,
  type AuditedWorkflow
} from './findings.js'
import type { AuditSettings } from './inputs.js'

/** Users read at once: each is 4-6 IAM reads, so about a dozen requests in flight. */
const USERS_AT_ONCE = 4

/** What the audit may call in AWS: reads only. */
export type AuditAws = Pick<
  Aws,
  | 'callerIdentity'
  | 'getUserArn'
  | 'listUsers'
  | 'listKeys'
  | 'listTags'
  | 'lastUse'
  | 'attachedPolicyNames'
>

export interface AuditPorts {
  readonly aws: AuditAws
  readonly github: Pick<GitHub, 'alerts' | 'runState' | 'workflows'>
  readonly now: () => number
  readonly notice: (message: string) => void
}

export interface Audit {
  readonly account: string
  readonly users: readonly AuditedUser[]
  readonly generatedAt: number
}

type Listed = { readonly userName: string; readonly userArn: string } | AuditedUser

/** Reads every user in scope and judges it as a rotation run would; changes nothing. */
export async function runAudit(
  ports: AuditPorts,
  settings: Settings,
  audit: AuditSettings
): Promise<Audit> {
  const { aws } = ports
  const identity = await aws.callerIdentity().catch((error: unknown) => {
    throw explainCredentials(error, settings.awsRegion)
  })
  const caller = parseCallerArn(identity.arn, identity.accountId)
  const listed = await listInScope(aws, audit)
  const limit = pLimit(USERS_AT_ONCE)
  const read = await Promise.all(
    listed.map(user =>
      'keys' in user ? user : limit(() => readUser(ports, caller, settings, user))
    )
  )
  const snapshots = read.filter((user): user is Snapshot => 'caller' in user)
  const leaks = await leaksOf(ports, settings, snapshots)
  const workflows = await workflowsOf(ports, snapshots)
  const now = ports.now()
  const users = read.map(user =>
    'caller' in user ? judge(user, leaks, workflows, settings, audit, now) : user
  )
  return { account: identity.accountId, users: sortByUrgency(users), generatedAt: now }
}

/** The users a path holds (ListUsers), or the ones named (GetUser: one that is gone is said). */
async function listInScope(aws: AuditAws, audit: AuditSettings): Promise<Listed[]> {
  const { scope } = audit
  if (scope.kind === 'path') {
    const users = await aws.listUsers(scope.pathPrefix)
    return users.map(user => ({ userName: user.userName, userArn: user.arn }))
  }
  const limit = pLimit(USERS_AT_ONCE)
  return Promise.all(
    scope.names.map(userName =>
      limit(async () => {
        try {
          return { userName, userArn: await aws.getUserArn(userName) }
        } catch (error) {
          const gone = awsErrorCode(error) === 'NoSuchEntity'
          return unreadUser(userName, gone ? 'no such IAM user' : describeError(error))
        }
      })
    )
  )
}

async function readUser(
  ports: AuditPorts,
  caller: Caller,
  settings: Settings,
  user: { userName: string; userArn: string }
): Promise<Snapshot | AuditedUser> {
  try {
    const observed = { ...user, signingKeyId: undefined }
    return await observeUser(ports.aws, caller, observed, settings.run.runId, (repo, id, attempt) =>
      ports.github.runState(repo, id, attempt)
    )
  } catch (error) {
    return unreadUser(user.userName, describeError(error))
  }
}

/**
 * One leak check for the whole fleet: where the targets live and where each user's rotation
 * ran (its marks name the repository), matched against every key id.
 */
async function leaksOf(
  ports: AuditPorts,
  settings: Settings,
  snapshots: readonly Snapshot[]
): Promise<ReadonlyMap<string, Leak>> {
  if (settings.leakResponse === 'off' || snapshots.length === 0) return new Map()
  const ranIn = snapshots.flatMap(snapshot => {
    const [owner, repo] = lastRunOf(snapshot)?.repository?.split('/') ?? []
    return owner && repo ? [{ kind: 'repository' as const, owner, repo }] : []
  })
  const targets: Target[] = [...settings.targets, ...ranIn]
  const own = settings.run.repository.includes('/') ? settings.run.repository : undefined
  const places = alertPlaces(targets, own)
  // The deploy repositories are not in the marks: each owner's organization list covers them,
  // where the token may read it (an owner or security manager); else its repositories are read.
  const ranOwners = ranIn.map(place => place.owner.toLowerCase())
  const owners = [...new Set([...(places.owners ?? []), ...ranOwners])].filter(
    owner => !places.orgs.includes(owner)
  )
  const keyIds = snapshots.flatMap(snapshot => snapshot.keys.map(key => key.id))
  const scan = await scanForLeaks(ports.github.alerts, { ...places, owners }, keyIds, new Map())
  for (const notice of scan.notices) ports.notice(notice)
  return new Map(scan.leaks.map(leak => [leak.keyId, leak]))
}

/** The workflow of each user's last run, asked of GitHub once per run. */
async function workflowsOf(
  ports: AuditPorts,
  snapshots: readonly Snapshot[]
): Promise<ReadonlyMap<string, AuditedWorkflow>> {
  const runs = new Map<string, { repository: string; runId: string; attempt: string }>()
  for (const snapshot of snapshots) {
    const mark = lastRunOf(snapshot)
    if (!mark?.repository || !mark.runId) continue
    const run = { repository: mark.repository, runId: mark.runId, attempt: mark.runAttempt ?? '1' }
    runs.set(runKey(run), run)
  }
  const limit = pLimit(USERS_AT_ONCE)
  const found = await Promise.all(
    [...runs.values()].map(run =>
      limit(async () => [runKey(run), await workflowOf(ports, run)] as const)
    )
  )
  return new Map(found)
}

async function workflowOf(
  ports: AuditPorts,
  run: { repository: string; runId: string; attempt: string }
): Promise<AuditedWorkflow> {
  try {
    const workflow = await ports.github.workflows.workflowOfRun(
      run.repository,
      run.runId,
      run.attempt
    )
    // 404: the run is no longer kept (GitHub keeps runs 90 days by default), or never was.
    return {
      repository: run.repository,
      path: workflow?.path ?? null,
      state: workflow?.state ?? 'unknown'
    }
  } catch {
    // Refused (no Actions read there) or failed: said once in a notice.
    return { repository: run.repository, path: null, state: 'unreadable' }
  }
}

function runKey(run: { repository: string; runId: string; attempt: string }): string {
  return `${run.repository}#${run.runId}.${run.attempt}`
}

function judge(
  snapshot: Snapshot,
  leaks: ReadonlyMap<string, Leak>,
  workflows: ReadonlyMap<string, AuditedWorkflow>,
  settings: Settings,
  audit: AuditSettings,
  now: number
): AuditedUser {
  const userLeaks = snapshot.keys.flatMap(key => {
    const leak = leaks.get(key.id)
    return leak ? [leak] : []
  })
  const seen: Snapshot = { ...snapshot, leaks: userLeaks }
  const mark = lastRunOf(snapshot)
  const workflow =
    mark?.repository && mark.runId
      ? (workflows.get(
          runKey({
            repository: mark.repository,
            runId: mark.runId,
            attempt: mark.runAttempt ?? '1'
          })
        ) ?? null)
      : null
  return assessUser({
    snapshot: seen,
    plan: plan(seen, settings, now),
    now,
    maxAgeMs: settings.maxAgeMs,
    unusedAfterMs: audit.unusedAfterMs,
    workflow
  })
}

function sortByUrgency(users: readonly AuditedUser[]): AuditedUser[] {
  return [...users].sort(
    (a, b) =>
      a.urgency - b.urgency || (a.userName < b.userName ? -1 : a.userName > b.userName ? 1 : 0)
  )
}
