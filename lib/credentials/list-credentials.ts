import { prisma } from "../db";
import { summarySelect, type CredentialSummary } from "./types";

export async function listCredentials(userId: string): Promise<CredentialSummary[]> {
  return prisma.credential.findMany({ where: { userId }, select: summarySelect, orderBy: { name: "asc" } });
}
