import { pool } from "../pool";
import { credentialAad, decryptSecret, encryptSecret, keyringFromEnv, type Keyring } from "./crypto";

/**
 * For the engine: the user's secrets by name (only `names` when given). Rows still under an old
 * key are re-encrypted with the current one on the way, so a rotation completes as runs happen.
 */
export async function resolveCredentials(userId: string, names?: string[], keyring: Keyring = keyringFromEnv()): Promise<Record<string, string>> {
  // Plain SQL on the shared pool: the worker calls this for every run that uses a credential and
  // otherwise never needs Prisma's query compiler (≈ 50–80 MB of a process's memory).
  const { rows } = await pool().query<{ id: string; name: string; ciphertext: string; iv: string; tag: string; keyId: string }>(
    `SELECT id, name, ciphertext, iv, tag, "keyId" FROM "Credential" WHERE "userId" = $1 AND ($2::text[] IS NULL OR name = ANY($2::text[]))`,
    [userId, names ?? null],
  );
  const out: Record<string, string> = {};
  const aad = credentialAad(userId);
  for (const row of rows) {
    const secret = decryptSecret(row, aad, keyring);
    out[row.name] = secret;
    if (row.keyId !== keyring.current.id) {
      const enc = encryptSecret(secret, aad, keyring);
      await pool().query(
        `UPDATE "Credential" SET ciphertext = $4, iv = $5, tag = $6, "keyId" = $7, "updatedAt" = now() AT TIME ZONE 'UTC'
          WHERE id = $1 AND "userId" = $2 AND "keyId" = $3`,
        [row.id, userId, row.keyId, enc.ciphertext, enc.iv, enc.tag, enc.keyId],
      );
    }
  }
  return out;
}
