/** The notice to a person: one issue per user, told again only on a new cause or a day later. */
import type { IssuesApi, OpenIssue } from '../src/github/issues.js'
import { ISSUE_LABEL, jobIdentity, tellPerson, type Notice } from '../src/notify.js'

const NOW = Date.parse('2026-12-05T06:00:00Z')
const HOUR = 3_600_000

/** Issues in memory, every call journaled; `racing` opens another job's issue during a create. */
class FakeIssues implements IssuesApi {
  readonly issues: Array<OpenIssue & { state: 'open' | 'closed'; labels: string[] }> = []
  readonly comments: Array<{ number: number; body: string }> = []
  readonly calls: string[] = []
  racing: (() => void) | undefined
  /** GitHub drops the labels of a token without push access. */
  dropsLabels = false
  async listOpen(_repository: string, label: string) {
    this.calls.push('list')
    return this.issues.filter(i => i.state === 'open' && i.labels.includes(label))
  }
  async listRecent() {
    this.calls.push('list recent')
    return this.issues.filter(i => i.state === 'open')
  }
  async create(_repository: string, issue: { title: string; body: string; labels: string[] }) {
    this.calls.push('create')
    this.racing?.()
    return this.add(this.dropsLabels ? { ...issue, labels: [] } : issue)
  }
  add(issue: { title: string; body: string; labels: string[] }) {
    const number = this.issues.length + 1
    const made = {
      ...issue,
      number,
      htmlUrl: `https://github.example/acme/app/issues/${number}`,
      state: 'open' as const
    }
    this.issues.push(made)
    return made
  }
  async update(_repository: string, number: number, change: { title?: string; body?: string }) {
    this.calls.push(`update ${number}`)
    Object.assign(this.find(number), change)
  }
  async close(_repository: string, number: number) {
    this.calls.push(`close ${number}`)
    this.find(number).state = 'closed'
  }
  async comment(_repository: string, number: number, body: string) {
    this.calls.push(`comment ${number}`)
    this.comments.push({ number, body })
  }
  private find(number: number) {
    const issue = this.issues.find(i => i.number === number)
    if (!issue) throw new Error(`no issue ${number}`)
    return issue
  }
}

const refused: Notice = {
  repository: 'acme/app',
  account: '123456789012',
  userName: 'deploy',
  job: 'job-0123456789ab',
  outcome: 'Refused: nothing was changed',
  needsPerson:
    'Active access keys that this action did not create: AKIA…0002. Deactivate and delete them.',
  summary: '## AWS access key rotation: Refused: nothing was changed',
  runUrl: 'https://github.example/acme/app/actions/runs/41',
  now: NOW
}
const healed: Notice = {
  ...refused,
  outcome: 'Rotated',
  needsPerson: undefined,
  runUrl: 'https://github.example/acme/app/actions/runs/44'
}

