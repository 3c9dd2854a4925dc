/**
 * Random overlaps through the bundled action and the emulators (issue 21). A first run rotating
 * the deploy user is held at a generated request: its k-th AWS request, or its k-th secret write
 * (held after the emulator authenticated it, before it takes effect). While it is held, the world
 * moves on by a generated 0 to 7 h (world.advance: what a second run whose clock is that far ahead
 * sees; the first run's own clock does not move), GitHub shows the first run still in progress or
 * completed (then it is dead: killed, and nothing it held reaches the emulators), a person may
 * deactivate or delete the first run's new key, and a second run starts, in either repository.
 * Then the first run goes on (unless dead), and one more run, without faults, heals. IAM's reads
 * may lag its writes by a second (generated), as AWS documents they can.
 *
 * Invariants, read from the emulators, never from what the action says, at every run's end:
 *  1. No torn pair: every target holds the id and the secret of one key (a pair the held first run
 *     has in flight, or a kill cut in half, is its own until it lands or a run writes it again).
 *  2. No target holds an inactive or deleted key after a run that exited 0 without waiting or
 *     yielding, unless a person acted after that run's last request.
 *  3. No key of a live holder touched: while GitHub shows the first run in progress and its hold
 *     (the `until=` of its marks, visible to IAM reads) has not passed, the second run changes
 *     nothing (after a person switched the key off: never touches that key).
 *  4. What a run says about the targets (and the keys) matches the emulators at its end.
 *  5. No secret is printed.
 *  6. The healing run converges: every target holds one active key with its own secret, and any
 *     other active key is the one it replaced (deactivate-after).
 * Replay a failure: PROPERTY_SEED=N PROPERTY_PATH=P; PROPERTY_STORY=1 prints every history,
 * DEBUG_PROPERTY=1 every run's log and summary.
 */
import fc from 'fast-check'
import type { ChildProcess } from 'node:child_process'
import type {
  Interception as AwsInterception,
  InterceptedCall as AwsCall,
  LoggedRequest
} from './emulators/aws.js'
import type {
  Interception as GitHubInterception,
  InterceptedCall as GitHubCall,
  RequestRecord
} from './emulators/github.js'
import { MUTATIONS } from './emulators/fault-matrix.js'
import { propertyRuns } from './emulators/property.js'
import { maskedLog, nodeBinaries, type RunResult } from './emulators/runner.js'
import {
  ID_SECRET,
  KEY_SECRET,
  SECRET_WRITE_PERMISSIONS,
  startWorld,
  TOKEN,
  USER,
  type World
} from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}
const DEFAULT_SEED = 20261207
const HOUR = 3_600_000
const REPOS = ['acme/app', 'acme/api'] // acme/app is the first run's own repository
const FIRST = '7001'
const SECOND = '7002'
/** The first run writes with a token of its own, so its GitHub requests can be told apart. */
const FIRST_TOKEN = 'github_pat_e2e_first_run_token'
/** The wording of a run that waits for another (plan.ts waitFor) or yields to it (rotate.ts). */
const WAITED = /is being rotated by|says run \S+ .*is creating a new key|leaves the rotation to it/
/**
 * A hold that ends this close to the second run's start is left out of invariant 3: the second
 * run may legitimately see it end while it runs.
 */
const HOLD_MARGIN_MS = 60_000

interface RunSettings {
  force: boolean
  deactivateAfter: '0' | '1d'
  budget: '10m' | '2h'
}

interface Scenario {
  readLagMs: 0 | 1000
  propagationDelayMs: number
  first: RunSettings
  /** The first run is held at its k-th AWS request, or at its k-th secret write. */
  pause: { at: 'aws' | 'put'; k: number }
  /** How long after the hold the second run starts (1.3 s: past the read lag). */
  settleMs: 300 | 1300
  /** How far the world moves on while the first run is held: the second run's clock is ahead. */
  offsetMs: number
  /** What GitHub shows of the first run meanwhile; completed: it died (killed). */
  shown: 'in_progress' | 'completed'
  /** A person deactivates or deletes the first run's new key, before or after the second run. */
  person?: { act: 'deactivate' | 'delete'; when: 'before' | 'after' } | undefined
  second: RunSettings & { repo: string }
}

