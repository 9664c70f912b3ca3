import { z } from "zod";
import { prisma, Prisma } from "../db";
import { hashPassword } from "./password";
import { conflict } from "../api/errors";

export const registerSchema = z.object({
  email: z.email("email: неверный адрес").max(200).transform((v) => v.trim().toLowerCase()),
  password: z.string().min(8, "password: не короче 8 символов").max(200),
  name: z.string().trim().max(100).default(""),
  locale: z.enum(["ru", "en"]).default("ru"),
});

export async function createUser(input: z.infer<typeof registerSchema>) {
  try {
    return await prisma.user.create({
      data: { email: input.email, name: input.name, locale: input.locale, passwordHash: await hashPassword(input.password) },
      select: { id: true, email: true, name: true, locale: true },
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw conflict("email: пользователь с таким адресом уже есть");
    }
    throw err;
  }
}
