import fc from 'fast-check'
import { readMark, writeMark, type Mark } from '../src/marks.js'

const TAG_VALUE = /^[A-Za-z0-9 _.:/=+\-@]{0,256}$/

const mark: Mark = {
  state: 'pending',
  at: Date.parse('2026-11-22T23:37:06Z'),
  runId: '1234567890',
  runAttempt: '2',
  repository: 'acme/app.web',
  previousKeyId: 'AKIAAAAAAAAAAAAAAAAA'
}

describe('marks', () => {
  it('writes one readable line', () => {
    expect(writeMark(mark)).toBe(
      'rotate-aws-access-keys v1 state=pending at=2026-11-22T23:37:06Z run=1234567890.2 prev=AKIAAAAAAAAAAAAAAAAA repo=acme/app.web'
    )
  })

  it('reads what it writes, for any run and repository, within the tag value rules', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9._-]{1,100}$/)
    fc.assert(
      fc.property(
        fc.constantFrom<Mark['state']>('pending', 'active', 'retired'),
        fc.integer({ min: 0, max: 4_102_444_800 }),
        fc.bigInt({ min: 1n, max: 10n ** 19n }),
        fc.integer({ min: 1, max: 99 }),
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/),
        name,
        (state, seconds, runId, attempt, owner, repo) => {
          const written = writeMark({
            state,
            at: seconds * 1000,
            runId: String(runId),
            runAttempt: String(attempt),
            repository: `${owner}/${repo}`,
            previousKeyId: 'AKIAAAAAAAAAAAAAAAAA'
          })
          expect(written).toMatch(TAG_VALUE)
          const read = readMark(written)
          expect(read.kind).toBe('ours')
          if (read.kind !== 'ours') return
          expect(read.mark).toMatchObject({
            state,
            at: seconds * 1000,
            runId: String(runId),
            runAttempt: String(attempt)
          })
        }
      )
    )
  })

  it('tells a description a person wrote from its own marks', () => {
    expect(readMark(undefined)).toEqual({ kind: 'none' })
    expect(readMark('CI key for the web app')).toEqual({ kind: 'none' })
  })

  it('does not guess at marks of another version or broken marks', () => {
    expect(readMark('rotate-aws-access-keys v2 state=pending').kind).toBe('unreadable')
    expect(readMark('rotate-aws-access-keys v1 state=lost at=2026-01-01T00:00:00Z').kind).toBe(
      'unreadable'
    )
    expect(readMark('rotate-aws-access-keys v1 state=active at=yesterday').kind).toBe('unreadable')
  })

  it('says why it cannot read a mark, naming the other version', () => {
    expect(readMark('rotate-aws-access-keys v2 state=pending')).toEqual({
      kind: 'unreadable',
      reason: 'written by another version of this action (v2)'
    })
    expect(readMark('rotate-aws-access-keys')).toEqual({
      kind: 'unreadable',
      reason: 'written by another version of this action (no version)'
    })
    expect(
      readMark('rotate-aws-access-keys v1 state=active at=2026-01-01T00:00:00Z smoke=maybe')
    ).toEqual({
      kind: 'unreadable',
      reason: "unknown smoke state 'maybe'"
    })
  })

  it('round-trips an orphan and the smoke gate, and reads nothing else as an orphan', () => {
    const orphan = writeMark({ state: 'retired', at: mark.at, orphan: true })
    expect(orphan).toBe(
      'rotate-aws-access-keys v1 state=retired at=2026-11-22T23:37:06Z orphan=yes'
    )
    expect(readMark(orphan)).toEqual({
      kind: 'ours',
      mark: { state: 'retired', at: mark.at, orphan: true }
    })
    const read = readMark(`${writeMark({ state: 'retired', at: mark.at })} orphan=no`)
    expect(read.kind === 'ours' && read.mark.orphan).toBeUndefined()
    expect(readMark(writeMark({ ...mark, state: 'active', smoke: 'failed' }))).toMatchObject({
      mark: { smoke: 'failed' }
    })
  })

  it('drops the repository rather than exceed 256 characters, and keeps what matters', () => {
    const long = {
      ...mark,
      repository: `${'o'.repeat(39)}/${'r'.repeat(100)}`,
      smoke: 'due' as const
    }
    const atLimit = writeMark({ ...mark, repository: 'a/b' })
    expect(atLimit).toMatch(/ repo=a\/b$/)
    const written = writeMark({ ...long, repository: `${'o'.repeat(39)}/${'r'.repeat(150)}` })
    expect(written.length).toBeLessThanOrEqual(256)
    expect(written).not.toMatch(/repo=/)
    expect(readMark(written)).toMatchObject({
      kind: 'ours',
      mark: { smoke: 'due', runId: mark.runId }
    })
    // Exactly 256 characters still carries the repository.
    const base = writeMark({ ...mark, repository: undefined as never })
    const room = 256 - base.length - ' repo='.length
    const exact = writeMark({ ...mark, repository: `o/${'r'.repeat(room - 2)}` })
    expect(exact.length).toBe(256)
    expect(exact).toMatch(/ repo=o\//)
    const over = writeMark({ ...mark, repository: `o/${'r'.repeat(room - 1)}` })
    expect(over).not.toMatch(/repo=/)
  })
})

