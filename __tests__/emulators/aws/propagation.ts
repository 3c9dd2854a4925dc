/**
 * IAM's eventual consistency, both ways it shows (FACTS.md, "AWS"):
 * - a new access key is not usable at once: until it has propagated, STS and IAM answer
 *   InvalidClientTokenId, and STS accepting it does not mean IAM does (the acceptance rule);
 * - a change "takes time to become visible from all possible endpoints", for reads of IAM's own
 *   data too (IAM User Guide, Troubleshooting, "Changes that I make are not always immediately
 *   visible",
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
 *   Only the reads that show a user's keys and tags lag; everything else acts on the truth.
 */
import type { AwsEmulator } from '../aws.js'
import { view, type AccessKey, type Account, type KeyView, type User } from './account.js'
import type { Service } from './query.js'

/**
 * Whether a key created through CreateAccessKey authenticates now. Seeded keys are always
 * propagated; `service` lets a test make STS accept a key that IAM still rejects.
 */
export type AcceptanceRule = (key: KeyView, nowMs: number, service: Service) => boolean

/**
 * How long a new key is refused by default. FACTS.md ("AWS": a new key is not usable at once;
 * until it has propagated STS and IAM answer InvalidClientTokenId, typically for 5 to 10 seconds)
 * says no real rotation meets a key that works at once, so neither does a test unless it opts in
 * (propagationDelayMs: 0). A tenth of a second keeps the suite fast: the action's first probe
 * comes about 30 ms after CreateAccessKey, is refused, and its next poll (250 ms on) succeeds.
 */
export const DEFAULT_PROPAGATION_DELAY_MS = 100

export interface Propagation {
  delayMs: number
  acceptance: AcceptanceRule | undefined
}

/** Whether a key authenticates at `nowMs`: seeded keys always, issued ones once propagated. */
export function accepted(
  propagation: Propagation,
  key: AccessKey,
  nowMs: number,
  service: Service
): boolean {
  if (key.issuedAtMs === undefined) return true
  if (propagation.acceptance) return propagation.acceptance(view(key), nowMs, service)
  return nowMs >= key.issuedAtMs + propagation.delayMs
}

export type KeyMetadata = Pick<AccessKey, 'userName' | 'id' | 'status' | 'createDate'>

/** What ListAccessKeys, ListUserTags and GetUser show of one user. */
export interface UserState {
  keys: KeyMetadata[]
  tags: User['tags']
}

export interface ReadHistory {
  setLag(ms: number): void
  /** Runs a change to a user's keys or tags, remembering the state before and after it. */
  change<T>(userName: string, apply: () => T): T
  /** The user's state as reads see it: the newest one recorded at least the lag ago. */
  visible(userName: string): UserState
  /** A seeded key is visible at once, in every remembered state. */
  seed(key: KeyMetadata): void
  /** Time passed far beyond the lag: every pending change shows. */
  settle(): void
}

/** A usable lag: negative or NaN means none. */
const lagOf = (ms: number) => (ms > 0 ? ms : 0)

export const metadataOf = (k: KeyMetadata): KeyMetadata => ({
  userName: k.userName,
  id: k.id,
  status: k.status,
  createDate: new Date(k.createDate)
})

/** `truth` must return fresh copies: remembered states change only when a key is seeded. */
export function createReadHistory(
  truth: (userName: string) => UserState,
  initialLagMs: number
): ReadHistory {
  let lagMs = lagOf(initialLagMs)
  // Per user, oldest first; the first entry is visible (or the state before any change).
  const history = new Map<string, Array<{ atMs: number; state: UserState }>>()

  /** Drops what newer visible states hide; forgets users whose every change shows. */
  function prune(userName: string, nowMs: number): UserState | undefined {
    const snapshots = history.get(userName)
    if (!snapshots) return undefined
    // Oldest first, so the visible ones lead; keep the newest of them.
    const visibleCount = snapshots.filter(s => s.atMs <= nowMs - lagMs).length
    snapshots.splice(0, Math.max(0, visibleCount - 1))
    if (snapshots.length === 1) history.delete(userName)
    return snapshots[0]?.state
  }

  return {
    setLag(ms) {
      lagMs = lagOf(ms)
      // Nothing is recorded without a lag, so older history would miss changes.
      if (lagMs === 0) history.clear()
    },
    change(userName, apply) {
      if (lagMs === 0) return apply()
      const snapshots = history.get(userName) ?? [{ atMs: -Infinity, state: truth(userName) }]
      history.set(userName, snapshots)
      const result = apply()
      snapshots.push({ atMs: Date.now(), state: truth(userName) })
      prune(userName, Date.now())
      return result
    },
    visible(userName) {
      if (lagMs === 0) return truth(userName)
      return prune(userName, Date.now()) ?? truth(userName)
    },
    seed(key) {
      for (const { state } of history.get(key.userName) ?? []) state.keys.push(metadataOf(key))
    },
    settle() {
      history.clear()
    }
  }
}

type PropagationControls = Pick<
  AwsEmulator,
  'setPropagationDelay' | 'setAcceptance' | 'setReadLag' | 'settleReads'
>

export function propagationControls(account: Account): PropagationControls {
  return {
    setPropagationDelay(ms) {
      account.propagation.delayMs = ms
    },
    setAcceptance(rule) {
      account.propagation.acceptance = rule
    },
    setReadLag(ms) {
      account.reads.setLag(ms)
    },
    settleReads() {
      account.reads.settle()
    }
  }
}
