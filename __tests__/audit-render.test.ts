/** The audit's report: counts, the findings that fail a run, and a summary safe to render. */
import type { AuditedUser } from '../src/audit/findings.js'
import { auditSummary, countsOf, failuresOf, reportJson } from '../src/audit/render.js'

const NOW = Date.parse('2026-12-05T12:00:00Z')

function user(userName: string, extra: Partial<AuditedUser> = {}): AuditedUser {
  return {
    userName,
    keys: [],
    findings: [],
    rotation: 'idle',
    quarantine: 'none',
    alerts: [],
    workflow: null,
    next: 'Nothing due.',
    urgency: 10,
    ...extra
  }
}

const users = [
  user('q', { findings: ['quarantined', 'overdue'], urgency: 0 }),
  user('o', { findings: ['overdue'], urgency: 3 }),
  user('f', { rotation: 'in flight', urgency: 9 }),
  user('e', { error: 'AccessDenied', urgency: -1 }),
  user('c')
]
const audit = { account: '123456789012', users, generatedAt: NOW }
const settings = {
  scope: { kind: 'path' as const, pathPrefix: '/deploy/' },
  failOn: [],
  unusedAfterMs: 45 * 86_400_000
}

describe('audit report', () => {
  it('counts users per finding; clean means read and nothing found', () => {
    expect(countsOf(users)).toMatchObject({
      users: 5,
      unread: 1,
      inFlight: 1,
      clean: 2,
      quarantined: 1,
      overdue: 2,
      unused: 0
    })
  })

  it('the findings audit-fail-on names, most urgent first, with their users', () => {
    expect(failuresOf(users, ['unused', 'overdue', 'quarantined'])).toEqual([
      { finding: 'quarantined', users: ['q'] },
      { finding: 'overdue', users: ['q', 'o'] }
    ])
    expect(failuresOf(users, [])).toEqual([])
  })

  it('the JSON names the scope, the thresholds and the counts', () => {
    const json = JSON.parse(reportJson(audit, settings, 90 * 86_400_000)) as Record<string, unknown>
    expect(json).toMatchObject({
      version: 1,
      generatedAt: '2026-12-05T12:00:00Z',
      account: '123456789012',
      scope: { pathPrefix: '/deploy/' },
      thresholds: { maxAge: '90d', unusedAfter: '45d' }
    })
    const names = { ...settings, scope: { kind: 'names' as const, names: ['a'] } }
    expect(JSON.parse(reportJson(audit, names, 1)).scope).toEqual({ userNames: ['a'] })
  })

  it('the summary: a line per user; text from AWS cannot break the table or inject HTML', () => {
    const odd = user('x', {
      next: 'A | B\n<script>alert(1)</script>',
      findings: ['unused'],
      urgency: 8
    })
    const summary = auditSummary({ ...audit, users: [odd] }, settings)
    expect(summary).toContain(
      '| x | **unused** | none | idle | A \\| B &lt;script&gt;alert(1)&lt;/script&gt; |'
    )
    expect(summary).not.toContain('<script>')
    expect(summary).toMatch(/^## AWS access keys audit: 1 user\(s\), 1 need attention\n/)
  })

  it('a long next action is cut in the table and whole in the details', () => {
    const long = user('l', { next: 'x'.repeat(300) })
    const summary = auditSummary({ ...audit, users: [long] }, settings)
    expect(summary).toContain(`| ${'x'.repeat(199)}… |`)
    expect(summary).toContain(`Next: ${'x'.repeat(300)}`)
  })
})
