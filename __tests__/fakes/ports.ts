/**
 * In-memory fakes of the ports the step executors use (the AWS adapter, GitHub secrets, the
 * smoke gate, the log, the clock, cancellation), sharing one journal so a test can assert the
 * order of AWS and GitHub calls. Not a test file: jest's testMatch only takes `*.test.ts`.
 */
import type { Aws, Credentials, ListedKey } from '../../src/aws.js'
import type { Cancellation } from '../../src/cancel.js'
import type { PreparedTarget, GitHub, SecretValue } from '../../src/github.js'
import type { Clock } from '../../src/clock.js'
import type { Settings } from '../../src/settings.js'
import type { SmokeGate, SmokeOutcome } from '../../src/smoke/workflow.js'
import type { KeyState, LastUse, Snapshot } from '../../src/snapshot.js'
import type { MarkReading } from '../../src/marks.js'
import { startRun, type ApplyContext, type Logger, type Run } from '../../src/steps/run.js'
import type { Target } from '../../src/targets.js'

export const USER = 'deploy'
export const USER_ARN = 'arn:aws:iam::123456789012:user/deploy'
export const REPOSITORY = 'acme/app'
/** The key the run signs with (and, by default, the one the targets hold). */
export const OLD: Credentials = {
  accessKeyId: 'AKIAOLDKEY0000000001',
  secretAccessKey: 'old-secret-0000000000000000000000000000'
}
export const START = Date.parse('2026-11-22T10:00:00Z')

/** One call on a port, in the order the steps made it. */
export interface Call {
  /** aws (the run's own client), young:<key id> (signed with a new key), github, smoke. */
  readonly by: string
  readonly op: string
  readonly args: readonly unknown[]
}

export class Journal {
  readonly calls: Call[] = []
  record(by: string, op: string, args: readonly unknown[]): void {
    this.calls.push({ by, op, args })
  }
  /**
   * `op arg arg` lines, optionally of one port only, for order assertions. The re-reads before
   * each write or deactivation are left out: their own tests (steps-recheck) assert them.
   */
  lines(filter?: (call: Call) => boolean): string[] {
    return this.effects()
      .filter(call => !filter || filter(call))
      .map(call => [call.op, ...call.args.map(show)].join(' '))
  }
  ops(): string[] {
    return this.effects().map(call => call.op)
  }
  private effects(): Call[] {
    return this.calls.filter(call => call.op !== 'recheckKeys')
  }
  index(predicate: (call: Call) => boolean): number {
    return this.calls.findIndex(predicate)
  }
}

function show(arg: unknown): string {
  if (typeof arg === 'string') return arg
  if (Array.isArray(arg)) return `[${arg.map(show).join(',')}]`
  if (arg && typeof arg === 'object' && 'name' in arg && 'target' in arg) {
    return String((arg as PreparedTarget).name)
  }
  return JSON.stringify(arg)
}

/** A fake clock: sleep never waits, it moves the time on and records the wait. */
export class FakeClock implements Clock {
  readonly slept: number[] = []
  /** Called on every sleep: the world changes while the run waits. */
  onSleep: (() => void) | undefined
  constructor(public time = START) {}
  now = (): number => this.time
  sleep = async (ms: number): Promise<void> => {
    this.slept.push(ms)
    this.time += ms
    this.onSleep?.()
  }
  advance(ms: number): void {
    this.time += ms
  }
}

/** An AWS error as the SDK shapes it: a name and code, and the HTTP status when AWS answered. */
export function awsError(name: string, status?: number, message = `${name} happened`): Error {
  return Object.assign(new Error(message), {
    name,
    Code: name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } })
  })
}

type AwsOp = Exclude<keyof Aws, 'withYoungKey'>

interface Fault {
  readonly error: Error
  /** Only calls whose arguments match. */
  readonly when: ((args: readonly unknown[]) => boolean) | undefined
  /** How many more calls fail; Infinity: all of them. */
  times: number
}

export interface FakeKey {
  status: 'Active' | 'Inactive'
  createdAt: number
  lastUsed: LastUse | undefined
  secret?: string
}

