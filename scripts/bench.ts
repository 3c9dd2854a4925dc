/**
 * `npm run bench`: measures the bundled dist/index.js against the local emulators, as the runner
 * runs it (Node 24 when installed). Writes bench/results.json and prints a markdown report.
 *
 * 1. Start-up: process start to first network request, and peak memory, beside `node -e ''`.
 * 2. Verification: rotation time minus the emulated propagation delay (2, 6, 12 s, and flicker).
 * 3. Fan-out: 300 and 1,000 repository targets under each of GitHub's three documented answers
 *    to a secondary rate limit (retry-after shorter than the window; a reset time; no header)
 *    and under its concurrency limit, beside the lower bound that limit allows.
 * 4. Calls: the AWS and GitHub requests of one rotation of one target, beside the minimum.
 * 5. Audit: 500 users under /deploy/ in every state (__tests__/emulators/fleet.ts), IAM answering
 *    in 20-60 ms, without throttling and under a throttle (50 requests a second, bursts of 100).
 *
 * It reports; it gates nothing. BENCH_QUICK=1 runs fewer and smaller cases (a smoke test);
 * BENCH_ONLY=audit (or other section names) measures those alone and keeps the rest.
 */
import { spawn } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { SecondaryRateLimit } from '../__tests__/emulators/github.js'
import { nodeBinaries, type RunResult } from '../__tests__/emulators/runner.js'
import {
  adminRole,
  startWorld,
  USER,
  type World,
  type WorldOptions
} from '../__tests__/emulators/world.js'
import { FLEET_PATH, seedFleet } from '../__tests__/emulators/fleet.js'
import type { ThrottleRate } from '../__tests__/emulators/iam-throttle.js'

const QUICK = process.env.BENCH_QUICK === '1'
const STARTUP_RUNS = QUICK ? 3 : 20
const DELAYS_MS = QUICK ? [2_000] : [2_000, 6_000, 12_000]
const FAN_OUTS = QUICK ? [20] : [300, 1_000]
const SMOKE_RUNS_MS = QUICK ? [2_000] : [2_000, 6_000, 20_000]
/** Propagation delay for the gate runs: short, so the gate's share stands out. */
const GATE_DELAY_MS = 1_000
// GitHub's documented secondary limit (900 points a minute) on a clock six times faster (a
// "minute" of 10 s, for the emulator and the action alike), answered in each documented way.
const RATE_LIMIT = { pointsPerWindow: 900, windowMs: 10_000, maxConcurrent: 100 }
const LIMIT_MODELS: Array<[string, SecondaryRateLimit]> = [
  ['(a) retry-after: 1', { ...RATE_LIMIT, retryAfterSeconds: 1 }],
  ['(b) reset time', { ...RATE_LIMIT, answer: 'reset' }],
  ['(c) no headers', { ...RATE_LIMIT, answer: 'silent' }],
  // GitHub's 100 concurrent requests, scaled down like its other limits: a run may hold 3.
  ['(d) 5 in flight', { ...RATE_LIMIT, maxConcurrent: 5, retryAfterSeconds: 1 }]
]
/** GitHub's 30 to 300 ms per answer, six times faster like its limits and the clock. */
const GITHUB_LATENCY_MS = { min: 5, max: 50 }
const AUDIT_USERS = QUICK ? 50 : 500
const IAM_LATENCY_MS = { min: 20, max: 60 }
/** AWS publishes no rate for IAM's reads: a strict guess beside none. */
const IAM_RATES: Array<[string, ThrottleRate | undefined]> = [
  ['none', undefined],
  ['50/s, burst 100', { perSecond: 50, burst: 100 }]
]
const TIME_SCALE = { ROTATE_AWS_ACCESS_KEYS_TIME_SCALE: String(60_000 / RATE_LIMIT.windowMs) }
const PEAK_RSS_PRELOAD = resolve('bench/peak-rss.cjs')

const [runner] = nodeBinaries()
const node = runner?.path ?? process.execPath

