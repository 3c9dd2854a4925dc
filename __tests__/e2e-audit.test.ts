/**
 * The fleet audit, end to end through the bundled action: a role holding the shipped admin
 * policy reads 50 users under /deploy/ in every state (./emulators/fleet.ts), the report's rows
 * match what was seeded, the JSON validates against schemas/audit-report.schema.json, nothing
 * in AWS or GitHub changes, and audit-fail-on turns chosen findings red.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { FLEET_PATH, seedFleet } from './emulators/fleet.js'
import { maskedLog } from './emulators/runner.js'
import { adminRole, policyFile, startWorld, type World } from './emulators/world.js'
import type { PolicyDocument } from './emulators/iam-policy.js'

const SCHEMA = JSON.parse(readFileSync('schemas/audit-report.schema.json', 'utf8')) as object
/** What the audit reads, and nothing else: the shipped admin policy's reads. */
const READS = [
  'iam:ListUsers',
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
  'iam:ListUserTags',
  'iam:ListAttachedUserPolicies'
]
const READ_ONLY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: READS, Resource: 'arn:aws:iam::*:user/deploy/*' }]
}
function readsWithout(read: string): PolicyDocument {
  const actions = READS.filter(action => action !== read)
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: actions, Resource: 'arn:aws:iam::*:user/deploy/*' }]
  }
}
const WRITES = new Set([
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'TagUser',
  'UntagUser'
])

interface Row {
  userName: string
  findings: string[]
  rotation: string
  next: string
  keys: Array<{ id: string; role: string }>
  error?: string
}

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true })
  addFormats.default(ajv)
  return ajv.compile(SCHEMA)
}

async function fleetWorld(): Promise<World> {
  return startWorld({
    repos: ['acme/app', 'acme/old'],
    userPath: FLEET_PATH,
    userPolicy: null,
    keyAgeDays: 10,
    secretScanning: 'read'
  })
}

