import * as core from '@actions/core'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAuditAws } from '../aws.js'
import type { GitHub } from '../github.js'
import { someOf } from '../format.js'
import { systemClock } from '../clock.js'
import type { Settings } from '../settings.js'
import type { AuditedUser } from './findings.js'
import type { AuditSettings } from './inputs.js'
import { auditSummary, countsOf, failuresOf, reportJson } from './render.js'
import { runAudit } from './run.js'

const REPORT_FILE = 'rotate-aws-access-keys-audit.json'

/** The audit mode: read every user in scope, report, and fail only on the findings asked for. */
export async function auditFleet(
  settings: Settings,
  audit: AuditSettings,
  github: () => Promise<GitHub>
): Promise<void> {
  const aws = createAuditAws(settings.awsRegion, settings.requestTimeoutMs)
  const signing = await aws.signingCredentials()
  core.setSecret(signing.secretAccessKey)
  if (signing.sessionToken) core.setSecret(signing.sessionToken)
  const ports = {
    aws,
    github: await github(),
    now: () => systemClock.now(),
    notice: (message: string) => core.notice(message)
  }
  const result = await runAudit(ports, settings, audit)
  const json = reportJson(result, audit, settings.maxAgeMs)
  const file = join(process.env.RUNNER_TEMP || tmpdir(), REPORT_FILE)
  await writeFile(file, `${json}\n`)
  core.setOutput('audit-report', json)
  core.setOutput('audit-report-file', file)
  core.setOutput('audit-counts', JSON.stringify(countsOf(result.users)))
  if (process.env.GITHUB_STEP_SUMMARY)
    await core.summary.addRaw(auditSummary(result, audit)).write()
  const counts = countsOf(result.users)
  core.info(
    `Audit: ${counts.users} user(s) read, ${counts.users - counts.clean} with findings; report in ${file}.`
  )
  const unread = result.users.flatMap(user =>
    user.error === undefined ? [] : [`${user.userName} (${user.error})`]
  )
  if (unread.length > 0) {
    core.warning(`Audit: could not read ${unread.length} user(s): ${someOf(unread, 10, '; ')}`)
  }
  tellWhatWasUnknown(result.users)
  const failures = failuresOf(result.users, audit.failOn).map(
    ({ finding, users }) => `${finding} (${users.length}: ${someOf(users, 10)})`
  )
  // A user that could not be read cannot be vouched for: a scheduled audit turns red.
  if (audit.failOn.length > 0 && unread.length > 0) {
    failures.push(`unreadable (${unread.length}: ${someOf(unread, 10)})`)
  }
  if (failures.length > 0) {
    core.setFailed(
      `Audit: findings that audit-fail-on names: ${failures.join('; ')}. The step summary says what to do for each user.`
    )
  }
}

/** Reads that were refused cost the report a column: one notice each, saying what enables it. */
function tellWhatWasUnknown(users: readonly AuditedUser[]): void {
  const read = users.filter(user => user.error === undefined)
  const noQuarantine = read.filter(user => user.quarantine === 'unknown').length
  if (noQuarantine > 0) {
    core.notice(
      `Audit: could not check AWS's quarantine of ${noQuarantine} user(s): grant iam:ListAttachedUserPolicies (policies/admin-rotation.json has it).`
    )
  }
  const noWorkflow = read.filter(user => user.workflow?.state === 'unreadable').length
  if (noWorkflow > 0) {
    core.notice(
      `Audit: could not tell whether the workflow of ${noWorkflow} user(s) still runs: give the token "Actions: read" on the repositories of their last runs.`
    )
  }
}
