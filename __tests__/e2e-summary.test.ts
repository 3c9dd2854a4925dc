/**
 * The step summary as GitHub shows it: rendered from markdown to HTML with a markdown renderer,
 * then checked for its structure: a heading with the outcome, key tables with ids shortened to
 * AKIA…WXYZ and the next action with its date, and the account of what was done.
 */
import { marked } from 'marked'
import { nodeBinaries } from './emulators/runner.js'
import { DAY, startWorld, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}

function tables(html: string): Array<{ head: string[]; rows: string[][] }> {
  return [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map(([, table = '']) => {
    const cells = (row: string) =>
      [...row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map(cell => cell[1] ?? '')
    const rows = [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(row => cells(row[1] ?? ''))
    return { head: rows[0] ?? [], rows: rows.slice(1) }
  })
}

describe(`the step summary on ${runner?.name ?? 'node'}`, () => {
  let world: World | undefined
  afterEach(() => world?.close())

  it('renders to a heading, two key tables with next actions, and what happens next', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    const result = await world.run({ 'deactivate-after': '1d' }, withNode)
    expect(result.code).toBe(0)
    const html = await marked.parse(result.summary)
    expect(html).toMatch(/<h2[^>]*>AWS access key rotation: Rotated<\/h2>/)
    const headings = [...html.matchAll(/<h3[^>]*>([^<]+)<\/h3>/g)].map(match => match[1])
    expect(headings).toEqual(
      expect.arrayContaining(['Keys before', 'Keys after', 'Steps', 'Targets', 'What happens next'])
    )
    const [before, after] = tables(html)
    for (const table of [before, after]) {
      expect(table?.head).toEqual(['key', 'status', 'age', 'last used', 'state', 'next'])
      for (const row of table?.rows ?? []) expect(row[0]).toMatch(/^AKIA…[A-Z0-9]{4}$/)
    }
    // After: the new key rotates after max-age; the previous one is deactivated after a day.
    const next = (after?.rows ?? []).map(row => [row[1], row[5]])
    expect(next).toContainEqual([
      'Active',
      expect.stringMatching(/^rotated after \d{4}-\d\d-\d\dT/)
    ])
    expect(next).toContainEqual([
      'Active',
      expect.stringMatching(/^deactivated after \d{4}-\d\d-\d\dT/)
    ])
    expect(html).not.toContain(world.stored().secretAccessKey)
    expect(html).not.toContain(world.stored().accessKeyId)
  })

  it('a retired key shows when it will be deleted', async () => {
    world = await startWorld({ propagationDelayMs: 300 })
    await world.run({}, withNode)
    world.advance(DAY)
    const quiet = await world.run({}, withNode)
    const [before] = tables(await marked.parse(quiet.summary))
    expect(before?.rows.map(row => [row[1], row[5]])).toContainEqual([
      'Inactive',
      expect.stringMatching(/^deleted after \d{4}-/)
    ])
  })
})