interface Measured {
  startup: {
    node: string
    runs: number
    firstRequestMs: { median: number; p90: number }
    bareNodeMs: { median: number; p90: number }
    peakRssMiB: { action: number; bareNode: number }
    bundleBytes: { main: number; total: number }
  }
  verification: Array<{
    case: string
    delayMs: number
    totalMs: number
    overheadMs: number
    checks: number
    parts: VerificationParts
  }>
  fanOut: Array<{
    model: string
    targets: number
    wallMs: number
    githubMs: number
    requests: number
    throttled: number
    ignoredRetryAfter: number
    points: number
    lowerBoundMs: number
    ratio: number
    peakInFlight: number
    failures: number
  }>
  gate: Array<{
    smokeRunMs: number
    withoutGateMs: number
    withGateMs: number
    overheadMs: number
    githubRequests: number
  }>
  audit: Array<{
    throttle: string
    users: number
    wallMs: number
    iamRequests: number
    throttled: number
    githubRequests: number
    writes: number
    mismatches: number
  }>
  calls: {
    aws: Record<string, number>
    github: Record<string, number>
    awsTotal: number
    githubTotal: number
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
}

async function withWorld<T>(options: WorldOptions, body: (world: World) => Promise<T>): Promise<T> {
  const world = await startWorld(options)
  try {
    return await body(world)
  } finally {
    await world.close()
  }
}

function rssFile(): { path: string; read: () => number; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-rss-'))
  const path = join(dir, 'rss')
  return {
    path,
    read: () => Number(readFileSync(path, 'utf8')) / 1024,
    remove: () => rmSync(dir, { recursive: true, force: true })
  }
}

/** Wall time of `node -e ''` with the same preload, and its peak memory. */
async function bareNode(): Promise<{ ms: number; rssMiB: number }> {
  const rss = rssFile()
  const started = Date.now()
  await new Promise<void>((done, fail) => {
    const child = spawn(node, ['-e', ''], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_OPTIONS: `--require ${PEAK_RSS_PRELOAD}`,
        BENCH_RSS_FILE: rss.path
      },
      stdio: 'ignore'
    })
    child.on('error', fail)
    child.on('close', () => done())
  })
  const ms = Date.now() - started
  const rssMiB = rss.read()
  rss.remove()
  return { ms, rssMiB }
}

async function measureStartup(): Promise<Measured['startup']> {
  const firstRequest: number[] = []
  const bare: number[] = []
  const actionRss: number[] = []
  const bareRss: number[] = []
  // A run with nothing due: the process starts, reads AWS and GitHub, and ends.
  await withWorld({ keyAgeDays: 10 }, async world => {
    for (let i = 0; i < STARTUP_RUNS; i++) {
      const rss = rssFile()
      const before = { aws: world.aws.requests.length, github: world.github.requests.length }
      const result = await world.run(
        {},
        {
          node,
          extraEnv: { NODE_OPTIONS: `--require ${PEAK_RSS_PRELOAD}`, BENCH_RSS_FILE: rss.path }
        }
      )
      if (result.code !== 0) throw new Error(`start-up run failed:\n${result.stdout}`)
      const first = Math.min(
        world.aws.requests[before.aws]?.at ?? Infinity,
        world.github.requests[before.github]?.at ?? Infinity
      )
      firstRequest.push(first - result.startedAt)
      actionRss.push(rss.read())
      rss.remove()
      const baseline = await bareNode()
      bare.push(baseline.ms)
      bareRss.push(baseline.rssMiB)
    }
  })
  return {
    node: runner?.name ?? `local node ${process.version}`,
    runs: STARTUP_RUNS,
    firstRequestMs: { median: quantile(firstRequest, 0.5), p90: quantile(firstRequest, 0.9) },
    bareNodeMs: { median: quantile(bare, 0.5), p90: quantile(bare, 0.9) },
    peakRssMiB: { action: Math.max(...actionRss), bareNode: Math.max(...bareRss) },
    // index.js loads first; the chunks (the AWS SDK, the GitHub client) load on demand.
    bundleBytes: {
      main: statSync('dist/index.js').size,
      total: readdirSync('dist')
        .filter(file => file.endsWith('.js'))
        .reduce((sum, file) => sum + statSync(join('dist', file)).size, 0)
    }
  }
}

/** Where a rotation's time beyond the propagation delay goes, from the requests' times. */
interface VerificationParts {
  /** Spawn to the first request. */
  startMs: number
  /** First request to CreateAccessKey: the reads and the preflight. */
  readsMs: number
  /** From the moment AWS accepts the key to the last check with it: polling and confirmation. */
  confirmMs: number
  /** The last check to the end: writes, deactivation, marks and the summary. */
  finishMs: number
}

