import { prisma } from "../db";
import { invalidateSourceSettings } from "../webhooks/source-settings";

/** True when a credential of this user was deleted. */
export async function deleteCredential(input: { userId: string; id: string }): Promise<boolean> {
  const { count } = await prisma.credential.deleteMany({ where: { id: input.id, userId: input.userId } });
  invalidateSourceSettings();
  return count > 0;
}
