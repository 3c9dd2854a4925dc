/** An input echoed in an error is cut when it is long: a pasted blob never fills the log. */
import { readSettings, type InputName } from '../src/settings.js'

function refusal(inputs: Partial<Record<InputName, string>>): string {
  const all: Partial<Record<InputName, string>> = {
    'github-token': 'ghp_example',
    targets: 'acme/app',
    ...inputs
  }
  try {
    readSettings(name => all[name] ?? '', {})
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('the settings were accepted')
}

describe('a long iam-user-name', () => {
  it('is cut to 100 characters in the error, as a target line is, with its length', () => {
    const name = 'u'.repeat(100 * 1024)
    const message = refusal({ 'iam-user-name': name })
    expect(message).toBe(
      `Input 'iam-user-name': '${'u'.repeat(100)}… (102400 characters)' is not an IAM user name (1-64 letters, digits and + = , . @ _ -)`
    )
  })

  it('a short one is echoed whole', () => {
    expect(refusal({ 'iam-user-name': 'deploy bot' })).toMatch(
      /^Input 'iam-user-name': 'deploy bot' /
    )
  })
})

describe('every input echoed in an error', () => {
  const blob = 'x'.repeat(100 * 1024)
  it.each<[InputName, string]>([
    ['access-key-id-secret-name', `-${blob}`],
    ['secret-access-key-secret-name', `-${blob}`],
    ['max-age', blob],
    ['force', blob],
    ['dry-run', blob],
    ['aws-region', blob],
    ['expected-account-id', blob],
    ['org-secret-visibility', blob],
    ['github-api-url', `http://${blob}`],
    ['smoke-workflow', blob],
    ['smoke-workflow', `acme/app/smoke.yml@${blob}:`],
    ['smoke-workflow', `acme/${blob}-/smoke.yml`],
    ['leak-response', blob],
    ['issue-repository', `acme/${blob}`],
    ['issue-repository', `${blob}-/app`]
  ])('%s: a 100 KB value is cut to 100 characters', (input, value) => {
    const message = refusal({ [input]: value })
    expect(message).toMatch(new RegExp(`^Input '${input}': `))
    expect(message).toContain('… (102')
    expect(message.length).toBeLessThan(600)
  })

  it('the same name twice for both secrets', () => {
    const name = `A${'x'.repeat(100 * 1024)}`
    const message = refusal({
      'access-key-id-secret-name': name,
      'secret-access-key-secret-name': name
    })
    expect(message).toMatch(/^Input 'secret-access-key-secret-name': must differ/)
    expect(message.length).toBeLessThan(600)
  })
})