const runSettings = {
  force: fc.boolean(),
  deactivateAfter: fc.constantFrom<RunSettings['deactivateAfter']>('0', '1d'),
  budget: fc.constantFrom<RunSettings['budget']>('10m', '2h')
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  readLagMs: fc.constantFrom<Scenario['readLagMs']>(0, 1000),
  propagationDelayMs: fc.integer({ min: 0, max: 300 }),
  first: fc.record(runSettings),
  pause: fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({ at: fc.constant('aws' as const), k: fc.integer({ min: 1, max: 30 }) })
    },
    {
      weight: 2,
      arbitrary: fc.record({ at: fc.constant('put' as const), k: fc.integer({ min: 1, max: 4 }) })
    }
  ),
  settleMs: fc.constantFrom<Scenario['settleMs']>(300, 1300),
  // Within a hold (27 min with a 10m budget, 2 h 17 min with 2h) as often as past it.
  offsetMs: fc.oneof(
    { weight: 2, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 40 * 60_000 }) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 7 * HOUR }) }
  ),
  shown: fc.oneof(
    { weight: 2, arbitrary: fc.constant<Scenario['shown']>('in_progress') },
    { weight: 1, arbitrary: fc.constant<Scenario['shown']>('completed') }
  ),
  person: fc.option(
    fc.record({
      act: fc.constantFrom<'deactivate' | 'delete'>('deactivate', 'delete'),
      when: fc.constantFrom<'before' | 'after'>('before', 'after')
    }),
    { nil: undefined, freq: 2 }
  ),
  second: fc.record({ ...runSettings, repo: fc.constantFrom(...REPOS) })
})

function inputsOf(settings: RunSettings, extra: Record<string, string> = {}) {
  return {
    'max-age': '30d',
    'delete-after': '7d',
    'verify-timeout': '5s',
    force: String(settings.force),
    'deactivate-after': settings.deactivateAfter,
    'rate-limit-budget': settings.budget,
    ...extra
  }
}

const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))
const label = (id: string) => (id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id)
const ok = (status: number) => status >= 200 && status < 300

/** One run's result, with the requests that were its own. */
interface RunRecord {
  name: string
  result: RunResult
  /** Its secret writes (put-secret records). */
  puts: RequestRecord[]
  /**
   * Something else changed the targets after this run last wrote (or, if it wrote none, after
   * it looked): what it says about the targets cannot be held to the state at its end.
   */
  targetsMovedOn: boolean
  /** Something else changed keys while this run was under way. */
  keysMovedOn: boolean
  /**
   * A person acted while this run was held, and no request of the run reached AWS after that
   * (the held one had passed authentication already): nothing could have told the run.
   */
  personUnseen?: boolean
}

/**
 * Every key's secret, as the emulator showed it whenever anything happened: a deleted key's
 * secret stays known, so a target holding it is still checked for a torn pair.
 */
class Ledger {
  readonly secretOf = new Map<string, string>()
  constructor(private readonly world: World) {
    this.see()
  }
  see(): void {
    for (const key of this.world.aws.keys(USER))
      this.secretOf.set(key.accessKeyId, key.secretAccessKey)
  }
  idOfSecret(secret: string): string | undefined {
    for (const [id, known] of this.secretOf) if (known === secret) return id
    return undefined
  }
}

class Checks {
  constructor(
    private readonly world: World,
    private readonly ledger: Ledger,
    private readonly story: string[]
  ) {}

  private fail(invariant: string, when: string, detail: string): never {
    throw new Error(
      `invariant ${invariant}, ${when}: ${detail}\n  what happened:\n    ${this.story.join('\n    ')}`
    )
  }

  stateOf(repo: string): string {
    const held = this.world.stored(repo)
    return `${held.accessKeyId}\n${held.secretAccessKey}`
  }

  torn(repo: string): boolean {
    const held = this.world.stored(repo)
    return this.ledger.secretOf.get(held.accessKeyId) !== held.secretAccessKey
  }

  /** Invariant 1; `exempt`: a target in exactly the state a kill or a write in flight left. */
  noTornPair(when: string, exempt: ReadonlyMap<string, string> = new Map()): void {
    this.ledger.see()
    for (const repo of REPOS) {
      if (exempt.get(repo) === this.stateOf(repo)) continue
      const held = this.world.stored(repo)
      const secret = this.ledger.secretOf.get(held.accessKeyId)
      if (secret === undefined)
        this.fail('1 (no torn pair)', when, `${repo} holds ${held.accessKeyId}, a key never seen`)
      if (secret !== held.secretAccessKey) {
        const other = this.ledger.idOfSecret(held.secretAccessKey)
        this.fail(
          '1 (no torn pair)',
          when,
          `${repo} holds the id of ${held.accessKeyId} and the secret of ${other ?? 'no key ever seen'}`
        )
      }
    }
  }

  waited(result: RunResult): boolean {
    const plan = parsePlan(result)
    return Boolean(plan?.waiting) || WAITED.test(result.stdout)
  }

  /** Invariant 2. */
  noDeadKeyAfterSuccess(run: RunRecord): void {
    const { result } = run
    if (result.code !== 0 || this.waited(result) || run.personUnseen) return
    const keys = this.world.aws.keys(USER)
    for (const repo of REPOS) {
      const id = this.world.stored(repo).accessKeyId
      const key = keys.find(k => k.accessKeyId === id)
      if (key?.status !== 'Active')
        this.fail(
          '2 (no target holds a dead key after a run that exited 0)',
          `after ${run.name}`,
          `the run exited 0 ("${headline(result)}") and ${repo} holds ${id}, which is ${key ? key.status : 'deleted'}`
        )
    }
  }

