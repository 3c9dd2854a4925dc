/**
 * The step summary as GitHub shows it: rendered from markdown to HTML with a markdown renderer,
 * then checked for its structure: a heading with the outcome, key tables with ids shortened to
 * AKIA…WXYZ and the next action with its date, and the account of what was done.
 */
import { marked } from 'marked'
import { nodeBinaries } from './emulators/runner.js'
import { DAY, policyFile, startWorld, TOKEN, USER, type World } from './emulators/world.js'

const [runner] = nodeBinaries()
const withNode = runner ? { node: runner.path } : {}

/** policies/self-rotation.json without one action. */
function without(action: string) {
  const policy = policyFile('self-rotation')
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]
  return {
    ...policy,
    Statement: statements.map(statement => ({
      ...statement,
      Action: [statement.Action ?? []].flat().filter(name => name !== action)
    }))
  }
}

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

  /** The rendered summary's heading and its two sections, for a run that failed early. */
  async function failure(summary: string) {
    const html = await marked.parse(summary)
    return {
      heading: /<h2[^>]*>([^<]+)<\/h2>/.exec(html)?.[1],
      sections: [...html.matchAll(/<h3[^>]*>([^<]+)<\/h3>/g)].map(match => match[1]),
      text: html
        .replace(/<[^>]+>/g, '')
        .replace(/&#39;/g, "'")
        .replace(/&quot;/g, '"')
    }
  }

  it('an input error, before any request: what failed and what to do', async () => {
    world = await startWorld()
    const result = await world.run({ 'max-age': '90 days' }, withNode)
    expect(result.code).toBe(1)
    const summary = await failure(result.summary)
    expect(summary.heading).toBe('AWS access key rotation: Failed before any change')
    expect(summary.sections).toEqual(['What failed', 'What to do'])
    expect(summary.text).toContain("Input 'max-age': ")
    expect(summary.text).toContain(
      'No request reached AWS or GitHub. Fix the input the message names'
    )
    expect(result.summary).not.toContain(TOKEN)
  })

  it('credentials AWS does not know: refused, says which and what to set', async () => {
    world = await startWorld()
    const held = world.stored()
    world.aws.createAccessKey(USER)
    world.aws.deleteKey(held.accessKeyId)
    const result = await world.run({}, withNode)
    expect(result.code).toBe(1)
    const summary = await failure(result.summary)
    expect(summary.heading).toBe('AWS access key rotation: Refused: nothing was changed')
    expect(summary.text).toContain('InvalidClientTokenId')
    expect(summary.text).toContain('both secrets to an active key of the user')
    for (const secret of [TOKEN, held.secretAccessKey, held.accessKeyId]) {
      expect(result.summary).not.toContain(secret)
    }
  })

  it('AccessDenied on GetUser: failed before any change, with the permission to grant', async () => {
    world = await startWorld({ userPolicy: without('iam:GetUser') })
    const result = await world.run({}, withNode)
    expect(result.code).toBe(1)
    const summary = await failure(result.summary)
    expect(summary.heading).toBe('AWS access key rotation: Failed before any change')
    expect(summary.text).toContain('Grant iam:GetUser to the AWS credentials this workflow uses')
    expect(summary.text).toContain('the run stopped while reading the IAM user and its keys')
    expect(result.summary).not.toContain(world.stored().secretAccessKey)
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
