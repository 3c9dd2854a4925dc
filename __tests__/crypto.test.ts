import sodium from 'libsodium-wrappers'
import { sealForGitHub } from '../src/crypto.js'

describe('sealing for GitHub', () => {
  it('produces a standard-base64 sealed box that the key pair opens', async () => {
    await sodium.ready
    const pair = sodium.crypto_box_keypair()
    const publicKey = sodium.to_base64(pair.publicKey, sodium.base64_variants.ORIGINAL)
    const value = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY+EXAMPLEKEY'
    const sealed = await sealForGitHub(value, publicKey)
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+={0,2}$/)
    const opened = sodium.crypto_box_seal_open(
      sodium.from_base64(sealed, sodium.base64_variants.ORIGINAL),
      pair.publicKey,
      pair.privateKey
    )
    expect(sodium.to_string(opened)).toBe(value)
  })

  it('refuses a key that is not a box public key', async () => {
    await expect(sealForGitHub('x', Buffer.from('short').toString('base64'))).rejects.toThrow(
      /expected 32/
    )
  })
})
