// SMTP delivery through nodemailer. SMTP_URL carries host, port, TLS (smtps:// = implicit TLS,
// smtp:// upgrades with STARTTLS when offered) and credentials; nodemailer also reads options
// from its query string (e.g. ?requireTLS=true or ?tls.rejectUnauthorized=false).
import nodemailer, { type Transporter } from "nodemailer";
import { env } from "../env";
import { createMasker } from "../security/mask";
import type { ComposedEmail } from "./compose-email";
import type { EmailLocale } from "./email-strings";

export type Mailer = {
  send(to: string[], email: ComposedEmail): Promise<void>;
  close(): void;
  /** Makes an SMTP error readable and strips the SMTP password from it. */
  describe(err: unknown, locale: EmailLocale): string;
};

export function createMailer(smtpUrl = env().SMTP_URL, from = env().SMTP_FROM): Mailer {
  const transport: Transporter = nodemailer.createTransport({
    url: smtpUrl,
    // Fail within seconds: the test-email button waits for this, and the queue retries anyway.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const secrets: string[] = [];
  try {
    const u = new URL(smtpUrl);
    if (u.password) secrets.push(u.password, decodeURIComponent(u.password));
  } catch {
    // env() validated the scheme; an unparsable rest simply has no password to hide.
  }
  const masker = createMasker(secrets);
  return {
    async send(to, email) {
      await transport.sendMail({ from, to, subject: email.subject, text: email.text, html: email.html });
    },
    close() {
      transport.close();
    },
    describe(err, locale) {
      return masker.text(describeSmtpError(err, locale));
    },
  };
}

type SmtpErr = Error & { code?: string; responseCode?: number; response?: string; command?: string };

const PREFIX: Record<string, { ru: string; en: string }> = {
  ECONNECTION: { ru: "SMTP-сервер недоступен", en: "SMTP server unreachable" },
  ESOCKET: { ru: "SMTP-сервер недоступен", en: "SMTP server unreachable" },
  ETIMEDOUT: { ru: "SMTP-сервер не ответил вовремя", en: "SMTP server timed out" },
  EDNS: { ru: "Не найден адрес SMTP-сервера", en: "SMTP host not found" },
  ETLS: { ru: "Ошибка TLS при соединении с SMTP-сервером", en: "TLS error talking to the SMTP server" },
  EAUTH: { ru: "SMTP-сервер отклонил логин или пароль", en: "SMTP server rejected the login" },
  ENOAUTH: { ru: "SMTP-сервер требует логин и пароль", en: "SMTP server requires a login" },
  EENVELOPE: { ru: "SMTP-сервер отклонил адрес отправителя или получателя", en: "SMTP server rejected a sender or recipient address" },
  EMESSAGE: { ru: "SMTP-сервер отклонил письмо", en: "SMTP server rejected the message" },
};

export function describeSmtpError(err: unknown, locale: EmailLocale): string {
  const e = err as SmtpErr;
  const message = (e instanceof Error ? e.message : String(err)).trim();
  const prefix = (e?.code && PREFIX[e.code]) || (e?.responseCode ? PREFIX.EMESSAGE : null);
  const generic = locale === "en" ? "Could not send the e-mail" : "Не удалось отправить письмо";
  return `${prefix ? prefix[locale] : generic}: ${message}`;
}

/** 5xx replies are permanent (bad address, rejected content): retrying cannot help. */
export function isPermanentSmtpError(err: unknown): boolean {
  const code = (err as SmtpErr)?.responseCode;
  return typeof code === "number" && code >= 500 && code < 600 && (err as SmtpErr).code !== "EAUTH";
}
