/**
 * The fault matrix: for each step of a rotation and each kind of fault, the bundled action either
 * succeeds (transient faults are retried by the SDK's, Octokit's or the action's own retries) or
 * fails leaving the invariants true, and the next run converges. Split over several test files
 * (e2e-faults-*.test.ts) so that jest runs them side by side: most of their time is waiting.
 */
import type { ChildProcess } from 'node:child_process'
import type { Interception as AwsInterception, InterceptedCall as AwsCall } from './aws.js'
import type { Interception as GitHubInterception, InterceptedCall as GitHubCall } from './github.js'
import { writeMark } from '../../src/marks.js'
import { maskedLog, nodeBinaries, type RunResult } from './runner.js'
import { DAY, ID_SECRET, KEY_SECRET, startWorld, USER, type World } from './world.js'

const [runner] = nodeBinaries()
const node = runner?.path
const REPOS = ['acme/app', 'acme/api']
/** The IAM actions that change something: what a run that waits must never send. */
export const MUTATIONS = new Set([
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'TagUser',
  'UntagUser'
])

interface Point {
  name: string
  aws?: (call: AwsCall, world: World, oldKeyId: string) => boolean
  github?: (call: GitHubCall) => boolean
  /** Seeds the state in which the step runs. */
  seed?: (world: World) => void
}

const POINTS: Point[] = [
  { name: 'create', aws: call => call.action === 'CreateAccessKey' },
  {
    name: 'mark',
    aws: call =>
      call.action === 'TagUser' && /state=pending/.test(call.params['Tags.member.1.Value'] ?? '')
  },
  {
    name: 'verify',
    aws: (call, _world, oldKeyId) => call.service === 'sts' && call.accessKeyId !== oldKeyId
  },
  {
    name: 'public-key read',
    github: call => call.route === 'get-public-key' && call.repo === 'acme/api'
  },
  { name: 'secret write', github: call => call.route === 'put-secret' && call.repo === 'acme/api' },
  {
    // The id PUT succeeds and the secret PUT does not: a half-written pair.
    name: 'one secret of a pair',
    github: call =>
      call.route === 'put-secret' && call.repo === 'acme/api' && call.secretName === KEY_SECRET
  },
  {
    name: 'own public-key read',
    github: call => call.route === 'get-public-key' && call.repo === 'acme/app'
  },
  {
    name: 'own secret write',
    github: call => call.route === 'put-secret' && call.repo === 'acme/app'
  },
  { name: 'deactivate', aws: call => call.action === 'UpdateAccessKey' },
  {
    name: 'delete',
    aws: call => call.action === 'DeleteAccessKey',
    // A key the action retired two days ago: deleted first, for the new key's slot.
    seed: world => {
      const { accessKeyId } = world.aws.createAccessKey(USER, {
        status: 'Inactive',
        createdAt: new Date(Date.now() - 200 * DAY)
      })
      world.aws.setTag(USER, accessKeyId, writeMark({ state: 'retired', at: Date.now() - 2 * DAY }))
    }
  }
]

type FaultName = '5xx' | 'throttled' | 'reset' | 'slow' | 'kill' | 'permanent'
const TRANSIENT: FaultName[] = ['5xx', 'throttled', 'reset', 'slow']

function awsFault(fault: FaultName): AwsInterception | undefined {
  switch (fault) {
    case '5xx':
      return { status: 503, code: 'ServiceUnavailable', message: 'Service is unavailable.' }
    case 'throttled':
      return { status: 400, code: 'Throttling', message: 'Rate exceeded', retryAfterSeconds: 1 }
    case 'reset':
      return { reset: true }
    case 'slow':
      return { delayMs: 2_500 }
    case 'permanent':
      return { status: 500, code: 'InternalFailure', message: 'We encountered an internal error.' }
    default:
      return undefined
  }
}
function githubFault(fault: FaultName): GitHubInterception | undefined {
  switch (fault) {
    case '5xx':
      return { status: 502 }
    case 'throttled':
      return { status: 403, retryAfterSeconds: 1 } // GitHub's secondary rate limit answer
    case 'reset':
      return { reset: true }
    case 'slow':
      return { delayMs: 2_500 }
    case 'permanent':
      return { status: 500 }
    default:
      return undefined
  }
}