function verificationParts(world: World, result: RunResult, delayMs: number): VerificationParts {
  const requests = [...world.aws.requests, ...world.github.requests].map(r => r.at)
  const first = Math.min(...requests)
  const created = world.aws.requests.find(r => r.action === 'CreateAccessKey')?.at ?? first
  const old = world.aws.requests[0]?.accessKeyId
  const checks = world.aws.requests.filter(
    r => r.service === 'sts' && r.accessKeyId !== old && r.accessKeyId !== ''
  )
  const lastCheck = Math.max(created, ...checks.map(r => r.at))
  return {
    startMs: first - result.startedAt,
    readsMs: created - first,
    confirmMs: Math.max(0, lastCheck - created - delayMs),
    finishMs: result.startedAt + result.durationMs - lastCheck
  }
}

function newKeyChecks(world: World, oldKeyId: string): number {
  return world.aws.requests.filter(
    r => r.service === 'sts' && r.accessKeyId !== oldKeyId && r.accessKeyId !== ''
  ).length
}

async function measureVerification(): Promise<Measured['verification']> {
  const rows: Measured['verification'] = []
  for (const delayMs of DELAYS_MS) {
    await withWorld({ propagationDelayMs: delayMs }, async world => {
      const old = world.stored().accessKeyId
      const result = await rotate(world)
      rows.push({
        case: `propagation ${delayMs / 1000} s`,
        delayMs,
        totalMs: result.durationMs,
        overheadMs: result.durationMs - delayMs,
        checks: newKeyChecks(world, old),
        parts: verificationParts(world, result, delayMs)
      })
    })
  }
  // Accepted, rejected, accepted: the confirmation must start over and still end soon.
  const delayMs = 2_000
  await withWorld({}, async world => {
    const old = world.stored().accessKeyId
    let createdAt = 0
    world.aws.intercept(call => {
      if (call.action === 'CreateAccessKey') createdAt = Date.now()
      return undefined
    })
    const verdicts = [true, false]
    world.aws.setAcceptance((key, now, service) => {
      if (key.accessKeyId === old) return true
      if (createdAt === 0 || now < createdAt + delayMs) return false
      return service === 'sts' ? (verdicts.shift() ?? true) : true
    })
    const result = await rotate(world)
    rows.push({
      case: 'flicker after 2 s (accepted, rejected, accepted)',
      delayMs,
      totalMs: result.durationMs,
      overheadMs: result.durationMs - delayMs,
      checks: newKeyChecks(world, old),
      parts: verificationParts(world, result, delayMs)
    })
  })
  return rows
}

async function rotate(
  world: World,
  inputs: Record<string, string> = {},
  extraEnv: Record<string, string> = {}
): Promise<RunResult> {
  const result = await world.run(inputs, { node, extraEnv })
  if (result.code !== 0 || result.outputs.rotated !== 'true') {
    throw new Error(`rotation failed (exit ${result.code}):\n${result.stdout}`)
  }
  return result
}

/**
 * The smoke gate: the same rotation with and without it, beside the smoke run's own length.
 * Overhead = with - without - smoke run: preflight, dispatch, and noticing that the run ended.
 */
async function measureGate(): Promise<Measured['gate']> {
  const rows: Measured['gate'] = []
  for (const smokeRunMs of SMOKE_RUNS_MS) {
    const without = await withWorld({ propagationDelayMs: GATE_DELAY_MS }, async world => {
      world.github.addWorkflow('acme/app', 'smoke.yml')
      return (await rotate(world)).durationMs
    })
    const gated = await withWorld({ propagationDelayMs: GATE_DELAY_MS }, async world => {
      world.github.addWorkflow('acme/app', 'smoke.yml')
      world.github.setWorkflowOutcome('acme/app', 'smoke.yml', {
        conclusion: 'success',
        queuedMs: 0,
        durationMs: smokeRunMs
      })
      const before = world.github.requests.length
      const result = await rotate(world, { 'smoke-workflow': 'smoke.yml' })
      if (result.outputs['smoke-conclusion'] !== 'success') {
        throw new Error(`the gate did not pass:\n${result.stdout}`)
      }
      return { ms: result.durationMs, requests: world.github.requests.length - before }
    })
    rows.push({
      smokeRunMs,
      withoutGateMs: without,
      withGateMs: gated.ms,
      overheadMs: gated.ms - without - smokeRunMs,
      githubRequests: gated.requests
    })
  }
  return rows
}

