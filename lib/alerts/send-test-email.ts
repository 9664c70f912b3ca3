import { prisma } from "../db";
import { isUuid } from "../uuid";
import { buildEmail } from "./build-email";
import { alertSubject, emailLocale } from "./email-strings";
import { alertRecipientsFor } from "./recipients";
import { createMailer } from "./smtp";
import { notificationView, type NotificationView } from "./list-notifications";

export type TestEmailResult =
  | { ok: true; notification: NotificationView }
  | { ok: false; error: string; notification: NotificationView }
  | { ok: false; rateLimited: true; error: string; retryAfterSec: number };

/**
 * Test e-mails go to addresses nobody has verified, with the pipeline's name in the subject, so
 * they are rationed: per account, and per recipient (other than the owner) across all accounts.
 */
export const TEST_EMAIL_LIMITS = { windowMs: 60 * 60_000, perAccount: 10, perRecipient: 5 } as const;

async function testEmailWait(
  userId: string,
  ownerEmail: string,
  to: string[],
  locale: "ru" | "en",
  now = Date.now(),
): Promise<{ error: string; retryAfterSec: number } | null> {
  const since = new Date(now - TEST_EMAIL_LIMITS.windowMs);
  const retryAfter = (oldest: Date | undefined) => Math.max(1, Math.ceil(((oldest?.getTime() ?? now) + TEST_EMAIL_LIMITS.windowMs - now) / 1000));
  const mine = await prisma.notification.findMany({
    where: { userId, kind: "TEST", createdAt: { gte: since } },
    select: { createdAt: true },
    orderBy: { createdAt: "desc" },
    take: TEST_EMAIL_LIMITS.perAccount,
  });
  if (mine.length >= TEST_EMAIL_LIMITS.perAccount) {
    const sec = retryAfter(mine[mine.length - 1]?.createdAt);
    const min = Math.ceil(sec / 60);
    return {
      retryAfterSec: sec,
      error:
        locale === "en"
          ? `Too many test e-mails: at most ${TEST_EMAIL_LIMITS.perAccount} per hour per account. Try again in ${min} min.`
          : `Слишком много тестовых писем: не больше ${TEST_EMAIL_LIMITS.perAccount} в час с одной учётной записи. Попробуйте снова через ${min} мин.`,
    };
  }
  // The owner's own address is covered by the per-account limit; the others are third parties.
  for (const address of to.filter((a) => a.toLowerCase() !== ownerEmail.toLowerCase())) {
    const rows = await prisma.notification.findMany({
      where: { kind: "TEST", to: { has: address }, createdAt: { gte: since } },
      select: { createdAt: true },
      orderBy: { createdAt: "desc" },
      take: TEST_EMAIL_LIMITS.perRecipient,
    });
    if (rows.length >= TEST_EMAIL_LIMITS.perRecipient) {
      const sec = retryAfter(rows[rows.length - 1]?.createdAt);
      const min = Math.ceil(sec / 60);
      return {
        retryAfterSec: sec,
        error:
          locale === "en"
            ? `Too many test e-mails to ${address}: at most ${TEST_EMAIL_LIMITS.perRecipient} per hour per address. Try again in ${min} min.`
            : `Слишком много тестовых писем на ${address}: не больше ${TEST_EMAIL_LIMITS.perRecipient} в час на один адрес. Попробуйте снова через ${min} мин.`,
      };
    }
  }
  return null;
}

/**
 * «Отправить тестовое письмо»: sent right away (not through the queue) so the person at the
 * button learns whether SMTP works; recorded as a TEST Notification either way. Goes to the same
 * recipients as alerts, even when alerts are switched off — that is what is being tested.
 */
export async function sendTestEmail(userId: string, pipelineId: string, smtpUrl?: string): Promise<TestEmailResult | null> {
  if (!isUuid(pipelineId)) return null;
  const p = await prisma.pipeline.findFirst({
    where: { id: pipelineId, userId },
    select: { id: true, name: true, alertRecipients: true, user: { select: { email: true, locale: true } } },
  });
  if (!p) return null;
  const locale = emailLocale(p.user.locale);
  const to = alertRecipientsFor(p.user.email, p.alertRecipients);
  const wait = await testEmailWait(userId, p.user.email, to, locale === "en" ? "en" : "ru");
  if (wait) return { ok: false, rateLimited: true, ...wait };
  const row = await prisma.notification.create({
    data: {
      userId,
      pipelineId,
      kind: "TEST",
      to,
      subject: alertSubject("TEST", locale, p.name),
    },
  });
  const mailer = createMailer(smtpUrl);
  try {
    const built = await buildEmail(row.id);
    if (!built) return null;
    await mailer.send(built.to, built.email);
    const sent = await prisma.notification.update({
      where: { id: row.id },
      data: { status: "SENT", sentAt: new Date(), attempts: 1 },
    });
    return { ok: true, notification: notificationView(sent) };
  } catch (err) {
    const error = mailer.describe(err, locale);
    const failed = await prisma.notification.update({ where: { id: row.id }, data: { status: "FAILED", error, attempts: 1 } });
    return { ok: false, error, notification: notificationView(failed) };
  } finally {
    mailer.close();
  }
}
