// Credentials at rest: AES-256-GCM with a random 96-bit IV per secret. Each ciphertext records the
// id of its key (first 8 hex of sha256(key)) so that after a rotation old rows still decrypt with
// a key from ENCRYPTION_KEYS_OLD until they are re-encrypted. The owner's user id is bound in as
// associated data, so a ciphertext copied to another user's row does not decrypt.
import crypto from "node:crypto";
import { env } from "../env";

export type Keyring = { current: { id: string; key: Buffer }; old: Map<string, Buffer> };
export type EncryptedSecret = { ciphertext: string; iv: string; tag: string; keyId: string };

export class CredentialDecryptError extends Error {}

export function keyIdFor(key: Buffer): string {
  return crypto.createHash("sha256").update(key).digest("hex").slice(0, 8);
}

function decodeKey(b64: string, what: string): Buffer {
  const key = Buffer.from(b64.trim(), "base64");
  if (key.length !== 32) throw new Error(`${what}: key must be 32 bytes, base64-encoded`);
  return key;
}

/** Builds a keyring from ENCRYPTION_KEY and ENCRYPTION_KEYS_OLD ("keyId:base64,…" or "base64,…"). */
export function buildKeyring(currentB64: string, oldList = ""): Keyring {
  const key = decodeKey(currentB64, "ENCRYPTION_KEY");
  const old = new Map<string, Buffer>();
  for (const item of oldList
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const sep = item.indexOf(":");
    // Base64 has no ':', so a colon means "keyId:key"; the id is recomputed, not trusted.
    const k = decodeKey(sep >= 0 ? item.slice(sep + 1) : item, "ENCRYPTION_KEYS_OLD");
    old.set(keyIdFor(k), k);
  }
  return { current: { id: keyIdFor(key), key }, old };
}

let cached: Keyring | undefined;

export function keyringFromEnv(): Keyring {
  if (!cached) {
    const e = env();
    cached = buildKeyring(e.ENCRYPTION_KEY, e.ENCRYPTION_KEYS_OLD);
  }
  return cached;
}

export function encryptSecret(plain: string, aad: string, keyring: Keyring = keyringFromEnv()): EncryptedSecret {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", keyring.current.key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return {
    ciphertext: ciphertext.toString("base64"),
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
    keyId: keyring.current.id,
  };
}

export function decryptSecret(enc: EncryptedSecret, aad: string, keyring: Keyring = keyringFromEnv()): string {
  const key = enc.keyId === keyring.current.id ? keyring.current.key : keyring.old.get(enc.keyId);
  if (!key) throw new CredentialDecryptError(`no encryption key with id ${enc.keyId} (add it to ENCRYPTION_KEYS_OLD)`);
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(enc.iv, "base64"));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(enc.tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(enc.ciphertext, "base64")), decipher.final()]).toString("utf8");
  } catch {
    throw new CredentialDecryptError(`credential cannot be decrypted with key ${enc.keyId}`);
  }
}

/** Associated data binding a credential's ciphertext to its owner. */
export function credentialAad(userId: string): string {
  return `hookflow:credential:${userId}`;
}

/** Enough of the secret to recognise it, never enough to use it: "…a1b2" for long secrets. */
export function secretHint(secret: string): string {
  return secret.length >= 12 ? `…${secret.slice(-4)}` : "…";
}
