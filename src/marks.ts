/**
 * The action's memory: an IAM user tag whose key is the access key id (the console shows it as
 * the key's description). One line of `key=value` words within IAM's tag value rules (at most
 * 256 characters of letters, digits, spaces and `_ . : / = + - @`), so no JSON:
 *
 *   rotate-aws-access-keys v1 state=pending at=2026-11-22T23:37:06Z run=123.1 prev=AKIA...
 *     until=2026-11-23T00:26:06Z repo=o/r
 *
 * pending: created by run `run`, not yet written to every target (prev is the key it replaces)
 * active:  written to every target at `at`; prev is still active until deactivate-after passes.
 *   With `smoke=due` (or `smoke=failed`) the smoke workflow has not passed yet: prev stays
 *   active until it does
 * retired: deactivated by the action at `at`; deleted once delete-after has passed. With
 *   `orphan=yes` it is a key a run made and died before marking: set aside, never used for a slot
 * reactivated: a retired key made active again at `at` (reactivate-previous, or by hand in the
 *   console), because something still uses it
 *
 * One more tag per run, its intent (keyed `rotate-aws-access-keys:intent:RUN.ATTEMPT.NONCE`), is
 * written just before CreateAccessKey with state=creating: a run killed between creating a key
 * and marking it leaves that behind, so the next run can tell the unmarked key is the action's
 * own and that no target ever got it. The key is the run's alone, so the run removes it without
 * reading it back first: IAM's reads may lag its writes. Earlier releases wrote one shared
 * intent tag, LEGACY_INTENT_TAG_KEY, removed only while it still read the remover's value.
 */
import { isoTime } from './format.js'

export type MarkState = 'creating' | 'pending' | 'active' | 'retired' | 'reactivated'

/** The one intent tag of earlier releases. */
export const LEGACY_INTENT_TAG_KEY = 'rotate-aws-access-keys'
const INTENT_KEY_PREFIX = 'rotate-aws-access-keys:intent:'

/** A run's own intent tag key; `nonce` keeps two jobs of one run apart. */
export function intentTagKey(run: { runId: string; attempt: string }, nonce: string): string {
  return `${INTENT_KEY_PREFIX}${run.runId}.${run.attempt}.${nonce}`
}

export function isIntentTagKey(tagKey: string): boolean {
  return tagKey === LEGACY_INTENT_TAG_KEY || tagKey.startsWith(INTENT_KEY_PREFIX)
}

export interface Mark {
  readonly state: MarkState
  /** When the state was entered, ms since the epoch. */
  readonly at: number
  readonly runId?: string
  readonly runAttempt?: string
  readonly repository?: string
  readonly previousKeyId?: string
  /** An active key whose smoke gate has not passed: due (not run yet) or failed. */
  readonly smoke?: SmokeState
  /**
   * A retired key that a run made and died before marking: the evidence is strong, not certain,
   * so it is deleted only after delete-after, never early for a slot.
   */
  readonly orphan?: true
  /**
   * Until when the run that wrote the mark may still be working on the key (verifying, writing,
   * gating), by its own settings: no other run undoes the key before then while GitHub shows
   * that run going. Absent in marks of earlier releases.
   */
  readonly until?: number
}

type SmokeState = 'due' | 'failed'

export type MarkReading =
  | { readonly kind: 'none' }
  | { readonly kind: 'ours'; readonly mark: Mark }
  | { readonly kind: 'unreadable'; readonly reason: string }

const PREFIX = 'rotate-aws-access-keys'
const VERSION = 'v1'
const MAX_LENGTH = 256
const ALLOWED = /^[A-Za-z0-9 _.:/=+\-@]*$/
const STATES: readonly MarkState[] = ['creating', 'pending', 'active', 'retired', 'reactivated']

export function writeMark(mark: Mark): string {
  const words = [PREFIX, VERSION, `state=${mark.state}`, `at=${isoSeconds(mark.at)}`]
  if (mark.runId !== undefined) words.push(`run=${mark.runId}.${mark.runAttempt ?? '1'}`)
  if (mark.previousKeyId !== undefined) words.push(`prev=${mark.previousKeyId}`)
  if (mark.smoke !== undefined) words.push(`smoke=${mark.smoke}`)
  if (mark.orphan) words.push('orphan=yes')
  if (mark.until !== undefined) words.push(`until=${isoSeconds(mark.until)}`)
  const withoutRepository = words.join(' ')
  const repository = mark.repository?.replace(/[^A-Za-z0-9_.:/=+\-@]/g, '_')
  // The repository only helps a reader (run ids are unique across GitHub): drop it rather than
  // exceed the limit.
  const full = repository ? `${withoutRepository} repo=${repository}` : withoutRepository
  const text = full.length <= MAX_LENGTH ? full : withoutRepository
  if (!ALLOWED.test(text) || text.length > MAX_LENGTH) {
    throw new Error(`mark would break IAM's tag value rules: ${text}`)
  }
  return text
}