  /** Invariant 4: what the run says about the targets (and the keys) is what the emulators hold. */
  messagesTrue(run: RunRecord, readLagMs: number): void {
    const { result, name } = run
    if (result.signal) return
    const when = `after ${name}`
    const keys = this.world.aws.keys(USER)
    const held = REPOS.map(repo => ({ repo, id: this.world.stored(repo).accessKeyId }))
    const statusOf = (id: string) => keys.find(k => k.accessKeyId === id)?.status ?? 'deleted'
    const { visible } = maskedLog(result.stdout)
    // Overlapping runs of one user are all its own writers.
    if (visible.includes('Another writer'))
      this.fail('4 (messages match the emulators)', when, 'a run warned of another writer')
    if (!run.targetsMovedOn) {
      const claim = lastClaim(visible)
      if (claim) {
        const wrong = held.filter(h => label(h.id) !== claim.label)
        if (wrong.length > 0)
          this.fail(
            '4 (messages match the emulators)',
            when,
            `the run says "${claim.text}", but ${wrong.map(w => `${w.repo} holds ${label(w.id)}`).join(', ')}`
          )
        const status = statusOf(held[0]?.id ?? '')
        if (claim.dead && status === 'Active')
          this.fail('4 (messages match the emulators)', when, `"${claim.text}", but it is active`)
        if (claim.active && status !== 'Active')
          this.fail(
            '4 (messages match the emulators)',
            when,
            `"${claim.text}", but it is ${status}`
          )
      }
      const current = result.outputs['access-key-id'] ?? ''
      const wrong = held.filter(h => h.id !== current)
      if (current !== '' && wrong.length > 0)
        this.fail(
          '4 (messages match the emulators)',
          when,
          `output access-key-id (the key every target holds after the run) is ${current}, but ${wrong.map(w => `${w.repo} holds ${w.id}`).join(', ')}`
        )
      if (/Restored: every target holds the working key again/.test(result.summary)) {
        const ids = new Set(held.map(h => h.id))
        const [id] = [...ids]
        if (ids.size !== 1 || statusOf(id ?? '') !== 'Active')
          this.fail(
            '4 (messages match the emulators)',
            when,
            `the title says every target holds the working key again, but ${held.map(h => `${h.repo} holds ${h.id} (${statusOf(h.id)})`).join(', ')}`
          )
      }
    }
    this.targetsSection(run, when)
    if (run.keysMovedOn) return
    for (const id of (result.outputs['deactivated-access-key-ids'] ?? '').split(',')) {
      if (id !== '' && statusOf(id) === 'Active')
        this.fail('4 (messages match the emulators)', when, `says it deactivated ${id}, active`)
    }
    // The table comes from the run's own read: a read one second stale may miss a change made
    // just before, which is IAM's doing, not a false message.
    if (readLagMs === 0) this.keysAfterTable(result, when)
  }

  /** The summary's Targets section: "written this run" and "unchanged" against the writes. */
  private targetsSection(run: RunRecord, when: string): void {
    const notWritten = /### Targets not written[\s\S]*?(?=\n### |$)/.exec(run.result.summary)?.[0]
    for (const repo of REPOS) {
      const said = new RegExp(
        `^- ${repo.replace('/', '\\/')}: (written this run|unchanged)$`,
        'm'
      ).exec(run.result.summary)?.[1]
      if (!said) continue
      const wrote = (name: string) =>
        run.puts.some(r => r.repo === repo && r.secretName === name && ok(r.status))
      if (said === 'written this run' && !(wrote(ID_SECRET) && wrote(KEY_SECRET)))
        this.fail(
          '4 (messages match the emulators)',
          when,
          `the summary says ${repo} was written this run, but the run did not write both its secrets`
        )
      if (
        said === 'unchanged' &&
        (wrote(ID_SECRET) || wrote(KEY_SECRET)) &&
        !notWritten?.includes(repo)
      )
        this.fail(
          '4 (messages match the emulators)',
          when,
          `the summary says ${repo} is unchanged, but the run wrote ${[ID_SECRET, KEY_SECRET].filter(wrote).join(' and ')} there`
        )
    }
  }

