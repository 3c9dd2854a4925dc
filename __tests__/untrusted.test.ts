/**
 * Text from GitHub's and AWS's answers, printed: never a workflow command, never a line break.
 */
import { describeError } from '../src/errors.js'
import { apiText } from '../src/untrusted.js'

/** Whether the runner would read a line of this text as a workflow command. */
const commandLines = (printed: string) =>
  printed.split(/\r\n|\r|\n/).filter(line => /^\s*::/.test(line) || line.includes('##['))

describe('apiText', () => {
  it('keeps a value on its line: line breaks and other controls show as %XX', () => {
    const url = 'https://github.com/acme/app/security/secret-scanning/1\n::warning::pwned'
    expect(apiText(url)).toBe(
      'https://github.com/acme/app/security/secret-scanning/1%0A::warning::pwned'
    )
    expect(apiText('a\r\nb\u2028c\u0085d\u0007e')).toBe('a%0D%0Ab%E2%80%A8c%C2%85d%07e')
    expect(commandLines(`Leak check: ${apiText(url)}`)).toEqual([])
  })

  it('breaks a leading :: and every ##[, the two forms of a workflow command', () => {
    expect(apiText('::add-mask::e')).toBe('%3A:add-mask::e')
    expect(apiText('  ::stop-commands::x')).toBe('  %3A:stop-commands::x')
    expect(apiText('see ##[warning]now')).toBe('see ##%5Bwarning]now')
    expect(commandLines(apiText(' ::error::x'))).toEqual([])
  })

  it('leaves ordinary text as it is, and changes nothing when applied twice', () => {
    for (const text of ['https://github.com/acme/app/actions/runs/7', 'in_progress', 'a::b']) {
      expect(apiText(text)).toBe(text)
    }
    const once = apiText('x\n::warning::y ##[z')
    expect(apiText(once)).toBe(once)
    expect(apiText(undefined)).toBe('undefined')
    expect(apiText(42)).toBe('42')
  })

  it('describeError prints an API message printable', () => {
    const error = new Error('Validation Failed\n::warning::from the API')
    expect(describeError(error)).toBe('Validation Failed%0A::warning::from the API')
    expect(describeError('::error::text')).toBe('%3A:error::text')
  })
})
