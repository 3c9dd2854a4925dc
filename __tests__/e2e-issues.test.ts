/**
 * issue-on-failure, end to end through the bundled action: a run that needs a person opens one
 * issue in the workflow's repository, later runs with the same cause leave it alone, a new
 * cause comments, a run that heals closes it; no permission, or issues turned off, change
 * nothing about the run's outcome. The GitHub emulator serves the issues API as GitHub's
 * description has it (./emulators/issues.ts).
 */
import { QUARANTINE_POLICIES } from './emulators/quarantine.js'
import { maskedLog } from './emulators/runner.js'
import { adminRole, startWorld, USER, type World } from './emulators/world.js'

const REPO = 'acme/app'
const LABEL = 'rotate-aws-access-keys'

const openIssues = (world: World) =>
  world.github.issues(REPO).filter(issue => issue.state === 'open' && !issue.pullRequest)
const issueRequests = (world: World) =>
  world.github.requests.filter(r => r.route.includes('issue')).map(r => `${r.method} ${r.route}`)

/** A person's second active key: every self-rotation refuses until it goes. */
function personKey(world: World): string {
  return world.aws.createAccessKey(USER).accessKeyId
}

describe('issue-on-failure', () => {
  let world: World
  afterEach(() => world.close())

  it('opens one issue on a refusal, leaves it alone on the same refusal, comments on a new cause, and closes it once a run heals', async () => {
    // Push access: GitHub keeps the label (the other cases run without it).
    world = await startWorld({ repos: [REPO], keyAgeDays: 10, issues: 'write', push: true })
    // A pull request with the label is in the list too, and is never taken for the issue.
    world.github.addPullRequest(REPO, 'Bump the rotation action', [LABEL])
    const held = world.stored()
    const extra = personKey(world)

    const first = await world.run({}, { runId: '2001' })
    expect(first.code).toBe(1)
    expect(first.outputs.issue).toBe('opened')
    const [issue] = openIssues(world)
    expect(openIssues(world)).toHaveLength(1)
    expect(first.outputs['issue-url']).toMatch(new RegExp(`/${REPO}/issues/${issue?.number}$`))
    expect(issue?.labels).toEqual([LABEL])
    expect(issue?.title).toBe(
      'AWS key rotation of deploy needs a person: Refused: nothing was changed'
    )
    expect(issue?.body).toContain('/actions/runs/2001')
    // The issue says what the summary says: keys shortened, never a secret.
    const text = `${issue?.title} ${issue?.body}`
    for (const value of [held.accessKeyId, held.secretAccessKey, extra]) {
      expect(text).not.toContain(value)
    }
    expect(text).toContain(`AKIA…${extra.slice(-4)}`)

    const again = await world.run({}, { runId: '2002' })
    expect(again.code).toBe(1)
    expect(again.outputs.issue).toBe('unchanged')
    expect(openIssues(world)).toHaveLength(1)
    expect(issue?.comments).toEqual([])

    // Another cause: AWS quarantines the user.
    world.aws.attachManagedPolicy(USER, QUARANTINE_POLICIES.v3)
    const quarantined = await world.run({}, { runId: '2003' })
    expect(quarantined.code).toBe(1)
    expect(quarantined.outputs.issue).toBe('updated')
    expect(issue?.comments).toHaveLength(1)
    expect(issue?.comments[0]?.body).toMatch(
      /^The cause changed .*AWS has quarantined IAM user deploy/s
    )

    // A person detaches the policy and deletes their key: the next run heals, and closes it.
    world.aws.detachManagedPolicy(USER, QUARANTINE_POLICIES.v3.arn)
    world.aws.deleteKey(extra)
    world.aws.settleReads()
    const healed = await world.run({}, { runId: '2004' })
    expect(healed.code).toBe(0)
    expect(healed.outputs.issue).toBe('closed')
    expect(openIssues(world)).toEqual([])
    expect(issue?.comments[1]?.body).toMatch(
      /^Healed by \[this run\]\(.*\/actions\/runs\/2004\): \*\*Nothing due\*\*/
    )
    expect(maskedLog(healed.stdout).visible).not.toContain(held.secretAccessKey)
  })

  it('an org matrix: two users refused in one repository get one issue each, and each heals alone', async () => {
    world = await startWorld({
      repos: [REPO],
      keyAgeDays: 10,
      issues: 'write',
      userPath: '/deploy/',
      userPolicy: null
    })
    const role = adminRole(world)
    world.aws.createUser('deploy-2', { path: '/deploy/' })
    // Each user holds two active keys the action did not create: admin mode refuses both.
    const strangers = [USER, 'deploy-2', 'deploy-2'].map(
      user => world.aws.createAccessKey(user).accessKeyId
    )
    for (const [runId, user] of [
      ['3001', USER],
      ['3002', 'deploy-2'],
      ['3003', USER]
    ] as const) {
      const result = await world.run({ 'iam-user-name': user }, { ...role, runId })
      expect(result.code).toBe(1)
    }
    const open = openIssues(world)
    expect(open.map(issue => issue.title)).toEqual([
      'AWS key rotation of deploy needs a person: Refused: nothing was changed',
      'AWS key rotation of deploy-2 needs a person: Refused: nothing was changed'
    ])
    const text = open.map(issue => `${issue.title} ${issue.body}`).join(' ')
    for (const id of strangers) expect(text).not.toContain(id)

    // deploy-2's keys go: its next run heals and closes its issue only.
    for (const id of strangers.slice(1)) world.aws.deleteKey(id)
    world.aws.settleReads()
    const healed = await world.run({ 'iam-user-name': 'deploy-2' }, { ...role, runId: '3004' })
    expect(healed.outputs.issue).toBe('closed')
    expect(openIssues(world).map(issue => issue.title)).toEqual([open[0]?.title])
  })

  it.each([
    { why: 'without the Issues permission', issues: undefined, disabled: false },
    { why: 'with issues turned off (410)', issues: 'write' as const, disabled: true }
  ])('$why: one notice, and the run ends as it would have', async ({ issues, disabled }) => {
    world = await startWorld({ repos: [REPO], keyAgeDays: 10, ...(issues ? { issues } : {}) })
    if (disabled) world.github.setIssuesEnabled(REPO, false)
    personKey(world)
    const result = await world.run({})
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/::error::.*did not create/)
    const notices = result.stdout
      .split('\n')
      .filter(line => line.startsWith('::notice::Could not open or update the issue'))
    expect(notices).toHaveLength(1)
    expect(notices[0]).toContain('Issues: read and write')
    expect(result.outputs.issue).toBe('none')
    expect(openIssues(world)).toEqual([])
  })

  it('a run that fails in preflight (a target the token cannot reach) still opens the issue', async () => {
    world = await startWorld({ repos: [REPO], keyAgeDays: 100, issues: 'write' })
    const before = world.stored()
    const result = await world.run({ targets: `${REPO}\nacme/gone` })
    expect(result.code).toBe(1)
    expect(world.stored()).toEqual(before)
    expect(result.outputs.issue).toBe('opened')
    const [issue] = openIssues(world)
    expect(issue?.title).toBe('AWS key rotation of deploy needs a person: Failed before any change')
    expect(issue?.body).toContain('acme/gone')
    expect(issue?.body).not.toContain(before.secretAccessKey)
  })

  it('AWS refusing the credentials opens the issue before the user is known; the healed run closes it', async () => {
    world = await startWorld({ repos: [REPO], keyAgeDays: 10, issues: 'write' })
    const held = world.stored()
    // A person switched the workflow's key off: AWS refuses every request it signs.
    world.aws.setKeyStatus(held.accessKeyId, 'Inactive')
    const refused = await world.run({}, { runId: '2101' })
    expect(refused.code).toBe(1)
    expect(refused.outputs.issue).toBe('opened')
    const [issue] = openIssues(world)
    expect(issue?.title).toBe(
      'AWS key rotation of (not known yet) needs a person: Refused: nothing was changed'
    )
    expect(issue?.body).toMatch(/^<!-- rotate-aws-access-keys: user=job-\w{12} job=job-\w{12} /)
    expect(issue?.body).toContain('AWS does not know the access key id this workflow gave')
    expect(issue?.body).not.toContain(held.accessKeyId)
    expect((await world.run({}, { runId: '2102' })).outputs.issue).toBe('unchanged')

    world.aws.setKeyStatus(held.accessKeyId, 'Active')
    world.aws.settleReads()
    const healed = await world.run({}, { runId: '2103' })
    expect(healed.code).toBe(0)
    expect(healed.outputs.issue).toBe('closed')
    expect(openIssues(world)).toEqual([])
    expect(issue?.comments.at(-1)?.body).toMatch(/^Healed by \[this run\]\(.*\/runs\/2103\)/)
  })

  it('waiting for another run is no issue, until that run has held the key for a day', async () => {
    world = await startWorld({ repos: [REPO], keyAgeDays: 100, issues: 'write' })
    const old = world.stored()
    const held = world.aws.createAccessKey(USER).accessKeyId
    const pending = (hoursAgo: number) => {
      const at = new Date(Date.now() - hoursAgo * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
      return `rotate-aws-access-keys v1 state=pending at=${at} run=777.1 prev=${old.accessKeyId} repo=${REPO}`
    }
    world.github.setRun(REPO, '777', '1', 'in_progress')
    world.aws.setTag(USER, held, pending(1))
    world.aws.settleReads()
    const fresh = await world.run({}, { runId: '4001' })
    expect(fresh.code).toBe(0)
    expect(fresh.outputs.issue).toBe('none')
    expect(issueRequests(world)).toEqual([])

    world.aws.setTag(USER, held, pending(25))
    world.aws.settleReads()
    const stuck = await world.run({}, { runId: '4002' })
    expect(stuck.code).toBe(0)
    expect(stuck.outputs.issue).toBe('opened')
    expect(openIssues(world)[0]?.body).toMatch(
      /Waiting for another run for 1d1h, .*run 777 attempt 1 of acme\/app, which GitHub shows in progress/
    )
  })

  it('a dry run and issue-on-failure: false touch no issue', async () => {
    world = await startWorld({ repos: [REPO], keyAgeDays: 10, issues: 'write' })
    personKey(world)
    for (const inputs of [{ 'dry-run': 'true' }, { 'issue-on-failure': 'false' }]) {
      const result = await world.run(inputs)
      expect(result.outputs.issue).toBe('none')
    }
    expect(issueRequests(world)).toEqual([])
  })
})
