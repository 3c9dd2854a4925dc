/** The audit's inputs: each read at its edge, each mistake named before anything is asked of AWS. */
import { readAudit } from '../src/audit/inputs.js'

const DEFAULTS = { audit: '', 'audit-fail-on': '', 'audit-unused-after': '45d' }

function read(inputs: Partial<typeof DEFAULTS>, iamUserName?: string) {
  const all = { ...DEFAULTS, ...inputs }
  return readAudit(name => all[name], iamUserName)
}

describe('audit inputs', () => {
  it('empty audit: a rotation; audit-fail-on alone is a mistake', () => {
    expect(read({})).toBeUndefined()
    expect(() => read({ 'audit-fail-on': 'overdue' })).toThrow(
      "Input 'audit-fail-on': is set, but audit is not"
    )
  })

  it('a path prefix begins and ends with /, as ListUsers takes it', () => {
    expect(read({ audit: '/' })?.scope).toEqual({ kind: 'path', pathPrefix: '/' })
    expect(read({ audit: '/deploy/ci/' })?.scope).toEqual({
      kind: 'path',
      pathPrefix: '/deploy/ci/'
    })
    expect(() => read({ audit: '/deploy' })).toThrow(
      "Input 'audit': '/deploy' is not an IAM path prefix"
    )
    expect(() => read({ audit: '/de ploy/' })).toThrow('is not an IAM path prefix')
    expect(read({ audit: `/${'a'.repeat(510)}/` })?.scope.kind).toBe('path')
    expect(() => read({ audit: `/${'a'.repeat(511)}/` })).toThrow('is not an IAM path prefix')
  })

  it('user names: one per line or comma-separated, each once; a wrong one is named', () => {
    expect(read({ audit: 'a\nb, c\n\na' })?.scope).toEqual({
      kind: 'names',
      names: ['a', 'b', 'c']
    })
    expect(() => read({ audit: 'good\nno/slash' })).toThrow(
      "Input 'audit': 'no/slash' is not an IAM user name"
    )
    expect(() => read({ audit: 'x'.repeat(65) })).toThrow('is not an IAM user name')
  })

  it('audit and iam-user-name together are refused', () => {
    expect(() => read({ audit: '/deploy/' }, 'deploy')).toThrow(
      "Input 'iam-user-name': is set together with audit"
    )
  })

  it('audit-fail-on: known findings, in any order, each once; an unknown one is named', () => {
    expect(read({ audit: '/', 'audit-fail-on': 'unused,overdue overdue' })?.failOn).toEqual([
      'unused',
      'overdue'
    ])
    expect(read({ audit: '/' })?.failOn).toEqual([])
    expect(() => read({ audit: '/', 'audit-fail-on': 'overdue,late' })).toThrow(
      "Input 'audit-fail-on': 'late' is not a finding; choose from quarantined, leaked"
    )
  })

  it('audit-unused-after: a duration of a day or more', () => {
    expect(read({ audit: '/' })?.unusedAfterMs).toBe(45 * 86_400_000)
    expect(read({ audit: '/', 'audit-unused-after': '1d' })?.unusedAfterMs).toBe(86_400_000)
    expect(() => read({ audit: '/', 'audit-unused-after': '23h' })).toThrow(
      "Input 'audit-unused-after': '23h' is not a duration of a day or more"
    )
    expect(() => read({ audit: '/', 'audit-unused-after': 'soon' })).toThrow('not a duration')
  })

  it('separators at either end are not names or findings', () => {
    expect(read({ audit: '\n a,\n' })?.scope).toEqual({ kind: 'names', names: ['a'] })
    expect(read({ audit: '/', 'audit-fail-on': ', overdue ,' })?.failOn).toEqual(['overdue'])
  })

  it('a long wrong value is cut in the error, not echoed whole', () => {
    const long = 'x'.repeat(200)
    const message = (inputs: Partial<typeof DEFAULTS>) => {
      try {
        read(inputs)
      } catch (error) {
        return (error as Error).message
      }
      return ''
    }
    for (const inputs of [
      { audit: `/${long}` },
      { audit: `a/${long}` },
      { audit: '/', 'audit-fail-on': long },
      { audit: '/', 'audit-unused-after': long }
    ]) {
      const text = message(inputs)
      expect(text).toMatch(/x{70}/)
      expect(text).not.toMatch(/x{81}/)
    }
  })
})
