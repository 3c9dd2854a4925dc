import { createHash } from 'node:crypto'
import { isoTime } from './format.js'
import type { IssuesApi, OpenIssue } from './github/issues.js'

/**
 * The notice to a person: one issue per IAM user (and account) in one repository, found again
 * by its label and the marker in its body. A run that needs a person opens it, or comments on it
 * when the cause changed or a day has passed; a run that does not closes it, saying what healed.
 */
export const ISSUE_LABEL = 'rotate-aws-access-keys'
/** The same cause is told again at most this often. */
const RETELL_MS = 24 * 3_600_000
const MARKER = /<!-- rotate-aws-access-keys: user=(\S+) (?:job=(\S+) )?cause=(\w+) noted=(\S+) -->/

export interface Notice {
  readonly repository: string
  /** Undefined when the run failed before AWS said whose keys these are: the job stands in. */
  readonly account: string | undefined
  readonly userName: string
  /** The job's identity (jobIdentity): its issue is found again before and after AWS answers. */
  readonly job: string
  /** The summary's title. */
  readonly outcome: string
  /** What a person must act on; undefined: nothing, and an open issue is closed. */
  readonly needsPerson: string | undefined
  /** The step summary: the issue says the same, in the same words. */
  readonly summary: string
  readonly runUrl: string
  readonly now: number
}

export type IssueAction = 'opened' | 'updated' | 'closed' | 'unchanged' | 'none'

export interface Told {
  readonly action: IssueAction
  readonly url: string
  /** GitHub dropped the label (the token has no push access): later runs find it less surely. */
  readonly unlabelled?: true
}

export async function tellPerson(api: IssuesApi, notice: Notice): Promise<Told> {
  const user = notice.account === undefined ? notice.job : `${notice.account}:${notice.userName}`
  const ours = (issues: OpenIssue[]) => issues.filter(issue => isOurs(issue, user, notice.job))
  const labelled = ours(await api.listOpen(notice.repository, ISSUE_LABEL))
  // An issue GitHub opened without the label (no push access) is found among the newest.
  const mine = labelled.length > 0 ? labelled : ours(await api.listRecent(notice.repository))
  if (notice.needsPerson === undefined) return closeAll(api, notice, mine)
  const [oldest, ...duplicates] = mine
  for (const duplicate of duplicates) await closeAsDuplicate(api, notice, duplicate, oldest)
  if (!oldest) return open(api, notice, user)
  return update(api, notice, oldest, user)
}

async function open(api: IssuesApi, notice: Notice, user: string): Promise<Told> {
  const created = await api.create(notice.repository, {
    ...issueText(notice, user),
    labels: [ISSUE_LABEL]
  })
  // Two jobs for one user may both have found none: the newer issue gives way to the older.
  const older = (await api.listOpen(notice.repository, ISSUE_LABEL)).find(
    issue => isOurs(issue, user, notice.job) && issue.number < created.number
  )
  const unlabelled = created.labels.includes(ISSUE_LABEL) ? {} : { unlabelled: true as const }
  if (!older) return { action: 'opened', url: created.htmlUrl, ...unlabelled }
  await closeAsDuplicate(api, notice, created, older)
  return { action: 'unchanged', url: older.htmlUrl }
}

async function update(
  api: IssuesApi,
  notice: Notice,
  issue: OpenIssue,
  user: string
): Promise<Told> {
  const marker = markerOf(issue)
  const cause = causeKey(notice)
  const changed = marker?.cause !== cause
  if (!changed && notice.now - (marker?.noted ?? 0) < RETELL_MS) {
    return { action: 'unchanged', url: issue.htmlUrl }
  }
  const lead = changed
    ? `The cause changed ([run](${notice.runUrl})): **${notice.outcome}**`
    : `Still needs a person, a day later ([run](${notice.runUrl})): **${notice.outcome}**`
  await api.comment(notice.repository, issue.number, `${lead}\n\n${notice.needsPerson ?? ''}`)
  await api.update(notice.repository, issue.number, issueText(notice, user))
  return { action: 'updated', url: issue.htmlUrl }
}

async function closeAll(api: IssuesApi, notice: Notice, mine: OpenIssue[]): Promise<Told> {
  for (const issue of mine) {
    await api.comment(
      notice.repository,
      issue.number,
      `Healed by [this run](${notice.runUrl}): **${notice.outcome}**. Closing.`
    )
    await api.close(notice.repository, issue.number)
  }
  const first = mine[0]
  return first ? { action: 'closed', url: first.htmlUrl } : { action: 'none', url: '' }
}

async function closeAsDuplicate(
  api: IssuesApi,
  notice: Notice,
  issue: OpenIssue,
  kept: OpenIssue | undefined
): Promise<void> {
  await api.comment(notice.repository, issue.number, `Duplicate of #${kept?.number ?? '?'}.`)
  await api.close(notice.repository, issue.number)
}

function issueText(notice: Notice, user: string): { title: string; body: string } {
  const marker = `<!-- rotate-aws-access-keys: user=${user} job=${notice.job} cause=${causeKey(notice)} noted=${isoTime(notice.now)} -->`
  return {
    title: `AWS key rotation of ${notice.userName} needs a person: ${notice.outcome}`,
    body: [
      marker,
      `The rotation of IAM user \`${notice.userName}\` (account ${notice.account ?? 'not known: AWS did not answer'}) needs a person. Latest [run](${notice.runUrl}); this issue closes by itself once a run succeeds.`,
      '',
      ...(notice.needsPerson ?? '').split('\n').map(line => `> ${line}`),
      '',
      notice.summary
    ].join('\n')
  }
}

/** The outcome and the first sentence of what needs a person, numbers aside (times, counts). */
function causeKey(notice: Notice): string {
  const first = (notice.needsPerson ?? '').split(/(?<=\.)\s/)[0] ?? ''
  const stable = `${notice.outcome}|${first.replace(/\d+/g, '#')}`
  return createHash('sha256').update(stable).digest('hex').slice(0, 12)
}

interface Marker {
  readonly user: string
  readonly job: string | undefined
  readonly cause: string
  readonly noted: number
}

function markerOf(issue: OpenIssue): Marker | undefined {
  const match = MARKER.exec(issue.body)
  if (!match?.[1] || !match[3] || !match[4]) return undefined
  return { user: match[1], job: match[2], cause: match[3], noted: Date.parse(match[4]) }
}

/** The user's issue, or the one its job opened (or last wrote) before AWS said who it is. */
function isOurs(issue: OpenIssue, user: string, job: string): boolean {
  const marker = markerOf(issue)
  return marker !== undefined && (marker.user === user || marker.job === job)
}

/** Who a run is, before AWS says: its repository, workflow and job, and the user it was given. */
export interface JobParts {
  readonly repository: string
  readonly workflow: string
  readonly job: string
  readonly iamUserName: string | undefined
  /** A matrix's jobs share a name: their targets tell them apart. */
  readonly targets: readonly string[]
}

export function jobIdentity(parts: JobParts): string {
  const text = JSON.stringify([
    parts.repository,
    parts.workflow,
    parts.job,
    parts.iamUserName ?? '',
    [...parts.targets].sort()
  ])
  return `job-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`
}
