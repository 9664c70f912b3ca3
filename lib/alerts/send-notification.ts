import { UnrecoverableError } from "bullmq";
import { prisma } from "../db";
import { buildEmail } from "./build-email";
import { isPermanentSmtpError, type Mailer } from "./smtp";

/**
 * One delivery attempt of a Notification. Throws to make the queue retry; on the last attempt (or
 * a permanent 5xx reply) the row is FAILED with the SMTP error. Rows already SENT or FAILED are
 * left alone, so a duplicate job never mails twice.
 */
export async function sendNotification(notificationId: string, mailer: Mailer, attempt: { isLast: boolean }): Promise<"sent" | "skipped"> {
  const row = await prisma.notification.findUnique({ where: { id: notificationId }, select: { status: true } });
  if (!row || row.status !== "PENDING") return "skipped";
  const built = await buildEmail(notificationId);
  if (!built) return "skipped";
  try {
    if (built.to.length === 0) throw new UnrecoverableError(built.locale === "en" ? "No recipients" : "Нет получателей");
    await mailer.send(built.to, built.email);
  } catch (err) {
    const permanent = err instanceof UnrecoverableError || isPermanentSmtpError(err);
    const error = mailer.describe(err, built.locale);
    await prisma.notification.update({
      where: { id: notificationId },
      data: { attempts: { increment: 1 }, error, ...(attempt.isLast || permanent ? { status: "FAILED" } : {}) },
    });
    throw permanent ? new UnrecoverableError(error) : new Error(error);
  }
  await prisma.notification.update({
    where: { id: notificationId },
    data: { attempts: { increment: 1 }, status: "SENT", sentAt: new Date(), error: null },
  });
  return "sent";
}
