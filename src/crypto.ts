import sodium from 'libsodium-wrappers'

/**
 * Seals `value` for a GitHub secrets public key (libsodium sealed box). GitHub reads standard,
 * padded base64; libsodium's default variant is URL-safe and would be rejected.
 */
export async function sealForGitHub(value: string, publicKeyBase64: string): Promise<string> {
  await sodium.ready
  const publicKey = sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL)
  if (publicKey.length !== sodium.crypto_box_PUBLICKEYBYTES) {
    throw new Error(
      `public key has ${publicKey.length} bytes, expected ${sodium.crypto_box_PUBLICKEYBYTES}`
    )
  }
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), publicKey)
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL)
}