async function measureFanOut(): Promise<Measured['fanOut']> {
  const rows: Measured['fanOut'] = []
  for (const [model, limit] of LIMIT_MODELS)
    for (const targets of FAN_OUTS) {
      const repos = Array.from(
        { length: targets },
        (_, i) => `acme/service-${String(i).padStart(3, '0')}`
      )
      await withWorld(
        {
          repos,
          propagationDelayMs: 300,
          secondaryRateLimit: limit,
          githubLatencyMs: GITHUB_LATENCY_MS
        },
        async world => {
          const result = await rotate(world, {}, TIME_SCALE)
          const accepted = world.github.requests.filter(r => !r.throttled && r.status !== 0)
          const points = accepted.reduce((sum, r) => sum + (r.method === 'GET' ? 1 : 5), 0)
          const times = world.github.requests.map(r => r.at)
          // GitHub time: first to last GitHub request, less the AWS work between preflight and writes.
          const lastRead = Math.max(
            ...world.github.requests.filter(r => r.route === 'get-public-key').map(r => r.at)
          )
          const firstWrite = Math.min(
            ...world.github.requests.filter(r => r.route === 'put-secret').map(r => r.at)
          )
          const githubMs =
            Math.max(...times) - Math.min(...times) - Math.max(0, firstWrite - lastRead)
          // Fixed windows: the last point can be spent no sooner than the start of the window it needs.
          const lowerBoundMs =
            (Math.ceil(points / RATE_LIMIT.pointsPerWindow) - 1) * RATE_LIMIT.windowMs
          const limits = world.github.rateLimitReport()
          const key = world.aws.keys(USER).find(k => k.status === 'Active')
          const failures = repos.filter(
            repo => world.stored(repo).accessKeyId !== key?.accessKeyId
          ).length
          rows.push({
            model,
            targets,
            wallMs: result.durationMs,
            githubMs,
            requests: world.github.requests.length,
            throttled: limits.throttled,
            ignoredRetryAfter: limits.ignoredRetryAfter,
            points,
            lowerBoundMs,
            ratio: lowerBoundMs > 0 ? githubMs / lowerBoundMs : 0,
            peakInFlight: limits.peakInFlight,
            failures
          })
        }
      )
    }
  return rows
}

/** The audit of a large fleet: wall time, IAM requests and throttling, and that it wrote nothing. */
async function measureAudit(): Promise<Measured['audit']> {
  const rows: Measured['audit'] = []
  for (const [throttle, rate] of IAM_RATES) {
    await withWorld(
      {
        repos: ['acme/app', 'acme/old'],
        userPath: FLEET_PATH,
        userPolicy: null,
        keyAgeDays: 10,
        secretScanning: 'read',
        githubLatencyMs: GITHUB_LATENCY_MS
      },
      async world => {
        const expected = seedFleet(world, AUDIT_USERS)
        const { min, max } = IAM_LATENCY_MS
        world.aws.intercept(() => ({ delayMs: min + Math.random() * (max - min) }))
        world.aws.setIamRate(rate)
        const result = await world.run({ audit: FLEET_PATH }, { node, ...adminRole(world) })
        if (result.code !== 0)
          throw new Error(`audit failed (exit ${result.code}):\n${result.stdout}`)
        const report = JSON.parse(result.outputs['audit-report'] ?? '{}') as {
          users: Array<{ userName: string; findings: string[] }>
        }
        const mismatches = report.users.filter(
          user => expected.get(user.userName)?.findings.join() !== user.findings.join()
        ).length
        const writes = [
          'CreateAccessKey',
          'UpdateAccessKey',
          'DeleteAccessKey',
          'TagUser',
          'UntagUser'
        ]
        rows.push({
          throttle,
          users: report.users.length,
          wallMs: result.durationMs,
          iamRequests: world.aws.requests.filter(r => r.service === 'iam').length,
          throttled: world.aws.throttled(),
          githubRequests: world.github.requests.length,
          writes: world.aws.requests.filter(r => writes.includes(r.action)).length,
          mismatches
        })
      }
    )
  }
  return rows
}