/** IAM and STS in memory: the user's keys and tags, every call journaled. */
export class AwsWorld {
  readonly keys = new Map<string, FakeKey>()
  readonly tags: Record<string, string> = {}
  /** Managed policies attached to the user, by name (AWS's quarantine is one). */
  readonly attachedPolicies: string[] = []
  readonly faults = new Map<AwsOp, Fault[]>()
  /** Fake ms each call takes (moves the clock on); a list: call by call, then none. */
  readonly delays: Partial<Record<AwsOp, number | number[]>> = {}
  /** What createKey does; default: make a key like IAM does. */
  createKey: ((userName: string) => Promise<Credentials & { createdAt: number }>) | undefined
  /** What STS answers for a new key, call by call; default: the user's ARN. */
  probe: (credentials: Credentials) => Promise<string> = async () => USER_ARN
  private made = 0
  readonly youngKeys: { credentials: Credentials; deadline: number }[] = []

  constructor(
    readonly journal: Journal,
    readonly clock: FakeClock
  ) {}

  /** Makes `op` fail `times` times (default every time) for calls whose arguments match. */
  fail(
    op: AwsOp,
    error: Error,
    options: { times?: number; when?: (args: readonly unknown[]) => boolean } = {}
  ): void {
    const list = this.faults.get(op) ?? []
    list.push({ error, when: options.when, times: options.times ?? Infinity })
    this.faults.set(op, list)
  }

  /** A key as IAM lists it. */
  addKey(id: string, key: Partial<FakeKey> = {}): void {
    this.keys.set(id, {
      status: 'Active',
      createdAt: START - 86_400_000,
      lastUsed: undefined,
      ...key
    })
  }

  listed(): ListedKey[] {
    return [...this.keys].map(([id, key]) => ({ id, status: key.status, createdAt: key.createdAt }))
  }

  /** A new key as CreateAccessKey would make it, without the call (a lost answer's key). */
  makeKey(): Credentials & { createdAt: number } {
    this.made += 1
    const accessKeyId = `AKIANEWKEY0000000N${String(this.made).padStart(2, '0')}`
    const secretAccessKey = `new-secret-${this.made}-${'x'.repeat(28)}`
    const createdAt = this.clock.now()
    this.keys.set(accessKeyId, {
      status: 'Active',
      createdAt,
      lastUsed: undefined,
      secret: secretAccessKey
    })
    return { accessKeyId, secretAccessKey, createdAt }
  }

  /** The client signing as `by`. */
  client(by: string): Aws {
    const call = async <T>(op: AwsOp, args: readonly unknown[], act: () => T | Promise<T>) => {
      this.journal.record(by, op, args)
      const delays = this.delays[op]
      const delay = Array.isArray(delays) ? delays.shift() : delays
      if (delay) this.clock.advance(delay)
      const fault = (this.faults.get(op) ?? []).find(
        candidate => candidate.times > 0 && (!candidate.when || candidate.when(args))
      )
      if (fault) {
        fault.times -= 1
        throw fault.error
      }
      return act()
    }
    return {
      callerIdentity: () =>
        call('callerIdentity', [], () => ({ arn: USER_ARN, accountId: '123456789012' })),
      signingCredentials: () => call('signingCredentials', [], () => OLD),
      getUserArn: userName => call('getUserArn', [userName], () => USER_ARN),
      listKeys: userName => call('listKeys', [userName], () => this.listed()),
      recheckKeys: userName => call('recheckKeys', [userName], () => this.listed()),
      lastUse: accessKeyId =>
        call('lastUse', [accessKeyId], () => this.keys.get(accessKeyId)?.lastUsed),
      listTags: userName => call('listTags', [userName], () => ({ ...this.tags })),
      attachedPolicyNames: userName =>
        call('attachedPolicyNames', [userName], () => [...this.attachedPolicies]),
      listUsers: pathPrefix =>
        call('listUsers', [pathPrefix], () => [
          { userName: 'deploy', arn: USER_ARN, path: pathPrefix }
        ]),
      createKey: userName =>
        call('createKey', [userName], () =>
          this.createKey ? this.createKey(userName) : this.makeKey()
        ),
      tag: (userName, key, value) =>
        call('tag', [userName, key, value], () => {
          this.tags[key] = value
        }),
      untag: (userName, key) =>
        call('untag', [userName, key], () => {
          delete this.tags[key]
        }),
      untagMany: (userName, keys) =>
        call('untagMany', [userName, [...keys]], () => {
          for (const key of keys) delete this.tags[key]
        }),
      setStatus: (userName, accessKeyId, status) =>
        call('setStatus', [userName, accessKeyId, status], () => {
          const key = this.keys.get(accessKeyId)
          if (key) key.status = status
        }),
      deleteKey: (userName, accessKeyId) =>
        call('deleteKey', [userName, accessKeyId], () => {
          this.keys.delete(accessKeyId)
        }),
      probe: credentials => call('probe', [credentials.accessKeyId], () => this.probe(credentials)),
      withYoungKey: (credentials, deadline, clock) => {
        expect(clock).toBe(this.clock)
        this.youngKeys.push({ credentials, deadline })
        return this.client(`young:${credentials.accessKeyId}`)
      }
    }
  }
}

