/**
 * Text from GitHub's and AWS's answers, printed: never a workflow command, never a line break;
 * and masked only when it is long enough to be a secret.
 */
import { describeError } from '../src/errors.js'
import { apiText, maskable, MIN_MASKED_LENGTH } from '../src/untrusted.js'

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

describe('maskable', () => {
  it('never masks a value too short to be a secret', () => {
    expect(MIN_MASKED_LENGTH).toBe(8)
    for (const value of ['e', '1234567', '       e', '', ' '.repeat(20)]) {
      expect(maskable(value)).toEqual([])
    }
  })

  it('masks a credential whole, and each long line of a value with line breaks', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
    expect(maskable(secret)).toEqual([secret])
    expect(maskable('AKIAEXAMPLEKEY000001')).toEqual(['AKIAEXAMPLEKEY000001'])
    expect(maskable(`${secret}\ne\r\n12345678`)).toEqual([secret, '12345678'])
  })

  it('masks nothing that is not text', () => {
    for (const value of [5, null, undefined, { secret: 'wJalrXUtnFEMI' }]) {
      expect(maskable(value)).toEqual([])
    }
  })
})
