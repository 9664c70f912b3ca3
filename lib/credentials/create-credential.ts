import { prisma, Prisma } from "../db";
import { credentialAad, encryptSecret, secretHint } from "./crypto";
import { invalidateSourceSettings } from "../webhooks/source-settings";
import { credentialNameSchema, credentialSecretSchema, CredentialNameTakenError, summarySelect, type CredentialSummary } from "./types";

export async function createCredential(input: { userId: string; name: string; secret: string }): Promise<CredentialSummary> {
  const name = credentialNameSchema.parse(input.name);
  const secret = credentialSecretSchema.parse(input.secret);
  try {
    const created = await prisma.credential.create({
      data: { userId: input.userId, name, hint: secretHint(secret), ...encryptSecret(secret, credentialAad(input.userId)) },
      select: summarySelect,
    });
    invalidateSourceSettings();
    return created;
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") throw new CredentialNameTakenError(name);
    throw e;
  }
}
