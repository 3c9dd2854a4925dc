/**
 * A target's pair half-written: one PUT succeeded, the other failed, and the 422 retry failed
 * too. The message must say what the target holds in the end: the previous pair once it is set
 * back, a mismatched pair (which secret of which key) only when it is not.
 */
import sodium from 'libsodium-wrappers'
import type { Credentials } from '../src/aws.js'
import { TargetError } from '../src/errors.js'
import type { Octokit } from '../src/github/client.js'
import { writeSecrets, type PreparedTarget, type SecretValue } from '../src/github/secrets.js'
import { distribute } from '../src/steps/distribution.js'
import { OLD, repoTarget, world } from './fakes/ports.js'

const NEW: Credentials = {
  accessKeyId: 'AKIANEWKEY0000000005',
  secretAccessKey: 'new-secret-0000000000000000000000000000'
}
const ID = 'AWS_ACCESS_KEY_ID'
const SECRET = 'AWS_SECRET_ACCESS_KEY'
const PAIR: SecretValue[] = [
  { name: ID, value: NEW.accessKeyId },
  { name: SECRET, value: NEW.secretAccessKey }
]

/** GitHub's answers to the PUTs, in order: true written, false refused with 422. */
async function octokitAnswering(puts: boolean[]): Promise<{ octokit: Octokit; key: string }> {
  await sodium.ready
  const key = sodium.to_base64(
    sodium.crypto_box_keypair().publicKey,
    sodium.base64_variants.ORIGINAL
  )
  const octokit = {
    request: async (route: string) => {
      if (route.endsWith('/public-key')) return { data: { key_id: 'k2', key } }
      if (!puts.shift()) throw Object.assign(new Error('Validation Failed'), { status: 422 })
      return { data: {} }
    }
  } as unknown as Octokit
  return { octokit, key }
}

/** writeSecrets' error for one target, as GitHub answers the PUTs. */
async function writeError(puts: boolean[]): Promise<Error | undefined> {
  const { octokit, key } = await octokitAnswering(puts)
  const prepared: PreparedTarget = { ...repoTarget('acme/web'), publicKey: { keyId: 'k1', key } }
  return writeSecrets(octokit, 'private', prepared, PAIR).then(
    () => undefined,
    (error: unknown) => error as Error
  )
}

describe('writeSecrets after a failed PUT whose retry failed too', () => {
  it('says which secret was written, and leaves what the target holds to the caller', async () => {
    // The id is written, the secret refused (422); the retry is refused whole.
    const error = await writeError([true, false, false, false])
    expect(error).toBeInstanceOf(TargetError)
    expect((error as TargetError).halfWritten).toBe(ID)
    expect((error as TargetError).message).toMatch(/ Only AWS_ACCESS_KEY_ID was written\.$/)
    expect((error as TargetError).message).not.toMatch(/mismatched/)
  })

  it('is no failure when the two attempts wrote one secret each: the target holds the new pair', async () => {
    expect(await writeError([true, false, false, true])).toBeUndefined()
  })
})

/** A run writing NEW to acme/web, knowing the previous pair (OLD). */
function writing() {
  const w = world({ targets: [repoTarget('acme/web')] })
  w.aws.addKey(NEW.accessKeyId, { secret: NEW.secretAccessKey })
  return w
}

describe('what the failure says the target holds', () => {
  it('the previous pair, once it was set back: never "a mismatched pair"', async () => {
    const w = writing()
    w.secrets.fail('acme/web', await writeError([true, false, false, false]))
    const { failures } = await distribute(w.run, NEW, OLD)
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatch(
      /Only AWS_ACCESS_KEY_ID was written\. Both of its secrets were set back: acme\/web holds the pair of the previous key AKIA…0001 again\.$/
    )
    expect(failures[0]).not.toMatch(/mismatched/)
    expect(w.run.result.mismatched).toEqual([])
  })

  it('the previous pair when the write back reached the one secret that had changed', async () => {
    const w = writing()
    const back = new TargetError('acme/web', 'Only AWS_ACCESS_KEY_ID was written.', 502, ID)
    w.secrets.fail('acme/web', await writeError([true, false, false, false]), back)
    const { failures } = await distribute(w.run, NEW, OLD)
    expect(failures[0]).toMatch(
      /Setting them back failed in part \(Only AWS_ACCESS_KEY_ID was written\.\), but AWS_ACCESS_KEY_ID was set back: acme\/web holds the pair of the previous key AKIA…0001 again\.$/
    )
    expect(w.run.result.mismatched).toEqual([])
  })

  it('a mismatched pair, and which secret holds which key, when setting it back failed', async () => {
    const w = writing()
    w.secrets.fail('acme/web', await writeError([true, false, false, false]), new Error('down'))
    const { failures } = await distribute(w.run, NEW, OLD)
    expect(failures[0]).toMatch(
      /Setting them back failed too \(down\): acme\/web holds a mismatched pair, AWS_ACCESS_KEY_ID of AKIA…0005 and AWS_SECRET_ACCESS_KEY as before\.$/
    )
    expect(w.run.result.mismatched).toEqual(['acme/web'])
  })
})
