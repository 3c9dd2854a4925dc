/**
 * The docs, held to the code where they can be: the quick start's workflow is the example file,
 * every file and function name the architecture page cites exists, and the figures the README and
 * docs/speed.md quote from the benchmark are those `npm run bench` wrote last.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const README = readFileSync('README.md', 'utf8')
const ARCHITECTURE = readFileSync('docs/architecture.md', 'utf8')
const SPEED = readFileSync('docs/speed.md', 'utf8')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)]
  )
}

const SOURCE = sourceFiles('src')
  .filter(file => file.endsWith('.ts'))
  .map(file => readFileSync(file, 'utf8'))
  .join('\n')

describe('docs', () => {
  it('the quick start shows examples/scheduled-rotation.yml as it is', () => {
    const block = /^ {3}```yaml\n([\s\S]*?)^ {3}```$/m.exec(README)?.[1] ?? ''
    const shown = block.replace(/^ {3}/gm, '')
    expect(shown).toBe(readFileSync('examples/scheduled-rotation.yml', 'utf8'))
  })

  it('every src file the architecture page names exists', () => {
    const files = [...ARCHITECTURE.matchAll(/`((?:[a-z-]+\/)*[a-z-]+\.ts)`/g)].map(m => m[1] ?? '')
    expect(files.length).toBeGreaterThan(20)
    // A bare name is found in src/ or in the folder its section is about.
    const folders = ['', 'src', 'src/steps', 'src/leaks', 'src/smoke', 'src/audit']
    const missing = files.filter(file => !folders.some(folder => existsSync(join(folder, file))))
    expect(missing).toEqual([])
  })

  it('every function the architecture page names is declared in src', () => {
    const names = [...ARCHITECTURE.matchAll(/`([a-z][A-Za-z0-9]+)`/g)]
      .map(m => m[1] ?? '')
      .filter(name => /[A-Z]/.test(name))
    expect(names.length).toBeGreaterThan(10)
    const declared = (name: string) =>
      new RegExp(`(function|const|let|class|interface|type) ${name}\\b|\\b${name}(\\(|: )`).test(
        SOURCE
      )
    expect([...new Set(names)].filter(name => !declared(name))).toEqual([])
  })
})

/** The part of bench/results.json (scripts/bench.ts writes it) that the docs quote. */
interface BenchResults {
  quick: boolean
  startup: {
    runs: number
    firstRequestMs: { median: number }
    peakRssMiB: { action: number }
    bundleBytes: { main: number }
  }
  verification: Array<{
    case: string
    delayMs: number
    overheadMs: number
    parts: Record<'startMs' | 'readsMs' | 'confirmMs' | 'finishMs', number>
  }>
  fanOut: Array<
    Record<
      | 'targets'
      | 'githubMs'
      | 'lowerBoundMs'
      | 'ratio'
      | 'throttled'
      | 'ignoredRetryAfter'
      | 'peakInFlight'
      | 'failures',
      number
    > & { model: string }
  >
  audit: Array<
    Record<
      'users' | 'wallMs' | 'iamRequests' | 'throttled' | 'githubRequests' | 'mismatches' | 'writes',
      number
    > & { throttle: string }
  >
}

const BENCH = JSON.parse(readFileSync('bench/results.json', 'utf8')) as BenchResults
const FAN_OUT_GOAL = 1.5

// The figures as the docs write them.
const seconds = (ms: number, digits = 1): string => `${(ms / 1000).toFixed(digits)} s`
const times = (ratio: number): string => `${ratio.toFixed(2)}x`
const count = (n: number): string => n.toLocaleString('en-US')
const inWords = (n: number): string =>
  ['no', 'one', 'two', 'three', 'four', 'five', 'six'][n] ?? String(n)
/** A doc's text with its line breaks and runs of spaces as one space. */
const prose = (doc: string): string => doc.replace(/\s+/g, ' ')

/**
 * The body rows of the table after `<!-- bench/results.json: NAME -->` in a doc, cell by cell,
 * without code marks: a table so marked quotes that section of the file.
 */
