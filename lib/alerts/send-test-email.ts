import { prisma } from "../db";
import { isUuid } from "../pipelines/get-pipeline";
import { buildEmail } from "./build-email";
import { alertSubject, emailLocale } from "./email-strings";
import { alertRecipientsFor } from "./recipients";
import { createMailer } from "./smtp";
import { notificationView, type NotificationView } from "./list-notifications";

export type TestEmailResult = { ok: true; notification: NotificationView } | { ok: false; error: string; notification: NotificationView };

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
  const row = await prisma.notification.create({
    data: {
      userId,
      pipelineId,
      kind: "TEST",
      to: alertRecipientsFor(p.user.email, p.alertRecipients),
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
