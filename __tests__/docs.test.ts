/**
 * The docs, held to the code where they can be: the quick start's workflow is the example file,
 * and every file and function name the architecture page cites exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const README = readFileSync('README.md', 'utf8')
const ARCHITECTURE = readFileSync('docs/architecture.md', 'utf8')

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

  it("the README's audit figures are the benchmark's (npm run bench writes bench/results.json)", () => {
    type Row = Record<
      'users' | 'wallMs' | 'iamRequests' | 'throttled' | 'mismatches' | 'writes',
      number
    >
    const results = JSON.parse(readFileSync('bench/results.json', 'utf8')) as { audit: Row[] }
    const [free, throttled] = results.audit
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
    const sentence = README.replace(/\s+/g, ' ')
    expect(sentence).toContain(
      `${free?.users} users in ${seconds(free?.wallMs ?? 0)} without throttling, and in ${seconds(throttled?.wallMs ?? 0)} under a throttle of 50 requests a second (${throttled?.iamRequests.toLocaleString('en-US')} IAM requests, ${throttled?.throttled} throttled, every row as seeded)`
    )
    expect(results.audit.map(row => [row.mismatches, row.writes])).toEqual([
      [0, 0],
      [0, 0]
    ])
  })
})
