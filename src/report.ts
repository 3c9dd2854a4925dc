import { formatDuration } from './duration.js'
import type { ApplyResult } from './apply.js'
import { age, isoTime, keyLabel } from './format.js'
import { describeStep, quietPeriod, type Plan } from './plan.js'
import type { MarkState } from './marks.js'
import type { Settings } from './settings.js'
import type { SmokeOutcome } from './smoke/workflow.js'
import type { KeyState, Snapshot } from './snapshot.js'
import { leakLines, leakOutputs, type LeakOutputs } from './leaks/report.js'
import { redactUrls } from './redact.js'
import { apiText } from './untrusted.js'

export interface Outputs extends LeakOutputs {
  readonly rotated: string
  readonly 'access-key-id': string
  readonly 'previous-access-key-id': string
  readonly 'deactivated-access-key-ids': string
  readonly 'deleted-access-key-ids': string
  readonly 'reactivated-access-key-ids': string
  readonly 'smoke-run-url': string
  readonly 'smoke-conclusion': string
  readonly plan: string
}

export interface Report {
  readonly outputs: Outputs
  readonly summary: string
  /** The summary's title: the run's outcome in a few words. */
  readonly outcome: string
  /**
   * What a person must act on (a refusal, a failure, a missing permission), in the summary's
   * words; undefined when nothing needs one. A change in it is a new cause.
   */
  readonly needsPerson: string | undefined
}

export interface KeyRow {
  readonly id: string
  readonly status: string
  readonly createdAt: number
  readonly lastUsed: string
  readonly note: string
  /** The action's mark on the key, when it has one: its state and since when. */
  readonly state?: MarkState
  readonly stateAt?: number
}

type NextSettings = Pick<Settings, 'maxAgeMs' | 'deactivateAfterMs' | 'deleteAfterMs'>

/** What the report is built from: the run's facts, never a secret. */
/** What the report reads of a run's result: the key the targets hold by its id, no secret. */
export type ReportedResult = Omit<ApplyResult, 'current'> & {
  readonly currentKeyId?: string
  /** Never here: a result with the secret must go through reportedResult. */
  readonly current?: never
}

/** The result without the secret of the key the targets hold: the report needs only its id. */
export function reportedResult(result: ApplyResult): ReportedResult {
  const { current, ...rest } = result
  return current ? { ...rest, currentKeyId: current.accessKeyId } : rest
}

export interface ReportInput {
  snapshot: Snapshot
  plan: Plan
  result: ReportedResult | undefined
  dryRun: boolean
  now: number
  targets: readonly string[]
  settings: Pick<Settings, 'maxAgeMs' | 'deactivateAfterMs' | 'deleteAfterMs'>
}

/** Builds outputs and the step summary. Key ids appear in full only in outputs. */
export function buildReport(input: ReportInput): Report {
  const { plan, result } = input
  const currentKeyId =
    result?.currentKeyId ?? (result?.rotated ? result.createdKeyId : plan.currentKeyId)
  return {
    outputs: outputsOf(input, currentKeyId),
    summary: summaryOf(input, currentKeyId).join('\n'),
    outcome: outcomeOf(input),
    needsPerson: needsPerson(input)
  }
}

/** Waiting for another run this long means that run is stuck: a person must look. */
const STUCK_AFTER_MS = 24 * 3_600_000

/** A run no one watches must still reach someone: these wait for a person, run after run. */
function needsPerson(input: ReportInput): string | undefined {
  const { plan, result } = input
  if (input.dryRun) return undefined
  if (plan.waiting) {
    const since = plan.waitingSince ?? input.now
    if (input.now - since < STUCK_AFTER_MS) return undefined
    return `Waiting for another run for ${age(input.now - since)}, longer than a rotation can take: ${plan.waiting} If GitHub still shows that run going, cancel it.`
  }
  if (result?.yielded) return undefined
  // A plan's warnings (a leak left to a person, a retired key still in use, a blocked slot)
  // repeat on every run until someone acts.
  const causes = [
    plan.refusal,
    result?.failure?.message,
    ...(result?.permissionProblems ?? []),
    ...(plan.warnings ?? [])
  ]
  const told = causes.filter((cause): cause is string => cause !== undefined)
  return told.length > 0 ? told.join('\n\n') : undefined
}