/** A port the step executors under test never call: any use fails the test. */
function unused<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get: (_, property) => {
      throw new Error(`unexpected use of ${what}: ${String(property)}`)
    }
  })
}

/** GitHub secrets in memory: what each target holds, writes journaled, faults per target. */
export class FakeSecrets implements GitHub {
  readonly held = new Map<string, Record<string, string>>()
  /** Per target name: the error of each write in turn (undefined: that write succeeds). */
  readonly faults = new Map<string, (Error | undefined)[]>()
  /** Targets written so far before outOfTime() says true; Infinity: never. */
  budget = Infinity
  /** Called as each write is sent (to move the clock on, cancel the run, ...). */
  onWrite: ((name: string) => void) | undefined
  /** The most writes in flight at once. */
  maxInFlight = 0
  private inFlight = 0
  private writes = 0

  constructor(readonly journal: Journal) {}

  readonly workflows = unused<GitHub['workflows']>('the Actions API')
  /** Unused unless a test gives it one (resolve-alerts). */
  alerts: GitHub['alerts'] = unused<GitHub['alerts']>('the secret scanning API')
  readonly issues = unused<GitHub['issues']>('the issues API')
  stats() {
    return { requests: 0, rateLimited: 0, pausedMs: 0, peakInFlight: 0 }
  }
  prepare(): Promise<PreparedTarget> {
    throw new Error('the steps never prepare targets')
  }
  runState(): Promise<never> {
    throw new Error('the steps never read run states')
  }
  secretUpdatedAt(): Promise<never> {
    throw new Error('the steps never read when a secret was written')
  }
  outOfTime(): boolean {
    return this.writes >= this.budget
  }
  /** Makes writes to `name` fail in turn with these errors. */
  fail(name: string, ...errors: (Error | undefined)[]): void {
    this.faults.set(name, errors)
  }
  async write(prepared: PreparedTarget, secrets: readonly SecretValue[]): Promise<void> {
    this.journal.record('github', 'write', [prepared.name, secrets.map(s => s.value)])
    this.writes += 1
    this.onWrite?.(prepared.name)
    this.inFlight += 1
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    // A few turns of the event loop, as a request would take: other writes may start meanwhile.
    for (let turn = 0; turn < 3; turn++) await Promise.resolve()
    this.inFlight -= 1
    const error = this.faults.get(prepared.name)?.shift()
    if (error) throw error
    const held = this.held.get(prepared.name) ?? {}
    for (const secret of secrets) held[secret.name] = secret.value
    this.held.set(prepared.name, held)
  }
}

export class FakeLog implements Logger {
  readonly lines: string[] = []
  readonly masked: string[] = []
  info(message: string): void {
    this.lines.push(`info: ${message}`)
  }
  warning(message: string): void {
    this.lines.push(`warning: ${message}`)
  }
  startGroup(name: string): void {
    this.lines.push(`group: ${name}`)
  }
  endGroup(): void {
    this.lines.push('endgroup')
  }
  /** Records the value, and the moment (as `mask`) among the lines. */
  mask(value: string): void {
    this.masked.push(value)
    this.lines.push('mask')
  }
  get warnings(): string[] {
    return this.lines.filter(line => line.startsWith('warning: ')).map(line => line.slice(9))
  }
  get infos(): string[] {
    return this.lines.filter(line => line.startsWith('info: ')).map(line => line.slice(6))
  }
}

export class FakeCancellation implements Cancellation {
  cancelled = false
  /** Cancels once `requested()` has been asked this many times. */
  after = Infinity
  private asked = 0
  requested(): boolean {
    this.asked += 1
    if (this.asked > this.after) this.cancelled = true
    return this.cancelled
  }
  dispose(): void {}
}

export function repoTarget(repository: string): PreparedTarget {
  const [owner = '', repo = ''] = repository.split('/')
  const target: Target = { kind: 'repository', owner, repo }
  return { target, name: repository, publicKey: { keyId: 'k', key: 'pk' } }
}

export function orgTarget(org: string): PreparedTarget {
  return {
    target: { kind: 'organization', org },
    name: `org:${org}`,
    publicKey: { keyId: 'k', key: 'pk' }
  }
}

