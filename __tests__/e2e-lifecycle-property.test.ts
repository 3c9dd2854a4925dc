/**
 * Random histories through the bundled action and the emulators: runs with faults and kills,
 * time passing, and a person changing keys by hand. After every step the invariants hold, and at
 * the end, with the faults gone, two runs converge and then change nothing.
 */
import fc from 'fast-check'
import type { ChildProcess } from 'node:child_process'
import { propertyRuns } from './emulators/property.js'
import { maskedLog, nodeBinaries, type RunResult } from './emulators/runner.js'
import { DAY, KEY_SECRET, startWorld, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const DEFAULT_SEED = 20261125
const REPOS = ['acme/app', 'acme/api'] // acme/app is the workflow's own repository
const MUTATIONS = new Set([
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'TagUser',
  'UntagUser'
])

type Fault =
  | 'none'
  | 'verify-never'
  | 'write-fails-api'
  | 'write-fails-own'
  | 'kill-create'
  | 'kill-mark'
  | 'kill-write-api'
  | 'kill-deactivate'
  | 'kill-smoke-wait'
/** The smoke gate: not set, or set with a smoke workflow that passes or fails. */
type Smoke = 'off' | 'pass' | 'fail'
/** A person at the console, acting on their own keys just before the run's Nth AWS request. */
interface PersonAct {
  beforeRequest: number
  act: 'create' | 'deactivate' | 'reactivate' | 'delete'
}
type Command =
  | {
      kind: 'run'
      force: boolean
      deactivateAfter: '0' | '1d'
      fault: Fault
      smoke?: Smoke
      person?: PersonAct | undefined
    }
  | { kind: 'advance'; days: number }
  | { kind: 'person-creates-key' }
  | { kind: 'person-deletes-their-key' }
  | { kind: 'person-deletes-an-inactive-key' }
  /** Something still needed the old key: a maintainer runs reactivate-previous... */
  | { kind: 'run-reactivate-previous' }
  /** ...or a person reactivates the retired key in the console. */
  | { kind: 'person-reactivates-retired-key' }

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('run' as const),
      force: fc.boolean(),
      deactivateAfter: fc.constantFrom('0' as const, '1d' as const),
      fault: fc.oneof(
        { weight: 6, arbitrary: fc.constant<Fault>('none') },
        {
          weight: 1,
          arbitrary: fc.constantFrom<Fault>(
            'verify-never',
            'write-fails-api',
            'write-fails-own',
            'kill-create',
            'kill-mark',
            'kill-write-api',
            'kill-deactivate',
            'kill-smoke-wait'
          )
        }
      ),
      smoke: fc.oneof(
        { weight: 3, arbitrary: fc.constant<Smoke>('off') },
        { weight: 1, arbitrary: fc.constantFrom<Smoke>('pass', 'fail') }
      ),
      person: fc.option(
        fc.record({
          beforeRequest: fc.integer({ min: 1, max: 16 }),
          act: fc.constantFrom<PersonAct['act']>(
            'create',
            'create',
            'deactivate',
            'reactivate',
            'delete'
          )
        }),
        { nil: undefined, freq: 2 }
      )
    })
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      days: fc.integer({ min: 1, max: 40 })
    })
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'person-creates-key' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'person-deletes-their-key' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'person-deletes-an-inactive-key' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'run-reactivate-previous' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'person-reactivates-retired-key' as const }) }
)

/**
 * The keys a person made, with the status they last gave each. `duringIntent`: made while a run
 * had announced its own key, the one case where the evidence cannot tell a person's key from the
 * run's (see README, "Which keys the action touches").
 */
class Person {
  readonly keys = new Map<string, { status: 'Active' | 'Inactive'; duringIntent: boolean }>()
  constructor(private readonly world: World) {}
  ids(): Set<string> {
    return new Set(this.keys.keys())
  }
  act(act: PersonAct['act']): void {
    const { aws } = this.world
    const existing = aws.keys(USER)
    const own = existing.filter(k => this.keys.has(k.accessKeyId))
    if (act === 'create') {
      if (existing.length >= 2) return
      const id = aws.createAccessKey(USER).accessKeyId
      const duringIntent = Object.values(aws.tags(USER)).some(tag => /state=creating/.test(tag))
      this.keys.set(id, { status: 'Active', duringIntent })
    } else if (act === 'delete') {
      const key = own[0]
      if (!key) return
      aws.deleteKey(key.accessKeyId)
      this.keys.delete(key.accessKeyId)
    } else {
      const [from, to] =
        act === 'deactivate' ? (['Active', 'Inactive'] as const) : (['Inactive', 'Active'] as const)
      const key = own.find(k => k.status === from)
      if (!key) return
      aws.setKeyStatus(key.accessKeyId, to)
      const known = this.keys.get(key.accessKeyId)
      if (known) known.status = to
    }
  }
  deleteAll(): void {
    for (const id of this.keys.keys())
      if (this.world.aws.keys(USER).some(k => k.accessKeyId === id)) this.world.aws.deleteKey(id)
    this.keys.clear()
  }
}

