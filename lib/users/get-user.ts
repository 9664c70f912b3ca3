import { prisma } from "../db";

const select = { id: true, email: true, name: true, locale: true, createdAt: true } as const;

export async function getUser(userId: string) {
  return prisma.user.findUnique({ where: { id: userId }, select });
}

export async function updateUser(userId: string, data: { locale?: "ru" | "en"; name?: string }) {
  return prisma.user.update({ where: { id: userId }, data, select });
}