export function settings(overrides: Partial<Settings> = {}): Settings {
  return {
    githubToken: 'ghp_token',
    leakResponse: 'rotate-and-deactivate',
    issueOnFailure: true,
    issueRepository: 'acme/app',
    audit: undefined,
    targets: [],
    iamUserName: undefined,
    accessKeyIdSecretName: 'AWS_ACCESS_KEY_ID',
    secretAccessKeySecretName: 'AWS_SECRET_ACCESS_KEY',
    maxAgeMs: 90 * 86_400_000,
    force: false,
    deactivateAfterMs: 0,
    deleteAfterMs: 7 * 86_400_000,
    verifyTimeoutMs: 120_000,
    dryRun: false,
    awsRegion: 'us-east-1',
    expectedAccountId: undefined,
    exportCredentials: false,
    reactivatePrevious: false,
    orgSecretVisibility: 'private',
    githubApiUrl: undefined,
    requestTimeoutMs: 30_000,
    smokeWorkflow: undefined,
    smokeTimeoutMs: 900_000,
    rateLimitBudgetMs: 1_800_000,
    run: { repository: REPOSITORY, runId: '4242', attempt: '2' },
    ...overrides
  }
}

export function snapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    caller: { arn: USER_ARN, accountId: '123456789012', kind: 'user', userName: USER },
    userName: USER,
    userArn: USER_ARN,
    mode: 'self',
    signingKeyId: OLD.accessKeyId,
    keys: [],
    intents: [],
    staleMarks: [],
    runs: {},
    ...overrides
  }
}

export interface World {
  readonly run: Run
  readonly journal: Journal
  readonly aws: AwsWorld
  readonly secrets: FakeSecrets
  readonly log: FakeLog
  readonly clock: FakeClock
  readonly cancellation: FakeCancellation
  readonly smokeCalls: string[]
}

export interface WorldOptions {
  readonly targets?: readonly PreparedTarget[]
  readonly settings?: Partial<Settings>
  readonly snapshot?: Partial<Snapshot>
  readonly signing?: Credentials
  readonly currentKeyId?: string | undefined
  /** The smoke gate's outcome, or a function making it; undefined: no gate. */
  readonly smoke?: SmokeOutcome | undefined | ((rotation: string) => Promise<SmokeOutcome>)
}

/** A key as the run's snapshot saw it: made long ago, never used, unmarked unless given. */
export function keyState(
  id: string,
  status: KeyState['status'] = 'Active',
  mark: MarkReading = { kind: 'none' }
): KeyState {
  return { id, status, createdAt: 0, lastUsed: undefined, mark }
}

/** A run state over fresh fakes: the old key active, the targets given (default two repos). */
export function world(options: WorldOptions = {}): World {
  const journal = new Journal()
  const clock = new FakeClock()
  const aws = new AwsWorld(journal, clock)
  aws.addKey(OLD.accessKeyId, { secret: OLD.secretAccessKey })
  const secrets = new FakeSecrets(journal)
  const log = new FakeLog()
  const cancellation = new FakeCancellation()
  const smokeCalls: string[] = []
  const smoke = options.smoke
  const smokeGate: SmokeGate | undefined =
    smoke === undefined
      ? undefined
      : async rotation => {
          smokeCalls.push(rotation)
          journal.record('smoke', 'smoke', [rotation])
          return typeof smoke === 'function' ? smoke(rotation) : smoke
        }
  const signing = options.signing ?? OLD
  const context: ApplyContext = {
    aws: aws.client('aws'),
    github: secrets,
    prepared: options.targets ?? [repoTarget('acme/web'), repoTarget(REPOSITORY)],
    settings: settings(options.settings),
    snapshot: snapshot({
      keys: [
        {
          id: OLD.accessKeyId,
          status: 'Active',
          createdAt: START - 86_400_000,
          lastUsed: undefined,
          mark: { kind: 'none' }
        }
      ],
      ...options.snapshot
    }),
    signing,
    currentKeyId: 'currentKeyId' in options ? options.currentKeyId : signing.accessKeyId,
    clock,
    log,
    cancellation,
    ...(smokeGate ? { smokeGate } : {})
  }
  return {
    run: startRun(context),
    journal,
    aws,
    secrets,
    log,
    clock,
    cancellation,
    smokeCalls
  }
}

/** The error a step threw (fails the test if it did not throw). */
export async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the step to fail')
}