/**
 * Invariant 5: the action never deletes or deactivates a key a person made. The one exception
 * the evidence allows: a key made while a run had announced its own, set aside (inactive, marked
 * an orphan) and deleted only by the delete-after rule.
 */
function checkPersonKeys(world: World, person: Person): void {
  const keys = world.aws.keys(USER)
  const tags = world.aws.tags(USER)
  for (const [id, known] of person.keys) {
    const key = keys.find(k => k.accessKeyId === id)
    if (key?.status === known.status) continue
    const setAside =
      known.duringIntent && (!key || /state=retired .*orphan=yes/.test(tags[id] ?? ''))
    if (!setAside)
      throw new Error(
        `invariant 5: the person's key ${id} is ${key ? key.status : 'deleted'}, the person left it ${known.status}`
      )
    if (!key) person.keys.delete(id)
    else known.status = key.status
  }
}

function checkTargets(world: World, repos: readonly string[]): void {
  const keys = world.aws.keys(USER)
  for (const repo of repos) {
    const held = world.stored(repo)
    const key = keys.find(k => k.accessKeyId === held.accessKeyId)
    if (key?.status !== 'Active' || key.secretAccessKey !== held.secretAccessKey) {
      throw new Error(
        `invariant 1: ${repo} holds ${held.accessKeyId}, which is ${key ? key.status : 'deleted'}${key && key.secretAccessKey !== held.secretAccessKey ? ' with another secret' : ''}`
      )
    }
  }
}

function checkActiveKeysHeld(world: World, personKeys: ReadonlySet<string>): void {
  const held = new Set(REPOS.map(repo => world.stored(repo).accessKeyId))
  const keys = world.aws.keys(USER)
  if (keys.length > 2) throw new Error(`invariant 3: ${keys.length} keys`)
  // deactivate-after keeps the replaced key active on purpose, for runs queued before the change;
  // a retired key made active again is kept for whatever still uses it.
  const tags = world.aws.tags(USER)
  const waiting = new Set([
    ...Object.values(tags).flatMap(mark => /state=active .*prev=(\S+)/.exec(mark)?.[1] ?? []),
    ...Object.entries(tags).flatMap(([id, mark]) =>
      /state=(retired|reactivated) /.test(mark) ? [id] : []
    )
  ])
  const stray = keys.filter(
    k =>
      k.status === 'Active' &&
      !held.has(k.accessKeyId) &&
      !personKeys.has(k.accessKeyId) &&
      !waiting.has(k.accessKeyId)
  )
  if (stray.length > 0)
    throw new Error(
      `invariant 2: active keys no target holds: ${stray.map(k => k.accessKeyId).join(', ')}`
    )
}

function checkNoSecretPrinted(world: World, result: RunResult): void {
  const { stdout, stderr } = result
  const outputs = JSON.stringify(result.outputs)
  const secrets = [
    ...world.aws.keys(USER).map(k => k.secretAccessKey),
    ...REPOS.flatMap(repo => world.github.history(repo, KEY_SECRET).map(h => h.value))
  ]
  const { visible } = maskedLog(stdout)
  for (const secret of secrets) {
    if (
      visible.includes(secret) ||
      stderr.includes(secret) ||
      outputs.includes(secret) ||
      result.summary.includes(secret)
    )
      throw new Error('invariant 4: a secret was printed')
  }
}

type RunStep = Extract<Command, { kind: 'run' }>

/** Kills the run's process at most once; `killed` tells the interceptors to stand aside after. */
class KillSwitch {
  killed = false
  child: ChildProcess | undefined
  pull(): void {
    this.killed = true
    this.child?.kill('SIGKILL')
  }
}

