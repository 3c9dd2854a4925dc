/**
 * A refused github-api-url is echoed in the error (the `::error::` line) and in the step summary:
 * however its credential is spelt, the echo must not hold it.
 */
import { failureReport } from '../src/report.js'
import { redactUrl, redactUrls } from '../src/redact.js'
import { readSettings, type InputName } from '../src/settings.js'

const PASSWORD = 'hunter2-Secret'

/** Spellings of a URL with a credential that the audit saw printed. */
const SPELLINGS = [
  `https:\\\\deploy:${PASSWORD}@ghes.example/api/v3`,
  `https:/deploy:${PASSWORD}@ghes.example/api/v3`,
  `https:deploy:${PASSWORD}@ghes.example/api/v3`,
  `https://deploy:${PASSWORD.slice(0, 7)}/${PASSWORD.slice(7)}@ghes.example/api/v3`,
  `https://ghes.example/api/v3?access_token=${PASSWORD}`,
  `https://ghes.example/api/v3#token=${PASSWORD}`,
  `https://deploy:${PASSWORD}@ghes.example:99999/api/v3`,
  `foo:deploy:${PASSWORD}@ghes.example`,
  `https://deploy:2026/${PASSWORD}@ghes.example/api/v3`
]

/** The settings error for these inputs and environment. */
function refusal(inputs: Partial<Record<InputName, string>>, env: NodeJS.ProcessEnv = {}): string {
  const all: Partial<Record<InputName, string>> = {
    'github-token': 'ghp_example',
    targets: 'acme/app',
    ...inputs
  }
  try {
    readSettings(name => all[name] ?? '', env)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('the settings were accepted')
}

describe('redactUrl', () => {
  it.each(SPELLINGS)('hides the credential in %s', text => {
    expect(redactUrl(text)).not.toContain(PASSWORD.slice(7))
    expect(redactUrl(text)).not.toContain('hunter2')
    expect(redactUrl(text)).toContain('***')
  })

  it('shows where the credential was, and keeps the rest', () => {
    expect(redactUrl(`https:\\\\deploy:${PASSWORD}@ghes.example/api/v3`)).toBe(
      'https://***@ghes.example/api/v3'
    )
    expect(redactUrl(`https://ghes.example/api/v3?access_token=${PASSWORD}`)).toBe(
      'https://ghes.example/api/v3?***'
    )
    expect(redactUrl(`https://ghes.example/api/v3#${PASSWORD}`)).toBe(
      'https://ghes.example/api/v3#***'
    )
    expect(redactUrl(`foo:deploy:${PASSWORD}@ghes.example`)).toBe('foo:***@ghes.example')
    // A password that starts with digits and a slash parses as a port and a path: neither the
    // user name nor those digits are shown.
    expect(redactUrl(`https://deploy:8080/${PASSWORD}@ghes.example/api/v3`)).toBe(
      'https://***@ghes.example/api/v3'
    )
  })

  it('cuts text the parser rejects after its scheme, once it holds an @, :, ? or #', () => {
    expect(redactUrl(`https://deploy:pa/ss@ghes.example/api/v3`)).toBe('https://***')
    expect(redactUrl('https://ghes.example:99999/api/v3')).toBe('https://***')
    expect(redactUrl('api.github.com')).toBe('api.github.com')
  })

  it('leaves a URL with nothing to hide as it was written', () => {
    for (const url of ['http://ghes.example/api/v3', 'https://API.github.com', 'https://']) {
      expect(redactUrl(url)).toBe(url)
    }
  })
})

describe('redactUrls', () => {
  it('redacts every URL in a message and nothing else', () => {
    expect(
      redactUrls(
        `fetch https:/u:${PASSWORD}@h.example/x failed; see https://docs.example/a (arn:aws:iam::123456789012:user/deploy: deploy@example)`
      )
    ).toBe(
      'fetch https://***@h.example/x failed; see https://docs.example/a (arn:aws:iam::123456789012:user/deploy: deploy@example)'
    )
  })
})

describe('a refused API URL', () => {
  it.each(SPELLINGS)('github-api-url %s: the error does not hold the password', url => {
    const message = refusal({ 'github-api-url': url })
    expect(message).toMatch(/^Input 'github-api-url': must be an https:\/\/ URL/)
    expect(message).not.toContain('hunter2')
    expect(message).not.toContain(PASSWORD.slice(7))
  })

  it.each(SPELLINGS)('GITHUB_API_URL %s: the error does not hold the password', url => {
    const message = refusal({}, { GITHUB_API_URL: url })
    expect(message).toMatch(/^Input 'github-api-url': is not set, and GITHUB_API_URL/)
    expect(message).not.toContain('hunter2')
  })

  it('the step summary of the failed run redacts a URL the message holds, as the error does', () => {
    const message = `Preflight failed: request to https:\\\\deploy:${PASSWORD}@ghes.example/api/v3/repos failed`
    const report = failureReport({ stage: 'preflight', refused: false, message, secrets: [] })
    expect(report.summary).toContain('request to https://***@ghes.example/api/v3/repos failed')
    expect(report.summary).not.toContain('hunter2')
    expect(report.needsPerson).not.toContain('hunter2')
  })
})
