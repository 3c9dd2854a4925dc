/** Re-reads right before a step acts: shared listings, and reading again while IAM lags. */
import { checkKey, readAgain } from '../src/steps/recheck.js'
import { OLD, world } from './fakes/ports.js'

const listings = (w: ReturnType<typeof world>) =>
  w.journal.calls.filter(call => call.op === 'recheckKeys').length

describe('checkKey', () => {
  it('writers asking at the same moment share one listing; a step about to act gets its own', async () => {
    const shared = world()
    await Promise.all([
      checkKey(shared.run, OLD.accessKeyId, true),
      checkKey(shared.run, OLD.accessKeyId, true)
    ])
    expect(listings(shared)).toBe(1)
    const own = world()
    await Promise.all([checkKey(own.run, OLD.accessKeyId), checkKey(own.run, OLD.accessKeyId)])
    expect(listings(own)).toBe(2)
  })

  it('a key that looks gone is read again after 1 s and 2 s, and counts only then', async () => {
    const w = world()
    w.aws.keys.delete(OLD.accessKeyId)
    expect(await checkKey(w.run, OLD.accessKeyId, true)).toEqual({
      kind: 'lost',
      status: 'deleted'
    })
    expect(w.clock.slept).toEqual([1_000, 2_000])
    expect(listings(w)).toBe(3)
  })
})

describe('readAgain', () => {
  it('stops at the first settled answer', async () => {
    const w = world()
    const answers = [1, 2, 3]
    const read = await readAgain(
      w.clock,
      async () => answers.shift(),
      n => n === 2
    )
    expect(read).toBe(2)
    expect(w.clock.slept).toEqual([1_000])
  })

  it('waits before its first read when the first read was made already, and returns the last', async () => {
    const w = world()
    let reads = 0
    const read = await readAgain(
      w.clock,
      async () => ++reads,
      () => false,
      { readFirst: false }
    )
    expect(read).toBe(2)
    expect(w.clock.slept).toEqual([1_000, 2_000])
  })
})