/** The step's fault: a kill at an AWS or GitHub request, or AWS or GitHub refusing one. */
function interceptFault(world: World, step: RunStep, kill: KillSwitch): Array<() => void> {
  const oldIds = new Set(world.aws.keys(USER).map(k => k.accessKeyId))
  return [
    world.aws.intercept(call => {
      if (kill.killed) return undefined
      if (step.fault === 'kill-create' && call.action === 'CreateAccessKey') kill.pull()
      if (
        step.fault === 'kill-mark' &&
        call.action === 'TagUser' &&
        /state=pending/.test(call.params['Tags.member.1.Value'] ?? '')
      )
        kill.pull()
      if (step.fault === 'kill-deactivate' && call.action === 'UpdateAccessKey') kill.pull()
      if (
        step.fault === 'verify-never' &&
        call.service === 'sts' &&
        !oldIds.has(call.accessKeyId)
      ) {
        return {
          status: 403,
          code: 'InvalidClientTokenId',
          message: 'The security token included in the request is invalid.'
        }
      }
      return undefined
    }),
    world.github.intercept(call => {
      if (kill.killed) return undefined
      // Killed while it waits for the smoke run: the targets hold the new key, the gate is due.
      if (step.fault === 'kill-smoke-wait' && call.route === 'get-run') kill.pull()
      if (call.route !== 'put-secret') return undefined
      if (step.fault === 'kill-write-api' && call.repo === 'acme/api') kill.pull()
      if (step.fault === 'write-fails-api' && call.repo === 'acme/api')
        return { status: 422, message: 'Validation Failed' }
      if (step.fault === 'write-fails-own' && call.repo === 'acme/app')
        return { status: 422, message: 'Validation Failed' }
      return undefined
    })
  ]
}

/** The person acts just before the run's Nth AWS request; `created` if they took a slot. */
function interceptPerson(
  world: World,
  step: RunStep,
  person?: Person
): { remove: () => void; created: () => boolean } {
  let requests = 0
  let created = false
  const remove = world.aws.intercept(() => {
    requests += 1
    if (person && step.person && requests === step.person.beforeRequest) {
      const before = person.keys.size
      person.act(step.person.act)
      created = person.keys.size > before
    }
    return undefined
  })
  return { remove, created: () => created }
}

function runInputs(step: RunStep, extraInputs: Record<string, string>): Record<string, string> {
  const smoke = step.smoke ?? 'off'
  return {
    'max-age': '30d',
    'delete-after': '7d',
    'verify-timeout': '5s',
    force: String(step.force),
    'deactivate-after': step.deactivateAfter,
    ...(smoke !== 'off' ? { 'smoke-workflow': 'smoke.yml', 'smoke-timeout': '10s' } : {}),
    ...extraInputs
  }
}

async function runWithFault(
  world: World,
  step: RunStep,
  runId: number,
  extraInputs: Record<string, string> = {},
  person?: Person
): Promise<{ killed: boolean; code: number | null }> {
  const kill = new KillSwitch()
  const smoke = step.smoke ?? 'off'
  if (smoke !== 'off') {
    world.github.setWorkflowOutcome('acme/app', 'smoke.yml', {
      conclusion: smoke === 'pass' ? 'success' : 'failure',
      durationMs: 100
    })
  }
  const firstRequest = world.aws.requests.length
  // The person's interceptor first: it counts every request, faulted or not.
  const personAct = interceptPerson(world, step, person)
  const removers = [personAct.remove, ...interceptFault(world, step, kill)]
  const result = await world.run(runInputs(step, extraInputs), {
    runId: String(runId),
    ...(runner ? { node: runner.path } : {}),
    onSpawn: c => (kill.child = c)
  })
  for (const remove of removers) remove()
  if (process.env.DEBUG_PROPERTY)
    console.log(JSON.stringify(step), runId, result.code, result.stdout)
  checkNoSecretPrinted(world, result)
  // One user, one workflow: only its own runs write the targets, so none is another writer.
  if (result.stdout.includes('Another writer'))
    throw new Error(`a run of the only writer warned of another writer:\n${result.stdout}`)
  // Invariant 3: one run at a time never runs out of slots (LimitExceeded) for its new key,
  // unless a person took the slot during the run.
  if (
    !personAct.created() &&
    world.aws.requests
      .slice(firstRequest)
      .some(r => r.action === 'CreateAccessKey' && r.errorCode === 'LimitExceeded')
  )
    throw new Error('invariant 3: CreateAccessKey failed with LimitExceeded')
  return { killed: kill.killed || result.signal === 'SIGKILL', code: result.code }
}

/**
 * What killed runs left behind: invariant 2 waits while a killed run's leftovers are the next
 * run's to clean up, and invariant 1 spares acme/api while a kill tore its pair.
 */
interface Leftovers {
  leftovers: boolean
  relaxed: boolean
}

