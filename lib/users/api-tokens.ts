// Personal API tokens: shown once at creation, stored as a SHA-256 hash.
import crypto from "node:crypto";
import { prisma } from "../db";

const hash = (token: string) => crypto.createHash("sha256").update(token).digest("hex");

export async function createApiToken(userId: string, name: string) {
  const token = `hf_${crypto.randomBytes(24).toString("base64url")}`;
  const row = await prisma.apiToken.create({
    data: { userId, name, tokenHash: hash(token), prefix: token.slice(0, 7) },
    select: { id: true, name: true, prefix: true, createdAt: true },
  });
  return { ...row, token };
}

export async function listApiTokens(userId: string) {
  return prisma.apiToken.findMany({
    where: { userId, revokedAt: null },
    orderBy: { createdAt: "desc" },
    select: { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true },
  });
}

export async function revokeApiToken(userId: string, id: string): Promise<boolean> {
  const { count } = await prisma.apiToken.updateMany({ where: { id, userId, revokedAt: null }, data: { revokedAt: new Date() } });
  return count > 0;
}

/** The user id a bearer token belongs to, or null when unknown or revoked. */
export async function userIdForApiToken(token: string): Promise<string | null> {
  const row = await prisma.apiToken.findUnique({ where: { tokenHash: hash(token) } });
  if (!row || row.revokedAt) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  return row.userId;
}
