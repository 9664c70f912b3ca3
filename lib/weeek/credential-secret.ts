import { prisma } from "../db";
import { credentialAad, decryptSecret } from "../credentials/crypto";
import { NotFoundError } from "../errors";
import { isUuid } from "../uuid";

/** The decrypted secret of one of the user's credentials, for server-side calls only. */
export async function credentialSecretById(userId: string, credentialId: string): Promise<{ name: string; secret: string }> {
  const row = isUuid(credentialId)
    ? await prisma.credential.findFirst({ where: { id: credentialId, userId }, select: { name: true, ciphertext: true, iv: true, tag: true, keyId: true } })
    : null;
  if (!row) throw new NotFoundError("Ключ доступа не найден");
  return { name: row.name, secret: decryptSecret(row, credentialAad(userId)) };
}