  private keysAfterTable(result: RunResult, when: string): void {
    const table = /### Keys after\n\n([\s\S]*?)(?:\n\n|$)/.exec(result.summary)?.[1]
    if (!table) return
    const keys = this.world.aws.keys(USER)
    for (const row of table.split('\n')) {
      const cells = /^\| (AKIA…\w{4}) \| (\w+) \|/.exec(row)
      if (!cells?.[1] || !cells[2]) continue
      const key = keys.find(k => label(k.accessKeyId) === cells[1])
      const actual = key?.status ?? 'deleted'
      if (actual !== cells[2])
        this.fail(
          '4 (messages match the emulators)',
          when,
          `the summary's "Keys after" shows ${cells[1]} ${cells[2]}, but it is ${actual}`
        )
    }
  }

  /** Invariant 5, as in the lifecycle property. */
  noSecretPrinted(name: string, result: RunResult): void {
    const secrets = [
      ...this.ledger.secretOf.values(),
      ...REPOS.flatMap(repo => this.world.github.history(repo, KEY_SECRET).map(h => h.value)),
      TOKEN,
      FIRST_TOKEN
    ]
    const { visible } = maskedLog(result.stdout)
    const outputs = JSON.stringify(result.outputs)
    for (const secret of secrets) {
      if ([visible, result.stderr, outputs, result.summary].some(text => text.includes(secret)))
        this.fail('5 (no secret printed)', `after ${name}`, 'a secret or token was printed')
    }
  }

  /**
   * Invariant 6: every target holds one key, active, with its own secret, and every other active
   * key is the one it replaced, kept by deactivate-after (its mark's prev=). `personal`: a person
   * acted, and may have left a state only a person can settle (a run then refuses): every target
   * must still work.
   */
  /** Invariants 1, 2, 4 and 5 at a run's end; `exempt` as for noTornPair. */
  afterRun(run: RunRecord, readLagMs: number, exempt?: ReadonlyMap<string, string>): void {
    this.noTornPair(`after ${run.name}`, exempt)
    this.noDeadKeyAfterSuccess(run)
    this.messagesTrue(run, readLagMs)
    this.noSecretPrinted(run.name, run.result)
  }

  converged(when: string, personal: boolean): void {
    this.noTornPair(when)
    const keys = this.world.aws.keys(USER)
    const held = REPOS.map(repo => this.world.stored(repo).accessKeyId)
    const statusOf = (id: string) => keys.find(k => k.accessKeyId === id)?.status ?? 'deleted'
    const working = held.every(id => statusOf(id) === 'Active')
    if (!working || (!personal && new Set(held).size !== 1))
      this.fail(
        '6 (the runs converge)',
        when,
        REPOS.map((repo, i) => `${repo} holds ${held[i]} (${statusOf(held[i] ?? '')})`).join(', ')
      )
    if (personal) return
    const tags = this.world.aws.tags(USER)
    const kept = held.flatMap(id => / prev=(\S+)/.exec(tags[id] ?? '')?.[1] ?? [])
    const stray = keys.filter(
      k => k.status === 'Active' && !held.includes(k.accessKeyId) && !kept.includes(k.accessKeyId)
    )
    if (stray.length > 0)
      this.fail(
        '6 (the runs converge)',
        when,
        `active keys no target holds: ${stray.map(k => `${k.accessKeyId} (${tags[k.accessKeyId] ?? 'no mark'})`).join(', ')}; every target holds ${held[0]}`
      )
  }
}

function parsePlan(result: RunResult): { waiting?: string | null } | undefined {
  try {
    return JSON.parse(result.outputs.plan ?? '') as { waiting?: string | null }
  } catch {
    return undefined
  }
}

function headline(result: RunResult): string {
  return /^## AWS access key rotation: (.*)$/m.exec(result.summary)?.[1] ?? '(no summary)'
}

/**
 * The last thing the run said about what every target holds (src: distribution.ts "Wrote … to
 * N/N targets", replacement.ts "This run wrote … back to every target" and "Every target holds
 * …, which no longer works", rotate.ts and gate.ts "Every target holds the new key …", rotate.ts
 * "the previous key … is still active and every target still holds it").
 */
function lastClaim(
  stdout: string
): { text: string; label: string; dead: boolean; active: boolean } | undefined {
  const patterns = [
    /Wrote (AKIA…\w{4}) to (\d+)\/(\d+) targets/g,
    /This run wrote (AKIA…\w{4}) back to every target/g,
    /Every target holds (?:the new key )?(AKIA…\w{4})(, which no longer works)?/g,
    /the previous key (AKIA…\w{4}) (is still active) and every target still holds it/g
  ]
  let last:
    { index: number; text: string; label: string; dead: boolean; active: boolean } | undefined
  for (const pattern of patterns) {
    for (const match of stdout.matchAll(pattern)) {
      if (match[2] !== undefined && match[3] !== undefined && match[2] !== match[3]) continue
      if (last && last.index > match.index) continue
      // The rest of its sentence may say the key still works (rotate.ts: "Both keys stay active").
      const rest = stdout.slice(match.index).split('\n')[0] ?? ''
      last = {
        index: match.index,
        text: rest.length > 300 ? match[0] : rest,
        label: match[1] ?? '',
        dead: match[2] === ', which no longer works',
        active:
          match[2] === 'is still active' ||
          /Both keys stay active|every target holds a working key|every target works again/.test(
            rest
          )
      }
    }
  }
  return last
}

