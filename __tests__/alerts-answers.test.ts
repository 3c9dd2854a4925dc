/**
 * The leak check reading GitHub's alert lists as they may really come: what reaches the log is
 * printable.
 */
import { matchLeaks } from '../src/leaks.js'

const KEY = 'AKIAEXAMPLEKEY000001'
const URL = 'https://github.example/acme/app/security/secret-scanning'

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
