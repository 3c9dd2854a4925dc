/**
 * The leak check reading GitHub's alert lists as they may really come: an entry that is not an
 * alert is skipped and counted, never a reason to lose the page or to crash; a value too short
 * to be a secret is not masked; what reaches the log is printable.
 */
import type { Octokit } from '../src/github/client.js'
import { octokitAlerts, type AlertListing, type AlertsApi } from '../src/leaks/alerts-api.js'
import { matchLeaks, scanForLeaks } from '../src/leaks/scan.js'

const KEY = 'AKIAEXAMPLEKEY000001'
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const URL = 'https://github.example/acme/app/security/secret-scanning'

const entry = (number: number, secret: unknown, type = 'aws_access_key_id') => ({
  number,
  html_url: `${URL}/${number}`,
  secret_type: type,
  secret
})

/** An Octokit whose alert list answers these pages, and nothing else. */
function pagedOctokit(pages: unknown[][]): Octokit {
  return {
    paginate: {
      iterator: () =>
        (async function* () {
          for (const data of pages) yield { data }
        })()
    }
  } as unknown as Octokit
}

async function listing(pages: unknown[][]): Promise<{ listing: AlertListing; masked: string[] }> {
  const masked: string[] = []
  const api = octokitAlerts(pagedOctokit(pages), value => masked.push(value))
  return { listing: await api.listOpenAwsAlerts({ repository: 'acme/app' }), masked }
}

describe('an alert list with entries that are not alerts', () => {
  it('keeps the valid alerts of a page that also holds null and a secret that is no text', async () => {
    const { listing: read } = await listing([
      [entry(1, KEY), null, entry(2, 12345), 'text', entry(3, SECRET, 'aws_secret_access_key')],
      [entry(4, { value: KEY }), entry(0, KEY), { ...entry(5, KEY), secret_type: 7 }],
      [entry(6, KEY)]
    ])
    expect(read.kind).toBe('alerts')
    if (read.kind !== 'alerts') return
    expect(read.alerts.map(alert => alert.number)).toEqual([1, 3, 6])
    expect(read.skipped).toBe(6)
  })

  it('a URL that is not text only leaves the URL out', async () => {
    const { listing: read } = await listing([[{ ...entry(1, KEY), html_url: null }]])
    expect(read).toEqual({
      kind: 'alerts',
      alerts: [
        {
          number: 1,
          repository: 'acme/app',
          htmlUrl: '',
          secretType: 'aws_access_key_id',
          secret: KEY
        }
      ]
    })
  })

  it('a secret access key alert whose value is no text does not crash the match', async () => {
    const { listing: read } = await listing([[entry(1, 42, 'aws_secret_access_key')]])
    const alerts = read.kind === 'alerts' ? read.alerts : []
    expect(() => matchLeaks(alerts, [KEY], new Map([[SECRET, KEY]]))).not.toThrow()
  })

  it('the check says once how many were skipped, over every place it read', async () => {
    const answers: Record<string, AlertListing> = {
      'acme/app': { kind: 'alerts', alerts: [], skipped: 2 },
      'acme/api': { kind: 'alerts', alerts: [], skipped: 1 }
    }
    const api: AlertsApi = {
      listOpenAwsAlerts: async place =>
        answers['repository' in place ? place.repository : place.org] ?? {
          kind: 'alerts',
          alerts: []
        },
      resolveRevoked: async () => 'resolved'
    }
    const scan = await scanForLeaks(
      api,
      { orgs: [], repositories: ['acme/app', 'acme/api'] },
      [KEY],
      new Map()
    )
    expect(scan.notices).toEqual([
      'Leak check: skipped 3 secret scanning alert(s) that GitHub sent without a number, type or value the action can read; the other alerts were checked.'
    ])
  })
})

describe('masking what an alert list holds', () => {
  it('masks each value long enough to be a secret, and never a one-character one', async () => {
    const { masked } = await listing([
      [entry(1, KEY), entry(2, 'e'), entry(3, SECRET, 'aws_secret_access_key'), entry(4, 'abc')]
    ])
    expect(masked).toEqual([KEY, SECRET])
  })

  it('masks the value of an entry that is otherwise malformed', async () => {
    const { masked } = await listing([[{ secret: SECRET }]])
    expect(masked).toEqual([SECRET])
  })
})

describe('what the log may print of an alert', () => {
  it('an alert URL with a line break stays on its line', () => {
    const alert = {
      number: 1,
      repository: 'acme/app',
      htmlUrl: `${URL}/1\n::warning::injected`,
      secretType: 'aws_access_key_id',
      secret: 'AKIAEXAMPLEKEY000009'
    }
    const { unmatched } = matchLeaks([alert], [KEY], new Map())
    expect(unmatched[0]?.htmlUrl).toBe(`${URL}/1%0A::warning::injected`)
  })
})
