import { formatDuration } from '../duration.js'
import { isoTime } from '../format.js'
import type { AuditedKey, AuditedUser } from './findings.js'
import { AUDIT_FINDINGS, type AuditFinding, type AuditScope, type AuditSettings } from './inputs.js'
import type { Audit } from './run.js'

export const AUDIT_REPORT_VERSION = 1

/** Users, then users per finding and per rotation state: the audit-counts output. */
export type AuditCounts = Record<'users' | 'unread' | 'inFlight' | 'clean' | AuditFinding, number>

export function countsOf(users: readonly AuditedUser[]): AuditCounts {
  const counts = {
    users: users.length,
    unread: users.filter(user => user.error !== undefined).length,
    inFlight: users.filter(user => user.rotation === 'in flight').length,
    clean: users.filter(user => user.error === undefined && user.findings.length === 0).length
  } as AuditCounts
  for (const finding of AUDIT_FINDINGS) {
    counts[finding] = users.filter(user => user.findings.includes(finding)).length
  }
  return counts
}

/** The JSON report (schemas/audit-report.schema.json): short key ids, never a secret. */
export function reportJson(audit: Audit, settings: AuditSettings, maxAgeMs: number): string {
  return JSON.stringify(
    {
      version: AUDIT_REPORT_VERSION,
      generatedAt: isoTime(audit.generatedAt),
      account: audit.account,
      scope: scopeJson(settings.scope),
      thresholds: {
        maxAge: formatDuration(maxAgeMs),
        unusedAfter: formatDuration(settings.unusedAfterMs)
      },
      counts: countsOf(audit.users),
      users: audit.users
    },
    null,
    2
  )
}

function scopeJson(scope: AuditScope): Record<string, unknown> {
  return scope.kind === 'path' ? { pathPrefix: scope.pathPrefix } : { userNames: scope.names }
}

/** The users whose findings audit-fail-on names, by finding. */
export function failuresOf(
  users: readonly AuditedUser[],
  failOn: readonly AuditFinding[]
): Array<{ finding: AuditFinding; users: string[] }> {
  // Most urgent first, whatever order the input gave.
  return AUDIT_FINDINGS.filter(finding => failOn.includes(finding)).flatMap(finding => {
    const named = users.filter(user => user.findings.includes(finding)).map(user => user.userName)
    return named.length > 0 ? [{ finding, users: named }] : []
  })
}

/** Past this many users the folded details stop: a step summary holds at most 1 MiB. */
const DETAILED_USERS = 1_000

/** The step summary: one line per user, most urgent first, each user's keys folded below. */
export function auditSummary(audit: Audit, settings: AuditSettings): string {
  const counts = countsOf(audit.users)
  const attention = audit.users.filter(user => user.error !== undefined || user.findings.length > 0)
  const lines = [
    `## AWS access keys audit: ${counts.users} user(s), ${attention.length} need attention`,
    '',
    `Account ${audit.account}, ${describeScope(settings.scope)}, at ${isoTime(audit.generatedAt)}. Nothing was changed.`,
    '',
    countLine(counts),
    '',
    '| User | Findings | Keys | Rotation | Next action |',
    '| --- | --- | --- | --- | --- |',
    ...audit.users.map(userRow),
    ''
  ]
  for (const user of audit.users.slice(0, DETAILED_USERS)) lines.push(...userDetails(user))
  if (audit.users.length > DETAILED_USERS) {
    lines.push(
      `Details of ${audit.users.length - DETAILED_USERS} more user(s) are in audit-report.`,
      ''
    )
  }
  return lines.join('\n')
}

function describeScope(scope: AuditScope): string {
  return scope.kind === 'path'
    ? `users under ${scope.pathPrefix}`
    : `${scope.names.length} user(s) named`
}

function countLine(counts: AuditCounts): string {
  const parts = AUDIT_FINDINGS.filter(finding => counts[finding] > 0).map(
    finding => `${finding} ${counts[finding]}`
  )
  if (counts.unread > 0) parts.unshift(`unreadable ${counts.unread}`)
  if (counts.inFlight > 0) parts.push(`in flight ${counts.inFlight}`)
  parts.push(`clean ${counts.clean}`)
  return parts.join(' · ')
}

function userRow(user: AuditedUser): string {
  const findings =
    user.error !== undefined
      ? '**unreadable**'
      : user.findings.map(f => `**${f}**`).join(', ') || '-'
  const keys =
    user.keys
      .map(key => cell(`${key.id} ${key.status === 'Active' ? '' : '(inactive) '}${key.ageDays}d`))
      .join('<br>') || 'none'
  return `| ${cell(user.userName)} | ${findings} | ${keys} | ${user.rotation} | ${cell(shorten(user.next, 200))} |`
}

function userDetails(user: AuditedUser): string[] {
  const rows = user.keys.map(keyRow)
  const workflow = user.workflow
    ? `Last rotated by ${user.workflow.repository} (${user.workflow.path ?? 'workflow unknown'}): ${user.workflow.state}.`
    : 'No run of this action has marked this user.'
  return [
    `<details><summary>${escapeHtml(user.userName)}</summary>`,
    '',
    ...(rows.length > 0
      ? [
          '| Key | Status | Age | Last used | Marked as |',
          '| --- | --- | --- | --- | --- |',
          ...rows,
          ''
        ]
      : []),
    `Quarantine: ${user.quarantine}. ${workflow}`,
    ...(user.alerts.length > 0 ? ['', `Open alerts: ${user.alerts.map(cell).join(', ')}`] : []),
    '',
    `Next: ${cell(user.next)}`,
    '',
    '</details>',
    ''
  ]
}

function keyRow(key: AuditedKey): string {
  const used = key.lastUsed
    ? `${key.lastUsed.at.slice(0, 10)} ${key.lastUsed.service} ${key.lastUsed.region}`
    : 'never'
  return `| ${key.id} | ${key.status} | ${key.ageDays}d | ${cell(used)} | ${key.role} |`
}

/** A table cell: no pipe or line break from text that came from AWS or GitHub. */
function cell(text: string): string {
  return escapeHtml(text)
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}
