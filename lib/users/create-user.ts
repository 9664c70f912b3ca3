import { z } from "zod";
import { prisma, Prisma } from "../db";
import { hashPassword } from "./password";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem } from "./password-strength";
import { ConflictError } from "../errors";

export const registerSchema = z
  .object({
    email: z
      .email("email: неверный адрес")
      .max(200)
      .transform((v) => v.trim().toLowerCase()),
    password: z.string().min(MIN_PASSWORD_LENGTH, `Пароль слишком короткий: нужно не меньше ${MIN_PASSWORD_LENGTH} символов`).max(MAX_PASSWORD_LENGTH),
    name: z.string().trim().max(100).default(""),
    locale: z.enum(["ru", "en"]).default("ru"),
  })
  .superRefine((v, ctx) => {
    const problem = passwordProblem(v.password, [v.email, v.name], v.locale);
    if (problem) ctx.addIssue({ code: "custom", path: ["password"], message: problem });
  });

export async function createUser(input: z.infer<typeof registerSchema>) {
  try {
    return await prisma.user.create({
      data: { email: input.email, name: input.name, locale: input.locale, passwordHash: await hashPassword(input.password) },
      select: { id: true, email: true, name: true, locale: true },
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new ConflictError("email: пользователь с таким адресом уже есть");
    }
    throw err;
  }
}
