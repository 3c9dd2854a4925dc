import { formatDuration } from './duration.js'
import type { ApplyResult } from './apply.js'
import { age, isoTime, keyLabel } from './format.js'
import { describeStep, quietPeriod, type Plan } from './plan.js'
import type { MarkState } from './marks.js'
import type { Settings } from './settings.js'
import type { KeyState, Snapshot } from './snapshot.js'

export interface Outputs {
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

/** Builds outputs and the step summary. Key ids appear in full only in outputs. */
export function buildReport(input: {
  snapshot: Snapshot
  plan: Plan
  result: ApplyResult | undefined
  dryRun: boolean
  now: number
  targets: readonly string[]
  settings: Pick<Settings, 'maxAgeMs' | 'deactivateAfterMs' | 'deleteAfterMs'>
}): Report {
  const { snapshot, plan, result, now } = input
  const rotation = plan.steps.find(step => step.kind === 'rotate')
  const currentKeyId =
    result?.current?.accessKeyId ?? (result?.rotated ? result.createdKeyId : plan.currentKeyId)
  const outputs: Outputs = {
    rotated: String(result?.rotated ?? false),
    'access-key-id': currentKeyId ?? '',
    'previous-access-key-id': result?.rotated && rotation ? (rotation.previousKeyId ?? '') : '',
    'deactivated-access-key-ids': (result?.deactivated ?? []).join(','),
    'deleted-access-key-ids': (result?.deleted ?? []).join(','),
    'reactivated-access-key-ids': (result?.reactivated ?? []).join(','),
    'smoke-run-url': result?.smoke?.run?.htmlUrl ?? '',
    'smoke-conclusion': result?.smoke?.conclusion ?? '',
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

  const before = snapshot.keys.map(key => rowOf(key))
  const after = keysAfter(snapshot, result, now)
  const nextBefore = nextActions(before, plan.currentKeyId, input.settings)
  const nextAfter = nextActions(after, currentKeyId, input.settings)
  const lines: string[] = []
  const outcome =
    plan.waiting || result?.yielded
      ? 'Another run is rotating this key: nothing was changed'
      : plan.refusal
        ? 'Refused: nothing was changed'
        : result?.failure
          ? 'Failed'
          : input.dryRun
            ? 'Dry run: nothing was changed'
            : result?.rotated
              ? 'Rotated'
              : (result?.reactivated.length ?? 0) > 0
                ? 'Previous key reactivated'
                : plan.steps.length > 0
                  ? 'Cleaned up'
                  : 'Nothing due'
  lines.push(`## AWS access key rotation: ${outcome}`, '')
  lines.push(
    `IAM user \`${snapshot.userName}\` (${snapshot.mode === 'self' ? 'self-rotation' : 'admin'} mode).`,
    ''
  )
  if (plan.refusal) lines.push(`> ${plan.refusal}`, '')
  if (plan.waiting) lines.push(`> ${plan.waiting}`, '')
  if (result?.yielded) lines.push(`> ${result.yielded}`, '')
  if (result?.failure) lines.push(`> ${result.failure.message}`, '')
  lines.push('### Keys before', '', ...keyTable(before, nextBefore, now), '')
  if (!input.dryRun && !plan.refusal && !plan.waiting)
    lines.push('### Keys after', '', ...keyTable(after, nextAfter, now), '')
  if (plan.steps.length > 0) {
    lines.push(input.dryRun ? '### Planned steps' : '### Steps', '')
    for (const step of plan.steps) lines.push(`- ${describeStep(step)}`)
    lines.push('')
  }
  const smoke = result?.smoke
  if (smoke) {
    const run = smoke.run ? `[run ${smoke.run.id}](${smoke.run.htmlUrl})` : 'no run found'
    lines.push(
      '### Smoke workflow',
      '',
      `${smoke.conclusion === 'success' ? 'Passed' : 'Did not pass'}: ${run}, ${smoke.conclusion}, ${formatDuration(smoke.elapsedMs)}.`,
      ''
    )
  }
  const written = result?.written ?? []
  lines.push('### Targets', '')
  for (const target of input.targets) {
    lines.push(`- ${target}: ${written.includes(target) ? 'written this run' : 'unchanged'}`)
  }
  lines.push('')
  const failed = result?.targetFailures ?? []
  if (failed.length > 0) {
    lines.push(`### Targets not written (${failed.length})`, '')
    for (const failure of failed) lines.push(`- ${failure}`)
    lines.push('')
  }
  if (plan.notes.length > 0 || (plan.warnings?.length ?? 0) > 0) {
    lines.push('### Decision', '')
    for (const warning of plan.warnings ?? []) lines.push(`- **Warning:** ${warning}`)
    for (const note of plan.notes) lines.push(`- ${note}`)
    lines.push('')
  }
  const next = whatHappensNext(input.settings, result, now)
  if (next.length > 0) {
    lines.push('### What happens next', '')
    for (const line of next) lines.push(`- ${line}`)
    lines.push('')
  }
  return { outputs, summary: lines.join('\n') }
}

function whatHappensNext(
  settings: Pick<Settings, 'maxAgeMs' | 'deactivateAfterMs' | 'deleteAfterMs'>,
  result: ApplyResult | undefined,
  now: number
): string[] {
  if (!result || result.failure) return []
  const lines: string[] = []
  if (result.rotated && result.current) {
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
      ? `${isoTime(key.lastUsed.at)} (${key.lastUsed.service}, ${key.lastUsed.region})`
      : 'never',
    note: mark
  }
}

function keysAfter(snapshot: Snapshot, result: ApplyResult | undefined, now: number): KeyRow[] {
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
export function failureSummary(input: {
  stage: FailureStage
  refused: boolean
  message: string
  secrets: readonly string[]
}): string {
  const heading = input.refused
    ? 'Refused: nothing was changed'
    : input.stage === 'apply'
      ? 'Failed'
      : 'Failed before any change'
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
  return cut.replace(/\b(?:AKIA|ASIA)[A-Z0-9]{12,124}\b/g, keyLabel)
}