type Resolve<T> = (outcome: T | undefined) => void

/**
 * The first run, held at the scenario's request: its requests are told apart (its AWS requests
 * by when they come, its GitHub requests by its token), and once held, every further one waits
 * until it is released, or fails once it is dead.
 */
class HeldFirstRun {
  /** Whose requests the emulators see: the first run's (held while it is paused), or another's. */
  window: 'first' | 'other' = 'first'
  frozen = false
  dead = false
  paused = false
  /** When the first run wrote its hold (`until=`) into a mark. */
  holdWrittenAt: number | undefined
  child: ChildProcess | undefined
  readonly pausedSignal: Promise<'paused'>
  private signalPause: () => void = () => undefined
  private awsRequests = 0
  private secretWrites = 0
  private readonly heldAws: Array<Resolve<AwsInterception>> = []
  private readonly heldGitHub: Array<Resolve<GitHubInterception>> = []
  private readonly removers: Array<() => void>

  constructor(
    private readonly world: World,
    private readonly s: Scenario,
    ledger: Ledger,
    private readonly tell: (line: string) => void
  ) {
    this.pausedSignal = new Promise<'paused'>(
      resolve => (this.signalPause = () => resolve('paused'))
    )
    this.removers = [
      world.aws.intercept(call => {
        ledger.see()
        return this.onAws(call)
      }),
      world.github.intercept(call => {
        ledger.see()
        return this.onGitHub(call)
      })
    ]
  }

  /** The AWS requests held now: each reaches AWS once released. */
  get heldAwsCount(): number {
    return this.heldAws.length
  }

  private pauseHere(): void {
    this.paused = true
    this.frozen = true
    this.signalPause()
  }

  private onAws(call: AwsCall): AwsInterception | undefined | Promise<AwsInterception | undefined> {
    if (this.window !== 'first') return undefined
    if (this.dead) return { reset: true }
    if (this.frozen) return new Promise(resolve => this.heldAws.push(resolve))
    this.awsRequests += 1
    if (
      call.action === 'TagUser' &&
      this.holdWrittenAt === undefined &&
      / until=/.test(call.params['Tags.member.1.Value'] ?? '')
    )
      this.holdWrittenAt = Date.now()
    if (!this.paused && this.s.pause.at === 'aws' && this.awsRequests === this.s.pause.k) {
      this.tell(`first run held at its AWS request ${this.awsRequests} (${call.action})`)
      this.pauseHere()
      return new Promise(resolve => this.heldAws.push(resolve))
    }
    return undefined
  }

  private onGitHub(
    call: GitHubCall
  ): GitHubInterception | undefined | Promise<GitHubInterception | undefined> {
    if (call.token !== FIRST_TOKEN) return undefined
    if (this.dead) return { reset: true }
    if (this.frozen) return new Promise(resolve => this.heldGitHub.push(resolve))
    if (call.route !== 'put-secret') return undefined
    this.secretWrites += 1
    if (!this.paused && this.s.pause.at === 'put' && this.secretWrites === this.s.pause.k) {
      this.tell(
        `first run held at its secret write ${this.secretWrites} (${call.repo} ${call.secretName})`
      )
      this.pauseHere()
      return new Promise(resolve => this.heldGitHub.push(resolve))
    }
    return undefined
  }

  /** Every held request goes on (undefined), or fails as a dead process's would (a reset). */
  letGo(outcome: { reset: true } | undefined): void {
    for (const resolve of this.heldAws.splice(0)) resolve(outcome)
    for (const resolve of this.heldGitHub.splice(0)) resolve(outcome)
  }

  /** A broken invariant may leave the first run held: it goes, with the rest of the world. */
  close(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGKILL')
    for (const remove of this.removers) remove()
    this.letGo({ reset: true })
  }
}

/** The request indexes of the second run, to tell its requests from the first run's. */
interface Span {
  awsStart: number
  awsEnd: number
  githubStart: number
  githubEnd: number
}

/** One generated history, step by step; each step checks the invariants it can. */
class Overlap {
  readonly ledger: Ledger
  readonly story: string[]
  readonly checks: Checks
  readonly first: HeldFirstRun
  private readonly started = Date.now()
  private readonly original: string
  private firstRun: Promise<RunResult> | undefined
  outcome: 'paused' | 'ended' = 'ended'
  /** Targets a write in flight (or a kill in the middle of a pair) left torn, and how. */
  private readonly inFlight = new Map<string, string>()
  private readonly killTorn = new Map<string, string>()
  killed = false
  private firstKey: string | undefined
  private personActed = false

