import { prisma } from "../db";
import { NotFoundError, ValidationError } from "../errors";
import { hashPassword, verifyPassword } from "./password";
import { passwordProblem } from "./password-strength";
import { endAllSessions } from "./sessions";

/**
 * Changes the password after checking the current one; every other session of the user ends
 * (the one that made the change, `keepSessionId`, stays signed in). Returns how many ended.
 */
export async function changePassword(userId: string, currentPassword: string, newPassword: string, keepSessionId?: string): Promise<number> {
  const user = await prisma.user.findUnique({ where: { id: userId }, select: { passwordHash: true, email: true, name: true, locale: true } });
  if (!user) throw new NotFoundError("Пользователь не найден");
  if (!(await verifyPassword(currentPassword, user.passwordHash))) {
    throw new ValidationError("Текущий пароль введён неверно", { details: [{ field: "currentPassword", message: "Текущий пароль введён неверно" }] });
  }
  const locale = user.locale === "en" ? "en" : "ru";
  const problem = passwordProblem(newPassword, [user.email, user.name], locale);
  if (problem) throw new ValidationError(problem, { details: [{ field: "newPassword", message: problem }] });
  if (newPassword === currentPassword) {
    const msg = "Новый пароль совпадает с текущим";
    throw new ValidationError(msg, { details: [{ field: "newPassword", message: msg }] });
  }
  await prisma.user.update({ where: { id: userId }, data: { passwordHash: await hashPassword(newPassword) } });
  return endAllSessions(userId, keepSessionId);
}