async function measureCalls(): Promise<Measured['calls']> {
  return withWorld({ propagationDelayMs: 1_000 }, async world => {
    await rotate(world)
    const count = (names: string[]): Record<string, number> => {
      const counts: Record<string, number> = {}
      for (const name of names) counts[name] = (counts[name] ?? 0) + 1
      return counts
    }
    const aws = count(
      world.aws.requests.map(
        r => `${r.service}:${r.action}${r.status === 200 ? '' : ` (${r.errorCode ?? r.status})`}`
      )
    )
    const github = count(world.github.requests.map(r => `${r.method} ${r.route}`))
    return {
      aws,
      github,
      awsTotal: world.aws.requests.length,
      githubTotal: world.github.requests.length
    }
  })
}

// What one rotation of one target cannot do without, and why.
const MINIMUM_CALLS: Array<[string, number, string]> = [
  ['sts:GetCallerIdentity (who is calling)', 1, 'observe'],
  ['iam:GetUser, ListAccessKeys, ListUserTags', 3, 'observe: the keys and their marks'],
  ['iam:GetAccessKeyLastUsed', 1, 'observe: one per existing key'],
  ['iam:CreateAccessKey', 1, 'the new key'],
  ['iam:TagUser/UntagUser (marks)', 5, 'intent, pending, untag intent, active, retired'],
  ['sts:GetCallerIdentity with the new key', 3, 'at least one, three by design (confirmation)'],
  ['iam:UpdateAccessKey', 1, 'deactivate the previous key'],
  ['GitHub GET public key', 1, 'per scope'],
  ['GitHub PUT secret', 2, 'id and secret']
]

function table(header: string[], rows: Array<Array<string | number>>): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map(row => `| ${row.join(' | ')} |`)
  ].join('\n')
}

/**
 * Every section, or those BENCH_ONLY names (comma-separated, e.g. audit): the others are taken
 * from the last bench/results.json, so the report and the file stay whole.
 */
async function measureAll(): Promise<Measured> {
  const only = process.env.BENCH_ONLY?.split(',').map(name => name.trim())
  const last =
    only && existsSync('bench/results.json')
      ? (JSON.parse(readFileSync('bench/results.json', 'utf8')) as Partial<Measured>)
      : {}
  const section = async <K extends keyof Measured>(
    name: K,
    measure: () => Promise<Measured[K]>
  ): Promise<Measured[K]> => {
    const kept = last[name]
    return only && !only.includes(name) && kept !== undefined ? kept : measure()
  }
  return {
    startup: await section('startup', measureStartup),
    verification: await section('verification', measureVerification),
    fanOut: await section('fanOut', measureFanOut),
    gate: await section('gate', measureGate),
    audit: await section('audit', measureAudit),
    calls: await section('calls', measureCalls)
  }
}

const secondsText = (ms: number, digits: number): string => `${(ms / 1000).toFixed(digits)} s`

function startupReport(s: Measured['startup']): string {
  return table(
    ['measure', 'action', "node -e ''", 'goal'],
    [
      [
        `to first request, median of ${s.runs}`,
        `${s.firstRequestMs.median} ms`,
        `${s.bareNodeMs.median} ms (whole run)`,
        '< 120 ms'
      ],
      ['to first request, p90', `${s.firstRequestMs.p90} ms`, `${s.bareNodeMs.p90} ms`, ''],
      [
        'peak memory',
        `${s.peakRssMiB.action.toFixed(1)} MiB`,
        `${s.peakRssMiB.bareNode.toFixed(1)} MiB`,
        '< 100 MiB'
      ],
      [
        'bundle: index.js / all chunks',
        `${(s.bundleBytes.main / 1024 / 1024).toFixed(2)} / ${(s.bundleBytes.total / 1024 / 1024).toFixed(2)} MiB`,
        '',
        ''
      ]
    ]
  )
}

function verificationReport(rows: Measured['verification']): string {
  return table(
    [
      'case',
      'delay',
      'total',
      'overhead',
      'start / reads / confirm / finish',
      'STS checks with the new key',
      'goal'
    ],
    rows.map(row => [
      row.case,
      `${row.delayMs / 1000} s`,
      secondsText(row.totalMs, 2),
      secondsText(row.overheadMs, 2),
      [row.parts.startMs, row.parts.readsMs, row.parts.confirmMs, row.parts.finishMs]
        .map(ms => `${(ms / 1000).toFixed(2)}`)
        .join(' / '),
      row.checks,
      '< 1 s'
    ])
  )
}