/** The action's outputs: full key ids, and the plan as JSON for later steps. */
function outputsOf(input: ReportInput, currentKeyId: string | undefined): Outputs {
  const { snapshot, plan, result } = input
  const rotation = plan.steps.find(step => step.kind === 'rotate')
  return {
    rotated: String(result?.rotated ?? false),
    'access-key-id': currentKeyId ?? '',
    'previous-access-key-id': result?.rotated && rotation ? (rotation.previousKeyId ?? '') : '',
    'deactivated-access-key-ids': (result?.deactivated ?? []).join(','),
    'deleted-access-key-ids': (result?.deleted ?? []).join(','),
    'reactivated-access-key-ids': (result?.reactivated ?? []).join(','),
    'smoke-run-url': result?.smoke?.run?.htmlUrl ?? '',
    'smoke-conclusion': result?.smoke?.conclusion ?? '',
    ...leakOutputs(snapshot, result),
    plan: JSON.stringify({
      mode: snapshot.mode,
      user: snapshot.userName,
      dryRun: input.dryRun,
      refusal: plan.refusal ?? null,
      waiting: plan.waiting ?? null,
      steps: plan.steps,
      notes: plan.notes,
      warnings: plan.warnings ?? []
    })
  }
}

/** The step summary's lines, section by section; sections with nothing to say are left out. */
function summaryOf(input: ReportInput, currentKeyId: string | undefined): string[] {
  const { snapshot, plan, result, now } = input
  const before = snapshot.keys.map(key => rowOf(key))
  const after = keysAfter(snapshot, result, now)
  const nextBefore = nextActions(before, plan.currentKeyId, input.settings)
  const nextAfter = nextActions(after, currentKeyId, input.settings)
  const lines = headline(input)
  lines.push(...section('Keys before', keyTable(before, nextBefore, now)))
  if (!input.dryRun && !plan.refusal && !plan.waiting)
    lines.push(...section('Keys after', keyTable(after, nextAfter, now)))
  if (plan.steps.length > 0) {
    const steps = plan.steps.map(step => `- ${describeStep(step)}`)
    lines.push(...section(input.dryRun ? 'Planned steps' : 'Steps', steps))
  }
  if (result?.smoke) lines.push(...section('Smoke workflow', [smokeLine(result.smoke)]))
  const leaks = leakLines(snapshot, result)
  if (leaks.length > 0) lines.push(...section('Leaked keys (secret scanning)', leaks))
  lines.push(...targetSections(input.targets, result))
  if (plan.notes.length > 0 || (plan.warnings?.length ?? 0) > 0) {
    const warnings = (plan.warnings ?? []).map(warning => `- **Warning:** ${warning}`)
    lines.push(...section('Decision', [...warnings, ...plan.notes.map(note => `- ${note}`)]))
  }
  const next = whatHappensNext(input.settings, result, now)
  if (next.length > 0)
    lines.push(
      ...section(
        'What happens next',
        next.map(line => `- ${line}`)
      )
    )
  return lines
}

/** A `###` section: its heading, a blank line, its lines and a blank line. */
function section(heading: string, lines: readonly string[]): string[] {
  return [`### ${heading}`, '', ...lines, '']
}

/** The title with the outcome, the user, and why the run refused, waited or failed. */
function headline(input: ReportInput): string[] {
  const { snapshot, plan, result } = input
  const lines = [
    `## AWS access key rotation: ${outcomeOf(input)}`,
    '',
    `IAM user \`${snapshot.userName}\` (${snapshot.mode === 'self' ? 'self-rotation' : 'admin'} mode).`,
    ''
  ]
  if (plan.refusal) lines.push(`> ${plan.refusal}`, '')
  if (plan.waiting) lines.push(`> ${plan.waiting}`, '')
  if (result?.yielded) lines.push(`> ${result.yielded}`, '')
  if (result?.failure) lines.push(`> ${result.failure.message}`, '')
  for (const problem of result?.permissionProblems ?? []) lines.push(`> ${problem}`, '')
  return lines
}

/** The run's outcome in a few words; the first that holds wins. */
function outcomeOf(input: ReportInput): string {
  const { plan, result } = input
  if (plan.waiting || result?.yielded)
    return 'Another run is rotating this key: nothing was changed'
  if (plan.refusal) return 'Refused: nothing was changed'
  if (result?.failure) return 'Failed'
  if (input.dryRun) return 'Dry run: nothing was changed'
  // The run exits 1 for a missing permission: the title must not read as a plain success.
  if ((result?.permissionProblems.length ?? 0) > 0) {
    return result?.rotated
      ? 'Rotated, but a permission is missing'
      : 'Done, but a permission is missing'
  }
  if (result?.rotated) return 'Rotated'
  if ((result?.reactivated.length ?? 0) > 0) return 'Previous key reactivated'
  if (plan.steps.some(step => step.kind === 'restore' && step.abandonedStatus)) {
    return 'Restored: every target holds the working key again'
  }
  return plan.steps.length > 0 ? 'Cleaned up' : 'Nothing due'
}

