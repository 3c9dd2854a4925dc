/**
 * A holder of secrets under one libsodium key pair, as GitHub keeps them: a client reads the
 * public key (key_id and key, base64 in the ORIGINAL variant), seals the value with
 * crypto_box_seal and sends key_id with it; GitHub opens the box with its private key
 * (https://docs.github.com/rest/guides/encrypting-secrets-for-the-rest-api). A box sealed for
 * another key, or not a box at all, does not open. Repository Actions secrets are one scope;
 * environment, organization, Dependabot and Codespaces secrets are further scopes of the same
 * shape.
 */
import { randomInt } from 'node:crypto'
import sodium from 'libsodium-wrappers'

/** Which secrets a route acts on. */
export type ScopeKind =
  | 'actions'
  | 'environment'
  | 'dependabot'
  | 'codespaces'
  | 'org-actions'
  | 'org-dependabot'
  | 'org-codespaces'

export interface OrgAccess {
  visibility: 'all' | 'private' | 'selected'
  selectedRepositoryIds: number[]
}

export interface StoredSecret {
  name: string
  value: string
  createdAt: Date
  updatedAt: Date
  access?: OrgAccess
}

let keyCounter = 0

export class SecretScope {
  private keyId = ''
  private publicKey: Uint8Array = new Uint8Array()
  private privateKey: Uint8Array = new Uint8Array()
  private readonly secrets = new Map<string, StoredSecret>()
  private readonly histories = new Map<string, Array<{ at: number; value: string }>>()

  constructor() {
    this.rotateKey()
  }

  rotateKey(): void {
    const pair = sodium.crypto_box_keypair()
    this.publicKey = pair.publicKey
    this.privateKey = pair.privateKey
    // GitHub's key ids are long decimal strings; the counter keeps them unique.
    keyCounter += 1
    this.keyId = `${randomInt(100_000_000, 999_999_999)}${String(keyCounter).padStart(9, '0')}`
  }

  publicKeyJson(): { key_id: string; key: string } {
    return {
      key_id: this.keyId,
      key: sodium.to_base64(this.publicKey, sodium.base64_variants.ORIGINAL)
    }
  }

  /** Opens a sealed box sent with `keyId`; undefined when GitHub would call it improperly encrypted. */
  open(keyId: string, encryptedBase64: string): Uint8Array | undefined {
    if (keyId !== this.keyId) return undefined
    try {
      const sealed = new Uint8Array(Buffer.from(encryptedBase64, 'base64'))
      return sodium.crypto_box_seal_open(sealed, this.publicKey, this.privateKey)
    } catch {
      return undefined
    }
  }

  write(name: string, value: string, now: Date, access?: OrgAccess): 'created' | 'updated' {
    const existing = this.secrets.get(name)
    if (existing) {
      existing.value = value
      existing.updatedAt = now
      if (access) existing.access = access
    } else {
      this.secrets.set(name, {
        name,
        value,
        createdAt: now,
        updatedAt: now,
        ...(access ? { access } : {})
      })
    }
    const history = this.histories.get(name) ?? []
    history.push({ at: now.getTime(), value })
    this.histories.set(name, history)
    return existing ? 'updated' : 'created'
  }

  read(name: string): StoredSecret | undefined {
    return this.secrets.get(name)
  }

  list(): StoredSecret[] {
    return [...this.secrets.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
  }

  /** Time passes: every write, and so created_at and updated_at, moves `ms` into the past. */
  shiftTime(ms: number): void {
    for (const secret of this.secrets.values()) {
      secret.createdAt = new Date(secret.createdAt.getTime() - ms)
      secret.updatedAt = new Date(secret.updatedAt.getTime() - ms)
    }
    for (const history of this.histories.values()) {
      for (const entry of history) entry.at -= ms
    }
  }

  history(name: string): Array<{ at: number; value: string }> {
    return (this.histories.get(name) ?? []).map(entry => ({ ...entry }))
  }
}