function fanOutReport(rows: Measured['fanOut']): string {
  return table(
    [
      'limit answer',
      'targets',
      'wall',
      'GitHub time',
      'lower bound',
      'ratio',
      'requests',
      'points',
      'throttled',
      'ignored retry-after',
      'peak in flight',
      'failures'
    ],
    rows.map(row => [
      row.model,
      row.targets,
      secondsText(row.wallMs, 1),
      secondsText(row.githubMs, 1),
      secondsText(row.lowerBoundMs, 1),
      `${row.ratio.toFixed(2)}x`,
      row.requests,
      row.points,
      row.throttled,
      row.ignoredRetryAfter,
      row.peakInFlight,
      row.failures
    ])
  )
}

function gateReport(rows: Measured['gate']): string {
  return table(
    ['smoke run', 'without gate', 'with gate', "gate's own overhead", 'GitHub requests'],
    rows.map(row => [
      secondsText(row.smokeRunMs, 1),
      secondsText(row.withoutGateMs, 2),
      secondsText(row.withGateMs, 2),
      secondsText(row.overheadMs, 2),
      row.githubRequests
    ])
  )
}

function auditReport(rows: Measured['audit']): string {
  return table(
    [
      'IAM throttle',
      'users',
      'wall',
      'IAM requests',
      'throttled',
      'GitHub requests',
      'writes',
      'rows unlike the seed',
      'goal'
    ],
    rows.map(row => [
      row.throttle,
      row.users,
      secondsText(row.wallMs, 1),
      row.iamRequests,
      row.throttled,
      row.githubRequests,
      row.writes,
      row.mismatches,
      '< 60 s, 0 writes'
    ])
  )
}

function callsReport(calls: Measured['calls']): string[] {
  return [
    table(
      ['measured', 'count'],
      [
        ...Object.entries(calls.aws).map(([name, n]) => [name, n]),
        ...Object.entries(calls.github).map(([name, n]) => [`GitHub ${name}`, n])
      ]
    ),
    '',
    table(
      ['minimum the lifecycle needs', 'count', 'why'],
      MINIMUM_CALLS.map(([name, n, why]) => [name, n, why])
    ),
    '',
    `Totals: ${calls.awsTotal} AWS requests (minimum ${MINIMUM_CALLS.slice(0, 7).reduce((sum, row) => sum + row[1], 0)}), ${calls.githubTotal} GitHub requests (minimum 3).`
  ]
}

/** The markdown report of one run. */
function report(measured: Measured, date: string): string {
  const s = measured.startup
  return [
    `## Benchmark (${date}, ${s.node}${QUICK ? ', quick' : ''})`,
    '',
    '### Start-up',
    '',
    startupReport(s),
    '',
    '### Verification',
    '',
    verificationReport(measured.verification),
    '',
    `### Fan-out (secondary limit ${RATE_LIMIT.pointsPerWindow} points per ${RATE_LIMIT.windowMs / 1000} s window: GitHub's rate, 6x faster)`,
    '',
    fanOutReport(measured.fanOut),
    '',
    `### Smoke gate (rotation with ${GATE_DELAY_MS / 1000} s propagation, with and without smoke-workflow)`,
    '',
    gateReport(measured.gate),
    '',
    `### Audit (${AUDIT_USERS} users under ${FLEET_PATH}, IAM answering in ${IAM_LATENCY_MS.min}-${IAM_LATENCY_MS.max} ms)`,
    '',
    auditReport(measured.audit),
    '',
    '### Calls for one rotation of one target',
    '',
    ...callsReport(measured.calls)
  ].join('\n')
}

async function main(): Promise<void> {
  if (!existsSync('dist/index.js')) throw new Error('dist/index.js is missing: run npm run bundle')
  console.error(
    `Benchmarking dist/index.js on ${runner?.name ?? 'local node'}${QUICK ? ' (quick)' : ''}...`
  )
  const measured = await measureAll()
  mkdirSync('bench', { recursive: true })
  const results = {
    date: new Date().toISOString(),
    quick: QUICK,
    node: measured.startup.node,
    rateLimit: RATE_LIMIT,
    ...measured
  }
  writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`)
  console.log(report(measured, results.date))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