describe('audit', () => {
  let world: World
  afterEach(() => world.close())

  it('reports 50 users in every state, sorted by urgency, valid against the schema, and changes nothing', async () => {
    world = await fleetWorld()
    const expected = seedFleet(world, 50)
    const asRole = adminRole(world)
    const secretsBefore = world.repos.map(repo => world.stored(repo))
    // RUNNER_TEMP goes with the run; the report file is kept in a folder of the test's own.
    const kept = mkdtempSync(join(tmpdir(), 'audit-'))
    const result = await world.run(
      { audit: FLEET_PATH },
      { ...asRole, extraEnv: { RUNNER_TEMP: kept } }
    )
    expect(result.code).toBe(0)

    const report = JSON.parse(result.outputs['audit-report'] ?? '{}') as {
      users: Row[]
      counts: Record<string, number>
    }
    const validate = validator()
    expect(validate(report) ? [] : validate.errors).toEqual([])
    expect(JSON.parse(readFileSync(result.outputs['audit-report-file'] ?? '', 'utf8'))).toEqual(
      report
    )
    expect(JSON.parse(result.outputs['audit-counts'] ?? '{}')).toEqual(report.counts)
    rmSync(kept, { recursive: true, force: true })

    const seen = new Map(report.users.map(row => [row.userName, row]))
    expect([...seen.keys()].sort()).toEqual([...expected.keys()].sort())
    for (const [name, want] of expected) {
      expect({
        name,
        findings: seen.get(name)?.findings,
        rotation: seen.get(name)?.rotation
      }).toEqual({
        name,
        findings: want.findings,
        rotation: want.rotation
      })
    }
    expect(report.counts).toMatchObject({
      users: 50,
      quarantined: 1,
      leaked: 1,
      stuck: 1,
      inFlight: 1
    })
    // Most urgent first: the quarantine, then the leak; clean users last.
    expect(report.users.slice(0, 2).map(row => row.userName)).toEqual(['h-quarantined', 'i-leaked'])
    expect(report.users.at(-1)?.findings).toEqual([])
    // The next action is the rotation's own words.
    expect(seen.get('d-overdue')?.next).toMatch(/^Create a new key/)
    expect(seen.get('f-inflight')?.next).toMatch(/run 5001/)
    expect(seen.get('l-retired')?.keys.map(key => key.role)).toEqual(['current', 'retired'])

    // Read-only: no write to AWS, nothing but reads from GitHub, every secret as it was.
    expect(world.aws.requests.filter(r => WRITES.has(r.action))).toEqual([])
    expect(world.github.requests.filter(r => r.method !== 'GET')).toEqual([])
    expect(world.repos.map(repo => world.stored(repo))).toEqual(secretsBefore)

    // The summary: one line per user, details folded; no key id in full anywhere.
    expect(result.summary).toMatch(/^## AWS access keys audit: 50 user\(s\), \d+ need attention/)
    expect(result.summary.match(/^\| [a-z]/gm)?.length).toBeGreaterThanOrEqual(50)
    expect(result.summary).toContain('<details><summary>h-quarantined</summary>')
    const { visible } = maskedLog(result.stdout)
    for (const name of expected.keys()) {
      for (const key of world.aws.keys(name)) {
        for (const text of [visible, result.summary, result.outputs['audit-report'] ?? '']) {
          expect(text).not.toContain(key.accessKeyId)
          expect(text).not.toContain(key.secretAccessKey)
        }
      }
    }
  })

  it('audit-fail-on fails the run naming the users; named users, one of them gone', async () => {
    world = await fleetWorld()
    seedFleet(world, 14)
    const asRole = adminRole(world)
    const failed = await world.run(
      { audit: FLEET_PATH, 'audit-fail-on': 'overdue, quarantined' },
      asRole
    )
    expect(failed.code).toBe(1)
    expect(failed.stdout).toMatch(
      /::error::Audit: findings that audit-fail-on names: quarantined \(1: h-quarantined\); overdue \(2: g-stuck, d-overdue\)/
    )

    const named = await world.run({ audit: 'c-clean\nnobody', 'audit-fail-on': 'overdue' }, asRole)
    // A user it could not read cannot be vouched for: with audit-fail-on set, the run fails.
    expect(named.code).toBe(1)
    expect(named.stdout).toMatch(
      /::error::Audit: findings that audit-fail-on names: unreadable \(1: nobody/
    )
    const report = JSON.parse(named.outputs['audit-report'] ?? '{}') as { users: Row[] }
    // A user that does not exist has no ARN under /deploy/: the shipped policy refuses GetUser,
    // as AWS authorizes before it looks the user up.
    expect(report.users.map(row => [row.userName, row.error?.slice(0, 40)])).toEqual([
      ['nobody', 'AccessDenied: User: arn:aws:sts::1234567'],
      ['c-clean', undefined]
    ])
    expect(named.stdout).toMatch(
      /::warning::Audit: could not read 1 user\(s\): nobody \(AccessDenied: .*iam:GetUser on resource: user nobody/
    )
  })

  it('a path the policy does not cover: the run fails naming iam:ListUsers and the way out', async () => {
    world = await fleetWorld()
    const result = await world.run({ audit: '/' }, adminRole(world))
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(
      /::error::.*not authorized to perform: iam:ListUsers.*audit \/deploy\/ or a path below it/
    )
  })

  it('bad audit input is refused before any request', async () => {
    world = await fleetWorld()
    const asRole = adminRole(world)
    const result = await world.run({ audit: '/deploy', 'iam-user-name': 'x' }, asRole)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/::error::Input 'iam-user-name': is set together with audit/)
    expect(world.aws.requests).toEqual([])
    const wrongFinding = await world.run({ audit: '/deploy/', 'audit-fail-on': 'late' }, asRole)
    expect(wrongFinding.stdout).toMatch(/::error::Input 'audit-fail-on': 'late' is not a finding/)
  })

  it("reads alone suffice: a role holding only the audit's reads gets every row right", async () => {
    world = await fleetWorld()
    const expected = seedFleet(world, 14)
    const result = await world.run({ audit: FLEET_PATH }, adminRole(world, READ_ONLY))
    expect(result.code).toBe(0)
    const report = JSON.parse(result.outputs['audit-report'] ?? '{}') as { users: Row[] }
    expect(report.users.filter(row => row.error !== undefined)).toEqual([])
    expect(report.users.map(row => [row.userName, row.findings])).toEqual(
      expect.arrayContaining([...expected].map(([name, want]) => [name, want.findings]))
    )
    // The shipped policy holds each of these reads.
    const shipped = JSON.stringify(policyFile('admin-rotation'))
    for (const read of READS) expect(shipped).toContain(`"${read}"`)
  })

  it.each(READS.slice(1))(
    'without %s: each user is a row that names it, and the run goes on',
    async read => {
      world = await fleetWorld()
      seedFleet(world, 14)
      const result = await world.run({ audit: FLEET_PATH }, adminRole(world, readsWithout(read)))
      expect(result.code).toBe(0)
      const report = JSON.parse(result.outputs['audit-report'] ?? '{}') as {
        users: Array<Row & { quarantine: string }>
      }
      if (read === 'iam:ListAttachedUserPolicies') {
        // The quarantine check is optional in a rotation too: unknown, not unreadable.
        expect(new Set(report.users.map(row => row.quarantine))).toEqual(new Set(['unknown']))
      } else {
        const withKeys = report.users.filter(
          row => row.userName !== 'a-empty' || read !== 'iam:GetAccessKeyLastUsed'
        )
        for (const row of withKeys)
          expect(row.error).toMatch(new RegExp(`not authorized to perform: ${read}`))
      }
    }
  )
})