  private constructor(
    readonly world: World,
    readonly s: Scenario
  ) {
    this.ledger = new Ledger(world)
    this.story = [JSON.stringify(s)]
    this.checks = new Checks(world, this.ledger, this.story)
    this.original = world.stored('acme/app').accessKeyId
    this.first = new HeldFirstRun(world, s, this.ledger, line => this.tell(line))
  }

  static async start(s: Scenario): Promise<Overlap> {
    const world = await startWorld({
      repos: REPOS,
      keyAgeDays: 100,
      readLagMs: s.readLagMs,
      propagationDelayMs: s.propagationDelayMs
    })
    world.github.addToken(FIRST_TOKEN, {
      repos: '*',
      secrets: 'write',
      kind: 'pat',
      actions: 'read',
      permissions: { actions: 'write', contents: 'read', ...SECRET_WRITE_PERMISSIONS }
    })
    return new Overlap(world, s)
  }

  /** What happened, with the seconds since the world started. */
  tell(line: string): void {
    this.story.push(`${((Date.now() - this.started) / 1000).toFixed(1)} s: ${line}`)
  }

  private debug(name: string, result: RunResult): void {
    this.tell(
      `${name}: exit ${result.code ?? result.signal}, "${headline(result)}"${result.summary ? '' : ` ${result.stderr.slice(0, 300)}`}`
    )
    if (process.env.DEBUG_PROPERTY) console.log(name, result.code, result.stdout, result.summary)
  }

  private firstRecord(result: RunResult, puts: RequestRecord[]): RunRecord {
    return {
      name: `the first run (${FIRST})`,
      result,
      puts,
      targetsMovedOn: false,
      keysMovedOn: false
    }
  }

  private get firstResult(): Promise<RunResult> {
    if (!this.firstRun) throw new Error('the first run has not started')
    return this.firstRun
  }

  /** Starts the first run; it ends, or reaches its hold, first. */
  async startFirst(): Promise<void> {
    this.firstRun = this.world.run(inputsOf(this.s.first, { 'github-token': FIRST_TOKEN }), {
      ...withNode,
      runId: FIRST,
      repo: 'acme/app',
      onSpawn: child => (this.first.child = child)
    })
    this.outcome = await Promise.race([
      this.first.pausedSignal,
      this.firstRun.then(() => 'ended' as const)
    ])
    if (this.outcome === 'ended') await this.firstEnded()
    else await this.firstHeld()
  }

  private async firstEnded(): Promise<void> {
    this.first.window = 'other'
    const result = await this.firstResult
    this.debug('first run (not held: it ended first)', result)
    this.ledger.see()
    const puts = this.world.github.requests.filter(r => r.route === 'put-secret')
    this.checks.afterRun(this.firstRecord(result, puts), this.s.readLagMs)
  }

  private async firstHeld(): Promise<void> {
    // Whatever the first run had in flight lands, or reaches the hold, meanwhile.
    await sleep(this.s.settleMs)
    this.ledger.see()
    for (const repo of REPOS)
      if (this.checks.torn(repo)) this.inFlight.set(repo, this.checks.stateOf(repo))
    this.firstKey = this.world.aws
      .keys(USER)
      .find(k => k.accessKeyId !== this.original)?.accessKeyId
    this.tell(
      `first run's new key: ${this.firstKey ?? 'none yet'}; half-written: ${[...this.inFlight.keys()].join(', ') || 'none'}`
    )
  }

  /** GitHub shows the held first run completed: it is dead. Nothing it held ever lands. */
  async killFirst(): Promise<void> {
    this.world.github.setRun('acme/app', FIRST, '1', 'completed')
    this.first.dead = true
    this.killed = true
    this.first.child?.kill('SIGKILL')
    this.first.letGo({ reset: true })
    const result = await this.firstResult
    this.first.window = 'other'
    await sleep(100)
    this.ledger.see()
    for (const repo of REPOS)
      if (this.checks.torn(repo)) this.killTorn.set(repo, this.checks.stateOf(repo))
    this.tell(
      `first run killed (GitHub shows it completed); torn by the kill: ${[...this.killTorn.keys()].join(', ') || 'none'}`
    )
    this.checks.noTornPair('after the first run was killed', this.killTorn)
    this.checks.noSecretPrinted('the killed first run', result)
  }