describe('marks, field by field', () => {
  const at = Date.parse('2026-11-22T23:37:06Z')

  it('writes whole seconds, and a run without an attempt as its first attempt', () => {
    expect(writeMark({ state: 'active', at: at + 999, runId: '77' })).toBe(
      'rotate-aws-access-keys v1 state=active at=2026-11-22T23:37:06Z run=77.1'
    )
  })

  it('keeps a repository within the tag value rules', () => {
    expect(writeMark({ state: 'active', at, repository: 'acme/app web#1' })).toBe(
      'rotate-aws-access-keys v1 state=active at=2026-11-22T23:37:06Z repo=acme/app_web_1'
    )
  })

  it('refuses to write a mark IAM would reject, rather than write part of it', () => {
    expect(() => writeMark({ state: 'pending', at, previousKeyId: 'AKIA#1' })).toThrow(
      "mark would break IAM's tag value rules: rotate-aws-access-keys v1 state=pending at=2026-11-22T23:37:06Z prev=AKIA#1"
    )
    expect(() => writeMark({ state: 'pending', at, previousKeyId: 'A'.repeat(300) })).toThrow(
      /tag value rules/
    )
  })

  it('reads a mark with extra spaces, and nothing more than it says', () => {
    const read = readMark('  rotate-aws-access-keys  v1\tstate=active   at=2026-11-22T23:37:06Z\n')
    expect(read).toStrictEqual({ kind: 'ours', mark: { state: 'active', at } })
  })

  it('reads every field it writes', () => {
    expect(
      readMark(
        'rotate-aws-access-keys v1 state=active at=2026-11-22T23:37:06Z run=9.3 prev=AKIAB repo=acme/app smoke=due orphan=yes'
      )
    ).toStrictEqual({
      kind: 'ours',
      mark: {
        state: 'active',
        at,
        runId: '9',
        runAttempt: '3',
        previousKeyId: 'AKIAB',
        repository: 'acme/app',
        smoke: 'due',
        orphan: true
      }
    })
  })

  it('reads every state it writes', () => {
    for (const state of ['creating', 'pending', 'active', 'retired', 'reactivated'] as const) {
      expect(readMark(writeMark({ state, at }))).toStrictEqual({
        kind: 'ours',
        mark: { state, at }
      })
    }
  })

  it('does not take a malformed run for a run: no holder is guessed', () => {
    for (const run of ['abc', 'x1.2', '1.2x', '12', '1.', '.2']) {
      const read = readMark(
        `rotate-aws-access-keys v1 state=pending at=2026-11-22T23:37:06Z run=${run}`
      )
      expect(read).toStrictEqual({ kind: 'ours', mark: { state: 'pending', at } })
    }
  })

  it('says which field it could not read', () => {
    expect(readMark('rotate-aws-access-keys v1 at=2026-11-22T23:37:06Z')).toEqual({
      kind: 'unreadable',
      reason: "unknown state ''"
    })
    expect(readMark('rotate-aws-access-keys v1 state=lost at=2026-11-22T23:37:06Z')).toEqual({
      kind: 'unreadable',
      reason: "unknown state 'lost'"
    })
    expect(readMark('rotate-aws-access-keys v1 state=active')).toEqual({
      kind: 'unreadable',
      reason: "unreadable time ''"
    })
    expect(readMark('rotate-aws-access-keys v1 state=active at=yesterday')).toEqual({
      kind: 'unreadable',
      reason: "unreadable time 'yesterday'"
    })
    expect(
      readMark('rotate-aws-access-keys v1 state=pending at=2026-11-22T23:37:06Z until=soon')
    ).toEqual({ kind: 'unreadable', reason: "unreadable time 'soon'" })
  })

  it('keeps the end of a hold to the second, and reads a mark without one as holding no deadline', () => {
    const until = Date.parse('2026-11-23T01:07:06Z')
    const text = writeMark({ ...mark, until: until + 999 })
    expect(text).toBe(
      'rotate-aws-access-keys v1 state=pending at=2026-11-22T23:37:06Z run=1234567890.2 prev=AKIAAAAAAAAAAAAAAAAA until=2026-11-23T01:07:06Z repo=acme/app.web'
    )
    expect(readMark(text)).toEqual({ kind: 'ours', mark: { ...mark, until } })
    const reading = readMark(writeMark(mark))
    expect(reading.kind === 'ours' && 'until' in reading.mark).toBe(false)
  })
})

describe('marks a person touched', () => {
  it('reads a mark with a note added after it, ignoring the words that are not fields', () => {
    const at = Date.parse('2026-11-22T23:37:06Z')
    expect(readMark(`${writeMark({ state: 'active', at })} see states`)).toStrictEqual({
      kind: 'ours',
      mark: { state: 'active', at }
    })
  })
})
