import { prisma } from "../db";

/** True when a credential of this user was deleted. */
export async function deleteCredential(input: { userId: string; id: string }): Promise<boolean> {
  const { count } = await prisma.credential.deleteMany({ where: { id: input.id, userId: input.userId } });
  return count > 0;
}
