import { prisma, Prisma } from "../db";
import { credentialAad, encryptSecret, secretHint } from "./crypto";
import { credentialNameSchema, credentialSecretSchema, CredentialNameTakenError, summarySelect, type CredentialSummary } from "./types";
import { invalidateSourceSettings } from "../webhooks/source-settings";

/**
 * Renames and/or replaces the secret. Returns null when the credential is not the user's.
 * Renaming does not rewrite pipelines that refer to the old name; their runs fail with
 * «ключ доступа … не найден» until the tokens are updated.
 */
export async function updateCredential(input: { userId: string; id: string; name?: string; secret?: string }): Promise<CredentialSummary | null> {
  const data: Prisma.CredentialUpdateManyMutationInput = {};
  if (input.name !== undefined) data.name = credentialNameSchema.parse(input.name);
  if (input.secret !== undefined) {
    const secret = credentialSecretSchema.parse(input.secret);
    Object.assign(data, { hint: secretHint(secret), ...encryptSecret(secret, credentialAad(input.userId)) });
  }
  try {
    const { count } = await prisma.credential.updateMany({ where: { id: input.id, userId: input.userId }, data });
    if (count === 0) return null;
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") throw new CredentialNameTakenError(String(data.name));
    throw e;
  }
  invalidateSourceSettings();
  return prisma.credential.findFirst({ where: { id: input.id, userId: input.userId }, select: summarySelect });
}