/** Whether the smoke run passed, with a link to it, its conclusion and how long it took. */
function smokeLine(smoke: SmokeOutcome): string {
  const run = smoke.run ? `[run ${smoke.run.id}](${smoke.run.htmlUrl})` : 'no run found'
  return `${smoke.conclusion === 'success' ? 'Passed' : 'Did not pass'}: ${run}, ${smoke.conclusion}, ${formatDuration(smoke.elapsedMs)}.`
}

/** Every target, written or not, then the ones that failed and why. */
function targetSections(targets: readonly string[], result: ReportedResult | undefined): string[] {
  const written = result?.written ?? []
  const lines = section(
    'Targets',
    targets.map(
      target => `- ${target}: ${written.includes(target) ? 'written this run' : 'unchanged'}`
    )
  )
  const failed = result?.targetFailures ?? []
  if (failed.length > 0) {
    lines.push(
      ...section(
        `Targets not written (${failed.length})`,
        failed.map(failure => `- ${failure}`)
      )
    )
  }
  return lines
}

function whatHappensNext(
  settings: Pick<Settings, 'maxAgeMs' | 'deactivateAfterMs' | 'deleteAfterMs'>,
  result: ReportedResult | undefined,
  now: number
): string[] {
  if (!result || result.failure) return []
  const lines: string[] = []
  if (result.rotated && result.currentKeyId !== undefined) {
    lines.push(
      `The next rotation is due at ${isoTime(now + settings.maxAgeMs)} (max-age); a scheduled run after that rotates.`
    )
    if (result.deactivated.length === 0) {
      lines.push(
        `The previous key stays active until ${isoTime(now + settings.deactivateAfterMs)} (deactivate-after); the first run after that deactivates it.`
      )
    }
  }
  for (const keyId of result.setAside) {
    lines.push(
      `${keyLabel(keyId)} was set aside as an orphan (a run made it and never marked it, so no target holds it): inactive, deleted by the first run after ${isoTime(now + settings.deleteAfterMs)} (delete-after), and until then no rotation starts. If a person made it, make it active again in the IAM console (Access keys, Actions, Activate): the action then treats it as theirs.`
    )
  }
  for (const keyId of result.deactivated.filter(id => !result.setAside.includes(id))) {
    lines.push(
      `${keyLabel(keyId)} is inactive; the first run after ${isoTime(now + settings.deleteAfterMs)} deletes it (delete-after). Until then, if something still needs it, a run with reactivate-previous (or a person in the IAM console) can make it active again.`
    )
  }
  return lines
}

function rowOf(key: KeyState): KeyRow {
  const ours = key.mark.kind === 'ours' ? key.mark.mark : undefined
  const mark = ours
    ? `${ours.state}${ours.orphan ? ' (orphan)' : ''} since ${isoTime(ours.at)}`
    : 'not created by this action'
  return {
    ...(ours ? { state: ours.state, stateAt: ours.at } : {}),
    id: key.id,
    status: key.status,
    createdAt: key.createdAt,
    lastUsed: key.lastUsed
      ? `${isoTime(key.lastUsed.at)} (${apiText(key.lastUsed.service)}, ${apiText(key.lastUsed.region)})`
      : 'never',
    note: mark
  }
}

function keysAfter(snapshot: Snapshot, result: ReportedResult | undefined, now: number): KeyRow[] {
  const rows = snapshot.keys
    .filter(key => !result?.deleted.includes(key.id))
    .map(key => {
      const row = rowOf(key)
      if (result?.deactivated.includes(key.id))
        return {
          ...row,
          status: 'Inactive',
          note: result.setAside.includes(key.id)
            ? 'set aside this run (orphan)'
            : 'retired this run',
          state: 'retired' as const,
          stateAt: now
        }
      if (result?.reactivated.includes(key.id))
        return {
          ...row,
          status: 'Active',
          note: 'reactivated this run',
          state: 'reactivated' as const,
          stateAt: now
        }
      return row
    })
  if (result?.createdKeyId && !result.deleted.includes(result.createdKeyId)) {
    rows.push({
      id: result.createdKeyId,
      status: 'Active',
      createdAt: now,
      lastUsed: 'by this run',
      note: result.rotated ? 'created and distributed this run' : 'created this run',
      ...(result.rotated ? { state: 'active' as const, stateAt: now } : {})
    })
  }
  return rows
}

