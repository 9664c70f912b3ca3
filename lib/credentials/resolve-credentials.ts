import { prisma } from "../db";
import { credentialAad, decryptSecret, encryptSecret, keyringFromEnv, type Keyring } from "./crypto";

/**
 * For the engine: the user's secrets by name (only `names` when given). Rows still under an old
 * key are re-encrypted with the current one on the way, so a rotation completes as runs happen.
 */
export async function resolveCredentials(userId: string, names?: string[], keyring: Keyring = keyringFromEnv()): Promise<Record<string, string>> {
  const rows = await prisma.credential.findMany({
    where: { userId, ...(names ? { name: { in: names } } : {}) },
    select: { id: true, name: true, ciphertext: true, iv: true, tag: true, keyId: true },
  });
  const out: Record<string, string> = {};
  const aad = credentialAad(userId);
  for (const row of rows) {
    const secret = decryptSecret(row, aad, keyring);
    out[row.name] = secret;
    if (row.keyId !== keyring.current.id) {
      await prisma.credential.updateMany({
        where: { id: row.id, userId, keyId: row.keyId },
        data: encryptSecret(secret, aad, keyring),
      });
    }
  }
  return out;
}