/**
 * Invariant 1: every target holds a key that is active, with its right secret. A process killed
 * between the two PUTs of one target leaves that target a mismatched pair until the next run
 * (GitHub has no write of two secrets at once); the workflow's own repository is written last,
 * so it never is.
 */
function targetsHoldActiveKeys(world: World, repos = REPOS): void {
  const keys = world.aws.keys(USER)
  for (const repo of repos) {
    const held = world.stored(repo)
    const key = keys.find(k => k.accessKeyId === held.accessKeyId)
    expect({
      repo,
      status: key?.status,
      secretMatches: key?.secretAccessKey === held.secretAccessKey
    }).toEqual({
      repo,
      status: 'Active',
      secretMatches: true
    })
  }
}

/** Invariant 2: no active key that no target holds. Invariant 3: at most two keys. */
function everyActiveKeyIsHeld(world: World): void {
  const held = new Set(REPOS.map(repo => world.stored(repo).accessKeyId))
  const keys = world.aws.keys(USER)
  expect(keys.length).toBeLessThanOrEqual(2)
  expect(
    keys.filter(k => k.status === 'Active' && !held.has(k.accessKeyId)).map(k => k.accessKeyId)
  ).toEqual([])
}

/**
 * Invariant 4: no secret of any key the user has (or that a target holds) outside ::add-mask::,
 * in the outputs or in the step summary.
 */
function noSecretPrinted(world: World, result: RunResult): void {
  const { stdout, stderr } = result
  const secrets = [
    ...world.aws.keys(USER).map(k => k.secretAccessKey),
    ...REPOS.flatMap(repo => world.github.history(repo, KEY_SECRET).map(h => h.value))
  ]
  const { visible } = maskedLog(stdout)
  const outputs = JSON.stringify(result.outputs)
  for (const secret of secrets) {
    expect(visible).not.toContain(secret)
    expect(stderr).not.toContain(secret)
    expect(outputs).not.toContain(secret)
    expect(result.summary).not.toContain(secret)
  }
}

async function converged(world: World): Promise<void> {
  const again = await world.run({}, node ? { node, runId: '3003' } : { runId: '3003' })
  expect(again.code).toBe(0)
  targetsHoldActiveKeys(world)
  everyActiveKeyIsHeld(world)
  expect(world.aws.keys(USER).filter(k => k.status === 'Active')).toHaveLength(1)
  // Idempotence: one more run changes nothing.
  const mutations = world.aws.requests.filter(
    r => r.status === 200 && MUTATIONS.has(r.action)
  ).length
  const writes = world.github.requests.filter(r => r.route === 'put-secret').length
  const last = await world.run({}, node ? { node, runId: '3004' } : { runId: '3004' })
  expect(last.code).toBe(0)
  if (process.env.DEBUG_FAULTS)
    console.log(
      world.aws.requests
        .slice(-12)
        .map(r => r.action + ' ' + r.status + ' ' + JSON.stringify(r.params)),
      last.stdout
    )
  expect(world.aws.requests.filter(r => r.status === 200 && MUTATIONS.has(r.action)).length).toBe(
    mutations
  )
  expect(world.github.requests.filter(r => r.route === 'put-secret').length).toBe(writes)
}

/**
 * Arms the fault at the point: the first matching request (every one, for a permanent fault)
 * gets the fault, or kills the run's process. `fired` counts the matching requests.
 */