function keyTable(rows: readonly KeyRow[], next: readonly string[], now: number): string[] {
  if (rows.length === 0) return ['(none)']
  return [
    '| key | status | age | last used | state | next |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (row, index) =>
        `| ${keyLabel(row.id)} | ${row.status} | ${age(now - row.createdAt)} | ${row.lastUsed} | ${row.note} | ${next[index] ?? ''} |`
    )
  ]
}

/** What a later run will do with each key, and from when (the planner decides; this tells). */
function nextActions(
  rows: readonly KeyRow[],
  currentKeyId: string | undefined,
  settings: NextSettings
): string[] {
  const current = rows.find(row => row.id === currentKeyId)
  return rows.map(row => {
    if (row.state === 'pending') return 'finished or undone by the next run'
    if (row.status === 'Inactive') {
      return (row.state === 'retired' || row.state === 'reactivated') && row.stateAt !== undefined
        ? `deleted after ${isoTime(row.stateAt + settings.deleteAfterMs)}`
        : 'kept until a person deletes it'
    }
    if (row.id === currentKeyId) {
      return settings.maxAgeMs === 0
        ? 'rotated by the next run'
        : `rotated after ${isoTime(row.createdAt + settings.maxAgeMs)}`
    }
    if (row.state === 'reactivated') {
      return `deactivated once unused for ${age(quietPeriod(settings))}`
    }
    return current?.state === 'active' && current.stateAt !== undefined
      ? `deactivated after ${isoTime(current.stateAt + settings.deactivateAfterMs)}`
      : 'deactivated by a later run'
  })
}

/** How far a run got before it failed without its report. */
export type FailureStage = 'inputs' | 'observe' | 'preflight' | 'apply'

const WHAT_TO_DO: Record<FailureStage, string> = {
  inputs:
    "No request reached AWS or GitHub. Fix the input the message names in the workflow's `with:` block, then run again.",
  observe:
    'Nothing was changed in AWS or GitHub: the run stopped while reading the IAM user and its keys. Fix what the message names (the AWS credentials, a permission, the user), then run again.',
  preflight:
    "Nothing was changed in AWS or GitHub. Fix the token's access or the target the message names; the next run checks again.",
  apply:
    'The run stopped while changing keys or secrets. The next run reads what AWS and the marks show and finishes or undoes what this run left (README: "When something fails").'
}

/**
 * The step summary of a run that failed before it could report its keys: what failed and what to
 * do. `secrets` are cut out and key ids shortened, as in every summary: it must hold no credential.
 */
interface FailureInput {
  stage: FailureStage
  refused: boolean
  message: string
  secrets: readonly string[]
}

/** A run that failed before its report: the summary, and what the issue for a person says. */
export function failureReport(
  input: FailureInput
): Pick<Report, 'summary' | 'outcome' | 'needsPerson'> {
  return {
    summary: failureSummary(input),
    outcome: failureHeading(input),
    needsPerson: redact(input.message, input.secrets)
  }
}

function failureHeading(input: FailureInput): string {
  if (input.refused) return 'Refused: nothing was changed'
  return input.stage === 'apply' ? 'Failed' : 'Failed before any change'
}

export function failureSummary(input: FailureInput): string {
  const heading = failureHeading(input)
  const message = redact(input.message, input.secrets)
  return [
    `## AWS access key rotation: ${heading}`,
    '',
    '### What failed',
    '',
    ...message.split('\n').map(line => `> ${line}`),
    '',
    '### What to do',
    '',
    input.refused
      ? 'Nothing was changed. Do what the message says, then run again.'
      : WHAT_TO_DO[input.stage],
    ''
  ].join('\n')
}

function redact(text: string, secrets: readonly string[]): string {
  const cut = secrets
    .filter(secret => secret.length >= 8)
    .reduce((safe, secret) => safe.split(secret).join('***'), text)
  // A URL's user name, password, query or fragment may hold a credential the run never knew.
  return redactUrls(cut).replace(/\b(?:AKIA|ASIA)[A-Z0-9]{12,124}\b/g, keyLabel)
}
