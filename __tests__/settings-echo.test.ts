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