/** One command of a history; a run's id is the next of `runIds`. */
async function playCommand(
  world: World,
  person: Person,
  step: Command,
  runIds: { last: number },
  left: Leftovers
): Promise<void> {
  if (step.kind === 'run') {
    const { killed, code } = await runWithFault(world, step, ++runIds.last, {}, person)
    // A run that refuses or fails changes nothing of a killed run's leftovers.
    const unchanged = code !== 0 && !killed
    left.leftovers = killed || (unchanged && left.leftovers)
    left.relaxed = killed ? step.fault === 'kill-write-api' : unchanged && left.relaxed
  } else if (step.kind === 'run-reactivate-previous') {
    // A refusal (nothing retired, or a rotation to finish first) is a fine outcome here;
    // it changes nothing, so a killed run's leftovers are still the next run's.
    const { code } = await runWithFault(
      world,
      { kind: 'run', force: false, deactivateAfter: '0', fault: 'none' },
      ++runIds.last,
      { 'reactivate-previous': 'true' }
    )
    if (code === 0) {
      left.leftovers = false
      left.relaxed = false
    }
  } else if (step.kind === 'person-reactivates-retired-key') {
    const retired = Object.entries(world.aws.tags(USER)).find(([, mark]) =>
      /state=retired /.test(mark)
    )?.[0]
    const key = world.aws.keys(USER).find(k => k.accessKeyId === retired)
    if (key?.status === 'Inactive') world.aws.setKeyStatus(key.accessKeyId, 'Active')
  } else if (step.kind === 'advance') {
    world.advance(step.days * DAY)
  } else if (step.kind === 'person-creates-key') {
    person.act('create')
  } else if (step.kind === 'person-deletes-their-key') {
    person.deleteAll()
  } else {
    const inactive = world.aws.keys(USER).find(k => k.status === 'Inactive')
    if (inactive) {
      world.aws.deleteKey(inactive.accessKeyId)
      person.keys.delete(inactive.accessKeyId)
    }
  }
}

/**
 * The faults end and the person's key goes: two runs converge, a third changes nothing. They run
 * the gate, and it passes: a gate that failed earlier is never skipped. A run first, then two
 * quiet days, so a reactivated key has served its grace period.
 */
async function expectConverges(
  world: World,
  person: Person,
  runIds: { last: number }
): Promise<void> {
  const quiet: RunStep = {
    kind: 'run',
    force: false,
    deactivateAfter: '0',
    fault: 'none',
    smoke: 'pass'
  }
  person.deleteAll()
  await runWithFault(world, quiet, ++runIds.last)
  world.advance(2 * DAY)
  for (let attempt = 0; attempt < 2; attempt++) {
    await runWithFault(world, quiet, ++runIds.last)
  }
  checkTargets(world, REPOS)
  checkActiveKeysHeld(world, new Set())
  const mutations = world.aws.requests.filter(
    r => r.status === 200 && MUTATIONS.has(r.action)
  ).length
  const writes = world.github.requests.filter(r => r.route === 'put-secret').length
  await runWithFault(world, quiet, ++runIds.last)
  expect(world.aws.requests.filter(r => r.status === 200 && MUTATIONS.has(r.action)).length).toBe(
    mutations
  )
  expect(world.github.requests.filter(r => r.route === 'put-secret').length).toBe(writes)
  expect(world.aws.keys(USER).filter(k => k.status === 'Active')).toHaveLength(1)
}

/** One generated history: after every command the invariants hold, and at the end it converges. */
async function playHistory(commands: Command[]): Promise<void> {
  const world = await startWorld({ repos: REPOS, keyAgeDays: 20 })
  world.github.addWorkflow('acme/app', 'smoke.yml')
  const person = new Person(world)
  const runIds = { last: 5000 }
  try {
    const left: Leftovers = { leftovers: false, relaxed: false }
    for (const step of commands) {
      await playCommand(world, person, step, runIds, left)
      checkTargets(world, left.relaxed ? ['acme/app'] : REPOS)
      checkPersonKeys(world, person)
      if (!left.leftovers) checkActiveKeysHeld(world, person.ids())
    }
    await expectConverges(world, person, runIds)
  } finally {
    await world.close()
  }
}

describe(`lifecycle property on ${runner?.name ?? 'node'}`, () => {
  it(
    'keeps the invariants through random histories and converges',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 6 }), playHistory),
        propertyRuns(DEFAULT_SEED, 12)
      )
    },
    Number(process.env.PROPERTY_TIMEOUT_MS ?? 600_000)
  )
})