  /**
   * The person acts on the first run's new key while the first run is held: before the second
   * run, or after it while the first is still alive. (The key a later run wrote everywhere,
   * switched off, is a lockout of the person's own making that no run can prevent.)
   */
  personAct(when: 'before' | 'after'): void {
    const { person } = this.s
    if (person?.when !== when || this.outcome !== 'paused' || (this.killed && when === 'after'))
      return
    this.ledger.see()
    const own = this.world.aws.keys(USER).find(k => k.accessKeyId === this.firstKey)
    if (!own) {
      this.tell(`person (${when}): the first run has no new key to act on`)
      return
    }
    if (person.act === 'delete') this.world.aws.deleteKey(own.accessKeyId)
    else if (own.status === 'Active') this.world.aws.setKeyStatus(own.accessKeyId, 'Inactive')
    else return
    this.personActed = true
    this.tell(`person (${when} the second run): ${person.act}s ${own.accessKeyId}`)
  }

  /**
   * Invariant 3 holds while GitHub shows the first run going and its hold has not passed, once
   * its mark can be read (IAM's lag; moving the world on shows every change at once).
   */
  liveHold(): { live: boolean; until: number | undefined } {
    const { s, first } = this
    const until = Object.values(this.world.aws.tags(USER))
      .filter(value => value.includes(` run=${FIRST}.1 `))
      .map(value => Date.parse(/ until=(\S+)/.exec(value)?.[1] ?? ''))
      .filter(time => !Number.isNaN(time))
      .reduce<number | undefined>((a, b) => Math.max(a ?? b, b), undefined)
    const visible =
      s.readLagMs === 0 ||
      s.offsetMs > 0 ||
      (first.holdWrittenAt !== undefined && Date.now() >= first.holdWrittenAt + s.readLagMs + 200)
    const live =
      this.outcome === 'paused' &&
      !this.killed &&
      until !== undefined &&
      until > Date.now() + HOLD_MARGIN_MS &&
      visible
    this.tell(
      `hold of the first run: ${until === undefined ? 'none' : `${Math.round((until - Date.now()) / 60_000)} min left`}${live ? ' (live)' : ''}`
    )
    return { live, until }
  }

  /** The second run, in either repository, while the first is held (or after it ended). */
  async runSecond(): Promise<{ second: RunRecord; span: Span }> {
    const { world, s, first } = this
    const awsStart = world.aws.requests.length
    const githubStart = world.github.requests.length
    const firstWindow = first.window
    first.window = 'other'
    const result = await world.run(inputsOf(s.second), {
      ...withNode,
      runId: SECOND,
      repo: s.second.repo
    })
    first.window = firstWindow
    const span = {
      awsStart,
      awsEnd: world.aws.requests.length,
      githubStart,
      githubEnd: world.github.requests.length
    }
    this.debug(`second run in ${s.second.repo}`, result)
    this.ledger.see()
    const second: RunRecord = {
      name: `the second run (${SECOND}, ${s.second.repo})`,
      result,
      puts: world.github.requests
        .slice(span.githubStart, span.githubEnd)
        .filter(r => r.route === 'put-secret'),
      targetsMovedOn: false,
      keysMovedOn: false
    }
    // The first run's pair in flight is still held: its half is its own, not a torn pair.
    const exempt = this.outcome === 'paused' && !this.killed ? this.inFlight : this.killTorn
    this.checks.afterRun(second, s.readLagMs, exempt)
    return { second, span }
  }

  /** Invariant 3: the second run touched no key of the live holder, nor wrote its targets. */
  holderUntouched(second: RunRecord, span: Span, until: number | undefined): void {
    const { personActed, firstKey } = this
    const secondAws = this.world.aws.requests.slice(span.awsStart, span.awsEnd)
    // A key the person switched off is no longer the holder's to protect; its writes still are.
    const touched = secondAws.filter(r =>
      personActed
        ? [
            r.params.AccessKeyId,
            r.params['Tags.member.1.Key'],
            r.params['TagKeys.member.1']
          ].includes(firstKey) && MUTATIONS.has(r.action)
        : MUTATIONS.has(r.action)
    )
    const wrote = second.puts
    if (touched.length > 0 || (!personActed && wrote.length > 0))
      throw new Error(
        `invariant 3 (no key of a live holder touched), after ${second.name}: the first run holds ${firstKey ?? 'its intent'} until ${new Date(until ?? 0).toISOString()} and GitHub shows it in progress, yet the second run sent ${[
          ...touched.map(
            r =>
              `${r.action} ${r.params.AccessKeyId ?? r.params['Tags.member.1.Key'] ?? r.params['TagKeys.member.1'] ?? ''} (${r.status})`
          ),
          ...wrote.map(r => `put-secret ${r.repo} ${r.secretName} (${r.status})`)
        ].join(', ')}\n  what happened:\n    ${this.story.join('\n    ')}`
      )
  }

