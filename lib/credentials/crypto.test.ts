import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildKeyring, CredentialDecryptError, decryptSecret, encryptSecret, keyIdFor, secretHint } from "./crypto";

const k1 = crypto.randomBytes(32).toString("base64");
const k2 = crypto.randomBytes(32).toString("base64");

describe("credential crypto", () => {
  it("round-trips with a fresh IV and the key id stored", () => {
    const ring = buildKeyring(k1);
    const a = encryptSecret("токен 🔑 secret", "u1", ring);
    const b = encryptSecret("токен 🔑 secret", "u1", ring);
    expect(a.keyId).toBe(keyIdFor(Buffer.from(k1, "base64")));
    expect(a.keyId).toMatch(/^[0-9a-f]{8}$/);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.ciphertext).not.toContain("secret");
    expect(decryptSecret(a, "u1", ring)).toBe("токен 🔑 secret");
  });

  it("decrypts with an old key after rotation, in both ENCRYPTION_KEYS_OLD forms", () => {
    const before = encryptSecret("s3cret", "u1", buildKeyring(k1));
    expect(decryptSecret(before, "u1", buildKeyring(k2, `${keyIdFor(Buffer.from(k1, "base64"))}:${k1}`))).toBe("s3cret");
    expect(decryptSecret(before, "u1", buildKeyring(k2, k1))).toBe("s3cret");
    expect(() => decryptSecret(before, "u1", buildKeyring(k2))).toThrow(CredentialDecryptError);
    expect(() => decryptSecret(before, "u1", buildKeyring(k2))).toThrow(`no encryption key with id ${before.keyId}`);
  });

  it("rejects tampering and another owner's ciphertext", () => {
    const ring = buildKeyring(k1);
    const enc = encryptSecret("s3cret", "u1", ring);
    expect(() => decryptSecret(enc, "u2", ring)).toThrow(CredentialDecryptError);
    const flipped = Buffer.from(enc.ciphertext, "base64");
    flipped[0] ^= 1;
    expect(() => decryptSecret({ ...enc, ciphertext: flipped.toString("base64") }, "u1", ring)).toThrow(CredentialDecryptError);
  });

  it("hints never reveal short secrets", () => {
    expect(secretHint("abcdefghijkl1234")).toBe("…1234");
    expect(secretHint("short")).toBe("…");
  });
});