function armFault(
  world: World,
  point: Point,
  fault: FaultName,
  oldKeyId: string
): { fired: () => number; onSpawn: (child: ChildProcess) => void; disarm: () => void } {
  let child: ChildProcess | undefined
  let fired = 0
  const once = fault !== 'permanent'
  const hit = (): boolean => (once ? fired++ === 0 : (fired++, true))
  const kill = (): undefined => {
    child?.kill('SIGKILL')
    return undefined
  }
  const removeAws = world.aws.intercept(async call => {
    if (!point.aws?.(call, world, oldKeyId) || !hit()) return undefined
    return fault === 'kill' ? kill() : awsFault(fault)
  })
  const removeGitHub = world.github.intercept(async call => {
    if (!point.github?.(call) || !hit()) return undefined
    return fault === 'kill' ? kill() : githubFault(fault)
  })
  return {
    fired: () => fired,
    onSpawn: c => (child = c),
    disarm: () => {
      removeAws()
      removeGitHub()
    }
  }
}

/**
 * The targets that hold a whole pair right after the faulted run. Killed between a target's two
 * PUTs, or refused one of them for good, that target holds a mismatched pair until the next run
 * (GitHub cannot write two secrets at once).
 */
function wholeTargets(point: Point, fault: FaultName): string[] {
  const halfWritten =
    (fault === 'kill' && point.name === 'secret write') ||
    ((fault === 'kill' || fault === 'permanent') && point.name === 'one secret of a pair')
  if (halfWritten) return ['acme/app']
  return fault === 'kill' && point.name === 'own secret write' ? ['acme/api'] : REPOS
}

/** What the faulted run itself must have done: rotated, failed saying so, or been killed. */
function expectOutcome(world: World, fault: FaultName, result: RunResult, oldKeyId: string): void {
  if (TRANSIENT.includes(fault)) {
    expect({ code: result.code, error: result.stdout.match(/::error::.*/)?.[0] }).toEqual({
      code: 0,
      error: undefined
    })
    everyActiveKeyIsHeld(world)
    expect(world.stored('acme/api').accessKeyId).not.toBe(oldKeyId)
    expect(world.aws.keys(USER).find(k => k.accessKeyId === oldKeyId)?.status).toBe('Inactive')
  } else if (fault === 'permanent') {
    expect(result.code).toBe(1)
    // The message says what was left and what happens next.
    expect(result.stdout).toMatch(
      /::error::.*(unchanged|stays? active|still active|next run|later run|tries again)/i
    )
  } else {
    expect(result.signal).toBe('SIGKILL')
  }
}

/** After the runs that converge: a rotation happened, or the killed run's new key was set aside. */
function expectRotatedOrSetAside(world: World, point: Point, fault: FaultName): void {
  if (fault === 'kill' && point.name === 'create') {
    // The key the killed run made is set aside (inactive, an orphan), never deleted early: it
    // holds the second slot until delete-after, so no rotation has happened yet.
    expect(Object.values(world.aws.tags(USER)).filter(v => /orphan=yes/.test(v))).toHaveLength(1)
  } else {
    expect(world.github.history('acme/app', ID_SECRET).length).toBeGreaterThan(1)
  }
}

/** One cell of the matrix: a run with the fault at the point, then the runs that converge. */
async function faultCase(world: World, point: Point, fault: FaultName): Promise<void> {
  point.seed?.(world)
  const oldKeyId = world.stored().accessKeyId
  const armed = armFault(world, point, fault, oldKeyId)
  const result = await world.run(
    { 'request-timeout': '1s', 'verify-timeout': '5s' },
    { runId: '2002', ...(node ? { node } : {}), onSpawn: armed.onSpawn }
  )
  expect(armed.fired()).toBeGreaterThan(0)
  armed.disarm()
  noSecretPrinted(world, result)
  targetsHoldActiveKeys(world, wholeTargets(point, fault))
  expectOutcome(world, fault, result, oldKeyId)
  if (fault === 'kill' && point.name === 'own secret write') {
    await ownPairMended(world)
  }
  await converged(world)
  expectRotatedOrSetAside(world, point, fault)
}