function benchTable(doc: string, name: string): string[][] {
  const marker = `<!-- bench/results.json: ${name} -->`
  const at = doc.indexOf(marker)
  if (at < 0) throw new Error(`no ${marker}`)
  const after = doc.slice(at + marker.length).trimStart()
  const rows: string[][] = []
  for (const line of after.split('\n')) {
    if (!line.startsWith('|')) break
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map(cell => cell.trim().replace(/`/g, ''))
    )
  }
  return rows.slice(2) // the header and its rule
}

describe("the docs' figures from the benchmark (npm run bench writes bench/results.json)", () => {
  it('come from a full run', () => {
    expect(BENCH.quick).toBe(false)
  })

  it("the README's fan-out ratios and docs/speed.md's fan-out table", () => {
    const ratios = BENCH.fanOut.map(row => row.ratio)
    const targets = [...new Set(BENCH.fanOut.map(row => count(row.targets)))].join(' and ')
    const kinds = new Set(BENCH.fanOut.map(row => row.model)).size
    const failures = BENCH.fanOut.reduce((sum, row) => sum + row.failures, 0)
    expect(prose(README)).toContain(
      `measured with ${targets} targets at ${times(Math.min(...ratios))} to ${times(Math.max(...ratios))} the lower bound under ${inWords(kinds)} kinds of limit, ${failures === 0 ? 'none' : count(failures)} failed`
    )
    expect(benchTable(SPEED, 'fanOut')).toEqual(
      BENCH.fanOut.map(row =>
        [row.model, count(row.targets), seconds(row.githubMs), seconds(row.lowerBoundMs)]
          .concat(times(row.ratio))
          .concat([row.throttled, row.peakInFlight, row.failures].map(String))
      )
    )
    // What the prose under the table says of every row.
    const peak = Math.max(...BENCH.fanOut.map(row => row.peakInFlight))
    expect(prose(SPEED)).toContain(
      `Every row meets the goal: no failures, at most ${times(Math.max(...ratios))} the floor, and never more than the bound of ${peak} requests in flight`
    )
    expect({ failures, underGoal: Math.max(...ratios) < FAN_OUT_GOAL }).toEqual({
      failures: 0,
      underGoal: true
    })
    expect(BENCH.fanOut.map(row => row.ignoredRetryAfter)).toEqual(BENCH.fanOut.map(() => 0))
  })

  it("docs/speed.md's verification table, start-up, memory and bundle", () => {
    expect(benchTable(SPEED, 'verification')).toEqual(
      BENCH.verification.map(row => [
        row.case.startsWith('flicker') ? 'flicker' : seconds(row.delayMs, 0),
        seconds(row.overheadMs, 2),
        `${[row.parts.startMs, row.parts.readsMs, row.parts.confirmMs, row.parts.finishMs]
          .map(ms => (ms / 1000).toFixed(2))
          .join(' / ')} s`
      ])
    )
    // "All three delays are under the 1.0 s goal, but not at the 0.6 s aim."
    const delays = BENCH.verification.filter(row => row.case.startsWith('propagation'))
    expect(delays.map(row => row.overheadMs > 600 && row.overheadMs < 1000)).toEqual([
      true,
      true,
      true
    ])
    const { startup } = BENCH
    const text = prose(SPEED)
    expect(text).toContain(
      `measured the start-up at ${startup.firstRequestMs.median} ms to the first request (median of ${startup.runs}). Peak memory was ${startup.peakRssMiB.action.toFixed(1)} MiB`
    )
    expect(text).toContain(
      `The bundle grew from 0.53 to ${(startup.bundleBytes.main / 1024 / 1024).toFixed(2)} MiB`
    )
  })

  it("the README's audit figures and docs/speed.md's audit table", () => {
    const [free, throttled] = BENCH.audit
    if (!free || !throttled) throw new Error('bench/results.json has no two audit rows')
    const [rate, burst] = (/^(\d+)\/s, burst (\d+)$/.exec(throttled.throttle) ?? [])
      .slice(1)
      .map(Number)
    if (rate === undefined || burst === undefined) throw new Error(`throttle ${throttled.throttle}`)
    expect(prose(README)).toContain(
      `${free.users} users in ${seconds(free.wallMs)} without throttling, and in ${seconds(throttled.wallMs)} under a throttle of ${rate} requests a second (${count(throttled.iamRequests)} IAM requests, ${throttled.throttled} throttled, every row as seeded)`
    )
    expect(benchTable(SPEED, 'audit')).toEqual(
      BENCH.audit.map(row =>
        [row.throttle, count(row.users), seconds(row.wallMs), count(row.iamRequests)].concat(
          [row.throttled, row.githubRequests, row.writes, row.mismatches].map(String)
        )
      )
    )
    // The floor under the throttle: the reads an unthrottled run needs, less the burst, at the rate.
    const floor = seconds(((free.iamRequests - burst) / rate) * 1000)
    // Above it by the difference of the two figures the paragraph shows, rounded as they are.
    const above = (parseFloat(seconds(throttled.wallMs)) - parseFloat(floor)).toFixed(1)
    expect(prose(SPEED)).toContain(
      `About ${Math.round(free.iamRequests / free.users)} IAM reads per user`
    )
    expect(prose(SPEED)).toContain(
      `the floor is (${count(free.iamRequests)} - ${burst}) / ${rate} = ${floor}`
    )
    expect(prose(SPEED)).toContain(
      `${throttled.throttled} requests of ${count(throttled.iamRequests)} were throttled and the run ended ${above} s above the floor`
    )
    expect(BENCH.audit.map(row => [row.mismatches, row.writes])).toEqual([
      [0, 0],
      [0, 0]
    ])
  })
})
