import type { ListedKey } from '../aws.js'
import { describeError } from '../errors.js'
import { awsErrorCode } from '../aws-errors.js'
import type { Clock } from '../clock.js'
import type { LostStatus, Run } from './run.js'

/**
 * Re-reads, right before a step acts, what it relies on: a person may act between any two
 * requests. IAM is eventually consistent (AWS: a change "takes time to become visible from all
 * possible endpoints"), so a key missing or inactive moments after it was seen active is read
 * again over a few seconds before it counts as lost; until then it is unknown, never evidence.
 */
export type KeyCheck =
  | { readonly kind: 'active' }
  | { readonly kind: 'lost'; readonly status: LostStatus }
  | { readonly kind: 'unknown'; readonly reason: string }

/** IAM's reads may lag its writes by a second or two: a surprising read is read again after these. */
const READ_AGAIN_PAUSES_MS = [1_000, 2_000]

/**
 * Reads until `settled` accepts the answer or the pauses run out, and returns the last answer.
 * `readFirst: false` when the first read was already made (the plan's): it waits before each.
 */
export async function readAgain<T>(
  clock: Clock,
  read: () => Promise<T>,
  settled: (answer: T) => boolean,
  { readFirst = true } = {}
): Promise<T> {
  const pauses = readFirst ? [0, ...READ_AGAIN_PAUSES_MS] : READ_AGAIN_PAUSES_MS
  let answer: T | undefined
  for (const pause of pauses) {
    if (pause > 0) await clock.sleep(pause)
    answer = await read()
    if (settled(answer)) return answer
  }
  return answer as T
}
interface Listing {
  readonly keys: Promise<ListedKey[]>
  /** The access key id that signed the listing: a rejection is evidence only against it. */
  readonly signerKeyId: string
  settled: boolean
}

interface Read {
  readonly keys: ListedKey[] | Error
  readonly signerKeyId: string
}

const listings = new WeakMap<Run, Listing>()

/**
 * Whether `keyId` is still active, as IAM shows it now (confirmed when it seems lost). `shared`:
 * a listing already in flight will do (the fan-out's writers, checking before each pair).
 */
export async function checkKey(run: Run, keyId: string, shared = false): Promise<KeyCheck> {
  // A re-read after a pause never shares a listing started before it: that one has settled.
  return readAgain(
    run.context.clock,
    async () => verdict(await listing(run, !shared), keyId),
    check => check.kind !== 'lost'
  )
}

async function listing(run: Run, fresh: boolean): Promise<Read> {
  const cached = listings.get(run)
  // Writers that ask while a listing is in flight share it: it started after their last pair.
  if (!fresh && cached && !cached.settled) return settle(cached)
  const { aws, keyId } = run.recheckSigner ?? {
    aws: run.context.aws,
    keyId: run.context.signing.accessKeyId
  }
  const entry: Listing = { keys: aws.recheckKeys(run.user), signerKeyId: keyId, settled: false }
  listings.set(run, entry)
  try {
    return await settle(entry)
  } finally {
    entry.settled = true
  }
}

async function settle(entry: Listing): Promise<Read> {
  const keys = await entry.keys.catch(asError)
  return { keys, signerKeyId: entry.signerKeyId }
}

function verdict({ keys, signerKeyId }: Read, keyId: string): KeyCheck {
  // AWS rejecting the key that signed the listing, again and again, is evidence against that
  // key; a rejection of other credentials (a role's session) says nothing of the key checked.
  if (
    keys instanceof Error &&
    signerKeyId === keyId &&
    awsErrorCode(keys) === 'InvalidClientTokenId'
  ) {
    return { kind: 'lost', status: 'rejected' }
  }
  if (keys instanceof Error) return { kind: 'unknown', reason: describeError(keys) }
  const key = keys.find(listed => listed.id === keyId)
  if (!key) return { kind: 'lost', status: 'deleted' }
  return key.status === 'Active' ? { kind: 'active' } : { kind: 'lost', status: 'Inactive' }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

/** One read of a key's status now, no confirmation: for a step about to change that key. */
export async function statusNow(
  run: Run,
  keyId: string
): Promise<'Active' | 'Inactive' | 'deleted' | Error> {
  const { keys } = await listing(run, true)
  if (keys instanceof Error) return keys
  return keys.find(listed => listed.id === keyId)?.status ?? 'deleted'
}

/** What happened to a lost key, for messages. */
export function lostWord(check: Extract<KeyCheck, { kind: 'lost' }>): string {
  if (check.status === 'rejected') return 'no longer accepted by AWS (deactivated or deleted)'
  return check.status === 'Inactive' ? 'inactive' : 'deleted'
}