describe('tellPerson', () => {
  it('opens one labelled issue for a run that needs a person, saying what and where', async () => {
    const api = new FakeIssues()
    expect(await tellPerson(api, refused)).toEqual({
      action: 'opened',
      url: 'https://github.example/acme/app/issues/1'
    })
    const [issue] = api.issues
    expect(issue?.labels).toEqual([ISSUE_LABEL])
    expect(issue?.title).toBe(
      'AWS key rotation of deploy needs a person: Refused: nothing was changed'
    )
    expect(issue?.body).toMatch(
      /^<!-- rotate-aws-access-keys: user=123456789012:deploy job=job-0123456789ab cause=\w{12} noted=2026-12-05T06:00:00Z -->\n/
    )
    expect(issue?.body).toContain('[run](https://github.example/acme/app/actions/runs/41)')
    expect(issue?.body).toContain(refused.summary)
  })

  it('the same cause again: no comment, no second issue, until a day has passed', async () => {
    const api = new FakeIssues()
    await tellPerson(api, refused)
    // The same words with other numbers (a time, a count) are the same cause.
    const again = {
      ...refused,
      needsPerson: refused.needsPerson?.replace('0002', '0003'),
      now: NOW + 23 * HOUR
    }
    expect((await tellPerson(api, again)).action).toBe('unchanged')
    expect(api.comments).toEqual([])
    expect(await tellPerson(api, { ...refused, now: NOW + 25 * HOUR })).toEqual({
      action: 'updated',
      url: 'https://github.example/acme/app/issues/1'
    })
    expect(api.comments).toEqual([
      { number: 1, body: expect.stringMatching(/^Still needs a person, a day later/) }
    ])
    // Told again: the day starts over.
    expect((await tellPerson(api, { ...refused, now: NOW + 30 * HOUR })).action).toBe('unchanged')
    expect(api.issues).toHaveLength(1)
  })

  it('a cause is its outcome and first sentence, with numbers aside; told again at 24 h exactly', async () => {
    const api = new FakeIssues()
    const first = { ...refused, needsPerson: 'Could not write 2 of 3 targets. Details: a.' }
    await tellPerson(api, first)
    const counts = { ...first, needsPerson: 'Could not write 12 of 13 targets. Other details.' }
    expect((await tellPerson(api, counts)).action).toBe('unchanged')
    const other = { ...first, needsPerson: 'Could not read 2 of 3 targets. Details: a.' }
    expect((await tellPerson(api, other)).action).toBe('updated')
    expect((await tellPerson(api, { ...other, now: NOW + 24 * HOUR })).action).toBe('updated')
  })

  it('a new cause comments at once and rewrites the issue', async () => {
    const api = new FakeIssues()
    await tellPerson(api, refused)
    const failed = {
      ...refused,
      outcome: 'Failed',
      needsPerson: 'Could not write key AKIA…0009 to every target.',
      now: NOW + HOUR
    }
    expect((await tellPerson(api, failed)).action).toBe('updated')
    expect(api.comments[0]?.body).toMatch(
      /^The cause changed \(\[run\]\(.*\)\): \*\*Failed\*\*\n\nCould not write key/
    )
    expect(api.issues[0]?.title).toBe('AWS key rotation of deploy needs a person: Failed')
  })

  it('a run that heals closes the issue with a comment; with none open it does nothing', async () => {
    const api = new FakeIssues()
    expect(await tellPerson(api, healed)).toEqual({ action: 'none', url: '' })
    await tellPerson(api, refused)
    expect(await tellPerson(api, healed)).toEqual({
      action: 'closed',
      url: 'https://github.example/acme/app/issues/1'
    })
    expect(api.comments).toEqual([
      {
        number: 1,
        body: 'Healed by [this run](https://github.example/acme/app/actions/runs/44): **Rotated**. Closing.'
      }
    ])
    expect(api.issues[0]?.state).toBe('closed')
  })

  it('another user, or another account, gets its own issue; an unlabelled or unmarked one is not ours', async () => {
    const api = new FakeIssues()
    api.add({ title: 'x', body: 'no marker', labels: [ISSUE_LABEL] })
    await tellPerson(api, refused)
    // A matrix's other entries: another user, another job.
    await tellPerson(api, { ...refused, userName: 'deploy-2', job: 'job-000000000002' })
    await tellPerson(api, { ...refused, account: '210987654321', job: 'job-000000000003' })
    expect(api.issues.filter(i => i.state === 'open')).toHaveLength(4)
    await tellPerson(api, healed)
    expect(api.issues.map(i => i.state)).toEqual(['open', 'closed', 'open', 'open'])
  })

  it('without push access GitHub drops the label: said once, and the next run still finds the issue', async () => {
    const api = new FakeIssues()
    api.dropsLabels = true
    expect(await tellPerson(api, refused)).toEqual({
      action: 'opened',
      url: 'https://github.example/acme/app/issues/1',
      unlabelled: true
    })
    expect((await tellPerson(api, { ...refused, now: NOW + HOUR })).action).toBe('unchanged')
    expect(api.issues).toHaveLength(1)
  })

  it('two jobs for one user that both found none: the newer issue closes as a duplicate', async () => {
    const api = new FakeIssues()
    const other = new FakeIssues()
    await tellPerson(other, refused)
    api.racing = () => {
      api.racing = undefined
      api.add({ ...(other.issues[0] ?? { title: '', body: '' }), labels: [ISSUE_LABEL] })
    }
    expect(await tellPerson(api, refused)).toEqual({
      action: 'unchanged',
      url: 'https://github.example/acme/app/issues/1'
    })
    expect(api.issues.map(i => i.state)).toEqual(['open', 'closed'])
    expect(api.comments).toEqual([{ number: 2, body: 'Duplicate of #1.' }])
  })

  it("a run that failed before AWS answered is marked by its job; the user's later runs take it over", async () => {
    const api = new FakeIssues()
    const unseen = {
      ...refused,
      account: undefined,
      userName: '(not known yet)',
      outcome: 'Failed before any change',
      needsPerson:
        'AWS refused the credentials: The security token included in the request is invalid.'
    }
    expect((await tellPerson(api, unseen)).action).toBe('opened')
    expect(api.issues[0]?.body).toMatch(/^<!-- rotate-aws-access-keys: user=job-0123456789ab /)
    expect(api.issues[0]?.body).toContain('(account not known: AWS did not answer)')
    expect((await tellPerson(api, { ...unseen, now: NOW + HOUR })).action).toBe('unchanged')
    // The user's own run needs a person too: the same issue, now marked with the user.
    expect((await tellPerson(api, { ...refused, now: NOW + 2 * HOUR })).action).toBe('updated')
    expect(api.issues[0]?.body).toMatch(/user=123456789012:deploy /)
    expect(api.issues).toHaveLength(1)
    // Another job (another matrix entry) never touches it; a healed run of this job closes it.
    await tellPerson(api, { ...unseen, job: 'job-ba9876543210' })
    await tellPerson(api, { ...unseen, now: NOW + 3 * HOUR })
    expect(api.issues.map(i => i.state)).toEqual(['open', 'open'])
    expect((await tellPerson(api, { ...healed, now: NOW + 4 * HOUR })).action).toBe('closed')
    expect(api.issues.map(i => i.state)).toEqual(['closed', 'open'])
  })

  it('a healed run closes the issue its job opened before AWS answered', async () => {
    const api = new FakeIssues()
    await tellPerson(api, { ...refused, account: undefined })
    expect((await tellPerson(api, healed)).action).toBe('closed')
  })
})

describe('jobIdentity', () => {
  const parts = {
    repository: 'acme/app',
    workflow: 'Rotate',
    job: 'rotate',
    iamUserName: undefined,
    targets: ['acme/app', 'acme/web']
  }
  it("a matrix's entries differ by user or targets; the targets' order does not matter", () => {
    const one = jobIdentity(parts)
    expect(one).toMatch(/^job-[0-9a-f]{12}$/)
    expect(jobIdentity({ ...parts, targets: ['acme/web', 'acme/app'] })).toBe(one)
    expect(jobIdentity({ ...parts, targets: ['acme/app'] })).not.toBe(one)
    expect(jobIdentity({ ...parts, iamUserName: 'deploy' })).not.toBe(one)
    expect(jobIdentity({ ...parts, workflow: 'Other' })).not.toBe(one)
    expect(jobIdentity({ ...parts, job: 'other' })).not.toBe(one)
    expect(jobIdentity({ ...parts, repository: 'acme/other' })).not.toBe(one)
  })
})