/** The matrix for the named steps: every fault at each of them. */
export function faultMatrix(pointNames: readonly string[]): void {
  const points = POINTS.filter(point => pointNames.includes(point.name))
  if (points.length !== pointNames.length)
    throw new Error(`unknown point in ${pointNames.join(', ')}`)
  const cases = points.flatMap(point =>
    [...TRANSIENT, 'kill', 'permanent'].map(
      fault => [point.name, fault as FaultName, point] as const
    )
  )
  describe(`fault matrix on ${runner?.name ?? 'node'}`, () => {
    let world: World
    afterEach(() => world.close())

    it.each(cases)('%s / %s', async (_name, fault, point) => {
      world = await startWorld({ repos: REPOS })
      await faultCase(world, point, fault)
    })
  })
}

/**
 * The window that cannot be closed: killed between the two PUTs of the workflow's own
 * repository, the next run gets a key id and a secret of different keys. It refuses, saying so,
 * and a person sets the pair to one key.
 */
async function ownPairMended(world: World): Promise<void> {
  const held = world.stored('acme/app')
  const key = world.aws.keys(USER).find(k => k.accessKeyId === held.accessKeyId)
  if (key?.secretAccessKey === held.secretAccessKey) return
  const refused = await world.run({}, node ? { node, runId: '3002' } : { runId: '3002' })
  expect(refused.code).toBe(1)
  expect(refused.stdout).toMatch(/::error::AWS refused the credentials .* are not a pair/)
  world.github.setSecret('acme/app', KEY_SECRET, key?.secretAccessKey ?? '')
}

/** The run says what acme/api holds: the previous pair, set back; never a mismatched one. */
function expectSaysPreviousPair(result: { stdout: string; summary: string }): void {
  for (const text of [result.stdout, result.summary]) {
    expect(text).toMatch(/set back: acme\/api holds the pair of the previous key AKIA…\w{4} again/)
    expect(text).not.toMatch(/mismatched/)
  }
}

/** One PUT of a pair refused: the pair is set back, and known to be half-written. */
export function halfWrittenPairs(): void {
  describe(`a half-written pair on ${runner?.name ?? 'node'}`, () => {
    let world: World
    afterEach(() => world.close())

    it('sets the pair back to the previous key when one PUT is refused, and deletes the new key', async () => {
      world = await startWorld({ repos: REPOS })
      const old = world.stored('acme/api')
      let refused = 0
      world.github.intercept(call =>
        call.route === 'put-secret' &&
        call.repo === 'acme/api' &&
        call.secretName === KEY_SECRET &&
        refused++ === 0
          ? { status: 400, message: 'Bad Request' }
          : undefined
      )
      const result = await world.run({}, node ? { node } : {})
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(/::error::.*Only AWS_ACCESS_KEY_ID was written/)
      expectSaysPreviousPair(result)
      // Every target holds the previous key, whole; the new key is gone.
      expect(world.stored('acme/api')).toEqual(old)
      targetsHoldActiveKeys(world)
      everyActiveKeyIsHeld(world)
      expect(world.aws.keys(USER)).toHaveLength(1)
      noSecretPrinted(world, result)
    })

    it('still knows the pair is half-written when a 422 on one PUT is retried and the retry writes nothing', async () => {
      world = await startWorld({ repos: REPOS })
      const old = world.stored('acme/api')
      // First attempt: the id is written, the secret refused with 422 (which the action retries
      // with a fresh public key); the retry is refused whole; setting the pair back works.
      let puts = 0
      world.github.intercept(call => {
        if (call.route !== 'put-secret' || call.repo !== 'acme/api') return undefined
        puts += 1
        const refused = puts <= 2 ? call.secretName === KEY_SECRET : puts <= 4
        return refused ? { status: 422, message: 'Validation Failed' } : undefined
      })
      const result = await world.run({}, node ? { node } : {})
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(/::error::.*Only AWS_ACCESS_KEY_ID was written/)
      expectSaysPreviousPair(result)
      expect(world.stored('acme/api')).toEqual(old)
      targetsHoldActiveKeys(world)
      everyActiveKeyIsHeld(world)
      noSecretPrinted(world, result)
    })
  })
}