export function readMark(tagValue: string | undefined): MarkReading {
  if (tagValue === undefined) return { kind: 'none' }
  const words = tagValue.trim().split(/\s+/)
  if (words[0] !== PREFIX) return { kind: 'none' }
  if (words[1] !== VERSION) {
    return {
      kind: 'unreadable',
      reason: `written by another version of this action (${words[1] ?? 'no version'})`
    }
  }
  // The prefix and the version hold no `=`: every word is looked at.
  const fields = new Map<string, string>()
  for (const word of words) {
    const split = word.indexOf('=')
    // Stryker disable next-line EqualityOperator: a word starting with = sets the key '', never read
    if (split > 0) fields.set(word.slice(0, split), word.slice(split + 1))
  }
  const state = fields.get('state') ?? ''
  if (!isMarkState(state)) {
    return { kind: 'unreadable', reason: `unknown state '${state}'` }
  }
  const atText = fields.get('at') ?? ''
  const at = Date.parse(atText)
  if (Number.isNaN(at)) {
    return { kind: 'unreadable', reason: `unreadable time '${atText}'` }
  }
  const mark: {
    -readonly [K in keyof Mark]: Mark[K]
  } = { state, at }
  const [, runId, runAttempt] = fields.get('run')?.match(/^(\d+)\.(\d+)$/) ?? []
  // Stryker disable next-line ConditionalExpression,LogicalOperator: both groups match or neither
  if (runId !== undefined && runAttempt !== undefined) {
    mark.runId = runId
    mark.runAttempt = runAttempt
  }
  const previousKeyId = fields.get('prev')
  if (previousKeyId) mark.previousKeyId = previousKeyId
  const repository = fields.get('repo')
  if (repository) mark.repository = repository
  const smoke = fields.get('smoke')
  if (smoke !== undefined) {
    if (smoke !== 'due' && smoke !== 'failed') {
      return { kind: 'unreadable', reason: `unknown smoke state '${smoke}'` }
    }
    mark.smoke = smoke
  }
  if (fields.get('orphan') === 'yes') mark.orphan = true
  const untilText = fields.get('until')
  if (untilText !== undefined) {
    const until = Date.parse(untilText)
    if (Number.isNaN(until)) return { kind: 'unreadable', reason: `unreadable time '${untilText}'` }
    mark.until = until
  }
  return { kind: 'ours', mark }
}

function isMarkState(text: string): text is MarkState {
  return (STATES as readonly string[]).includes(text)
}

function isoSeconds(ms: number): string {
  return isoTime(Math.floor(ms / 1000) * 1000)
}

/**
 * The keys a user held when a run first saw AWS's quarantine on it: they count as exposed, and
 * keys made after (the replacements) do not, while the policy stays attached.
 */
export const QUARANTINE_TAG_KEY = 'rotate-aws-access-keys:quarantine'

export interface QuarantineRecord {
  readonly seenAt: number
  readonly keyIds: readonly string[]
}

export function writeQuarantineRecord(record: QuarantineRecord): string {
  const keys = record.keyIds.length > 0 ? record.keyIds.join(',') : 'none'
  return `${PREFIX} ${VERSION} seen=${isoSeconds(record.seenAt)} keys=${keys}`
}

/** Undefined when absent or not in this format: the run then records afresh. */
export function readQuarantineRecord(tagValue: string | undefined): QuarantineRecord | undefined {
  const match = /^rotate-aws-access-keys v1 seen=(\S+) keys=(\S+)$/.exec(tagValue?.trim() ?? '')
  const seenAt = Date.parse(match?.[1] ?? '')
  if (!match?.[2] || Number.isNaN(seenAt)) return undefined
  return { seenAt, keyIds: match[2] === 'none' ? [] : match[2].split(',') }
}