  /** The held first run goes on, and is held to what the second run (and the person) changed. */
  async releaseFirst(second: RunRecord, span: Span): Promise<void> {
    const { world, first } = this
    first.frozen = false
    const awsAtRelease = world.aws.requests.length + first.heldAwsCount
    first.letGo(undefined)
    const result = await this.firstResult
    first.window = 'other'
    this.debug('first run (released)', result)
    this.ledger.see()
    const firstGitHub = [
      ...world.github.requests.slice(0, span.githubStart),
      ...world.github.requests.slice(span.githubEnd)
    ]
    const puts = firstGitHub.filter(r => r.route === 'put-secret')
    // Its own last write (or its start, if it wrote none) against the second run's writes.
    const ownWrites = puts.filter(r => ok(r.status))
    const lastOwnWrite = ownWrites[ownWrites.length - 1]
    const lastOwn = lastOwnWrite ? world.github.requests.indexOf(lastOwnWrite) : -1
    const secondWroteAfter = second.puts.some(
      r => ok(r.status) && world.github.requests.indexOf(r) > lastOwn
    )
    const secondMutated = world.aws.requests
      .slice(span.awsStart, span.awsEnd)
      .some((r: LoggedRequest) => MUTATIONS.has(r.action) && r.status === 200)
    const record: RunRecord = {
      ...this.firstRecord(result, puts),
      targetsMovedOn: secondWroteAfter,
      keysMovedOn: secondMutated || this.personActed,
      personUnseen: this.personActed && world.aws.requests.length === awsAtRelease
    }
    if (record.personUnseen) this.tell('the first run sent nothing to AWS after the person acted')
    this.checks.afterRun(record, this.s.readLagMs)
  }

  /** Invariant 6: the faults end. A run in a target that still works heals the rest. */
  private workingRepo(): string | undefined {
    this.ledger.see()
    const keys = this.world.aws.keys(USER)
    return REPOS.find(repo => {
      const held = this.world.stored(repo)
      const key = keys.find(k => k.accessKeyId === held.accessKeyId)
      return key?.status === 'Active' && key.secretAccessKey === held.secretAccessKey
    })
  }

  /**
   * The faults end: one more run, once IAM's reads have caught up, starting from a target that
   * still works, converges.
   */
  async heal(): Promise<void> {
    const { world, personActed } = this
    await sleep(this.s.readLagMs + 200)
    const healer = this.workingRepo()
    if (!healer) {
      if (personActed) {
        this.tell('no target holds a working key: the person switched it off; a person repairs it')
        return
      }
      this.checks.converged('before the healing run: some target must still work', false)
      return
    }
    const githubBefore = world.github.requests.length
    const result = await world.run(
      inputsOf({ force: false, deactivateAfter: '0', budget: '10m' }),
      {
        ...withNode,
        runId: '7003',
        repo: healer
      }
    )
    this.debug(`healing run in ${healer}`, result)
    this.ledger.see()
    const record: RunRecord = {
      name: `the healing run (7003, ${healer})`,
      result,
      puts: world.github.requests.slice(githubBefore).filter(r => r.route === 'put-secret'),
      targetsMovedOn: false,
      keysMovedOn: false
    }
    // A target a kill tore stays so until a run writes it: the healing run's job.
    this.checks.afterRun(record, this.s.readLagMs, this.killTorn)
    // After a person's act a run may refuse (what they did may have been on purpose).
    if (result.code !== 0 && !personActed)
      throw new Error(
        `invariant 6 (the runs converge): ${record.name} exited ${result.code}: ${headline(result)}\n${result.stdout}\n  what happened:\n    ${this.story.join('\n    ')}`
      )
    this.checks.converged(`after ${record.name}`, personActed)
  }

  async close(): Promise<void> {
    if (process.env.PROPERTY_STORY) console.log(this.story.join('\n'))
    this.first.close()
    await this.world.close()
  }
}

/** One generated history; throws on the first broken invariant. */
async function playOut(s: Scenario): Promise<void> {
  const play = await Overlap.start(s)
  try {
    await play.startFirst()
    if (s.offsetMs > 0) play.world.advance(s.offsetMs)
    play.tell(`the world moved on ${Math.round(s.offsetMs / 60_000)} min`)
    if (play.outcome === 'paused' && s.shown === 'completed') await play.killFirst()
    play.personAct('before')
    const hold = play.liveHold()
    const { second, span } = await play.runSecond()
    if (hold.live) play.holderUntouched(second, span, hold.until)
    play.personAct('after')
    if (play.outcome === 'paused' && !play.killed) await play.releaseFirst(second, span)
    await play.heal()
  } finally {
    await play.close()
  }
}

describe(`lifecycle property with overlapping runs on ${runner?.name ?? 'node'}`, () => {
  it(
    'keeps the invariants when a second run and a person act in the middle of a rotation',
    async () => {
      await fc.assert(fc.asyncProperty(scenario, playOut), propertyRuns(DEFAULT_SEED, 7))
    },
    Number(process.env.PROPERTY_TIMEOUT_MS ?? 600_000)
  )
})
