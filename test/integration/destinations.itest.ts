// Klientiks → amoCRM / Битрикс24 / Telegram end to end: each template created by the function the
// API uses, pointed at its fake, fed a Klientiks GET through the webhook handler, run by the runs
// worker, recorded in Postgres; a failure per destination ends FAILED with the API's own words in
// the history and an alert e-mail read back from an SMTP sink. No secret may show anywhere.
//
// Redis is a private redis-server of this file: the alerts queue name is fixed, and another
// test's alerts worker on a shared Redis would take (and mail) our notifications.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import { freePort, startPrivateRedis, waitFor } from "../support/worker-helpers";

const redis = await startPrivateRedis(await freePort());
process.env.REDIS_URL = redis.url;

const { importKitRuntime } = await import("../support/kit-runtime");
const kit = await importKitRuntime();
const { prisma, closeDb, createPipelineFromKit, setPipelineStatus, startKitFakes, startKitRunsWorker, closeQueues, startHookServer } = kit;
const { tooManyRequests } = kit;
const { startAlertsWorker } = await import("../../worker/alerts-worker");
const { startSmtpSink } = await import("../support/fakes/smtp-sink");

const AMO_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.amo-long-lived-S3CRET";
const BITRIX_CODE = "u3lk2dg9ccbd3uwl";
const BOT_TOKEN = "7012345678:AAHfake_B0t-Token_s3cret0123456789";
const CHAT = "-1001234567890";
const NAME = `Анна "Ромашка" О'Нил`;
const SECRETS = [AMO_TOKEN, BITRIX_CODE, BOT_TOKEN, "eyJwrong.token.value", "wrongcode0000000", "7012345678:AAHwrong_token_000000000000000"];

const logs: string[] = [];
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let [amo, bitrix, tg]: Awaited<ReturnType<typeof startKitFakes>> = [] as never;
let runs: ReturnType<typeof startKitRunsWorker>;
let alerts: { close(): Promise<void> };
let server: http.Server;
let origin = "";
let userId = "";
let email = "";

beforeAll(async () => {
  [sink, [amo, bitrix, tg]] = await Promise.all([
    startSmtpSink(),
    startKitFakes({ amoToken: AMO_TOKEN, bitrixCode: BITRIX_CODE, botToken: BOT_TOKEN, chat: CHAT }),
  ]);
  runs = startKitRunsWorker(redis.url, logs);
  alerts = startAlertsWorker({ smtpUrl: `smtp://127.0.0.1:${sink.port}`, sweepEveryMs: 0 });
  ({ server, origin } = await startHookServer(runs.queue));
  email = `dest-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  userId = (await prisma.user.create({ data: { email, passwordHash: "x" }, select: { id: true } })).id;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await runs?.close(5_000);
  await alerts?.close();
  await closeQueues().catch(() => undefined);
  await Promise.all([sink?.close(), amo?.close(), bitrix?.close(), tg?.close()]);
  await closeDb();
  await redis.stop();
});

/** «Запись клиента на прием» as Klientiks sends it: GET with the guide's parameters. */
const APPOINTMENT = {
  client_id: "7",
  client_phone: "+7 (916) 123-45-67",
  client_name: NAME,
  appointment_id: "501",
  appointment_date: "14.03.2025",
  appointment_time: "15:30",
  executor_name: "Ольга <Мастер> & Co",
  executor_phone: "+79031112233",
  services: "Стрижка, укладка",
  appointment_total_cost: "1500",
  user_position: "Администратор",
};

async function create(templateId: string, name: string, secret: string, values: Record<string, string> = {}) {
  const p = await createPipelineFromKit(userId, {
    templateId,
    name,
    credentialName: `${name} ключ`,
    secret,
    klientiksEvent: "appointment_created",
    values,
  });
  await setPipelineStatus(userId, p.id, "RUNNING");
  return prisma.pipeline.findUniqueOrThrow({ where: { id: p.id }, select: { id: true, webhookToken: true, name: true } });
}

async function fire(webhookToken: string, params: Record<string, string>, status: "SUCCEEDED" | "FAILED") {
  const res = await fetch(`${origin}/hooks/${webhookToken}?${new URLSearchParams(params)}`);
  expect(res.status).toBe(200);
  const { runId } = (await res.json()) as { runId: string };
  await waitFor(async () => (await prisma.run.findUniqueOrThrow({ where: { id: runId } })).status === status, 20_000, `run ${status}`);
  return prisma.run.findUniqueOrThrow({ where: { id: runId }, include: { steps: { orderBy: { position: "asc" } } } });
}

async function alertMail(pipelineName: string) {
  return waitFor(async () => sink.messages.find((m) => (m.mail.subject ?? "").includes(pipelineName)), 15_000, `alert e-mail about ${pipelineName}`);
}

/** Every stored byte of the run and every e-mail and log line, checked for every secret. */
function expectNoSecrets(...texts: unknown[]) {
  const all = texts.map((t) => (typeof t === "string" ? t : JSON.stringify(t))).join("\n");
  for (const s of SECRETS) {
    expect(all).not.toContain(s);
    expect(all).not.toContain(encodeURIComponent(s));
  }
}

const mailText = (m: { mail: { subject?: string; text?: string; html?: string | false } }) => `${m.mail.subject}\n${m.mail.text}\n${m.mail.html || ""}`;

describe("destination templates end to end", () => {
  it("amoCRM: lead with its contact (phone, numeric price); a bad token fails with amoCRM's 401 and an e-mail", async () => {
    const p = await create("klientiks-amocrm-lead", "Клиентикс → amoCRM", AMO_TOKEN, { baseUrl: amo.url });
    const run = await fire(p.webhookToken, APPOINTMENT, "SUCCEEDED");
    expect(amo.leads).toHaveLength(1);
    const req = amo.requests.at(-1)!;
    expect(req.path).toBe("/api/v4/leads/complex");
    expect(req.body).toEqual([
      {
        name: `Запись 14.03.2025 15:30: ${NAME}`,
        price: 1500,
        _embedded: {
          contacts: [{ first_name: NAME, custom_fields_values: [{ field_code: "PHONE", values: [{ value: "+79161234567", enum_code: "WORK" }] }] }],
        },
      },
    ]);
    expect(run.steps.map((s) => s.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    expect(run.steps[2].output).toEqual({ lead_id: amo.leads[0].id, contact_id: amo.leads[0].contactId });
    expect((run.steps[1].input as { headers: Record<string, string> }).headers.Authorization).toBe("Bearer ***");

    // The same template with a token amoCRM does not know (revoked, or from another account).
    const bad = await create("klientiks-amocrm-lead", "amoCRM чужой токен", "eyJwrong.token.value", { baseUrl: amo.url });
    const failed = await fire(bad.webhookToken, APPOINTMENT, "FAILED");
    expect(failed.error).toMatch(/^Шаг 2 «Создать сделку в amoCRM»: HTTP 401 от 127\.0\.0\.1:\d+: .*"title":"Unauthorized".*неверный или просроченный токен/);
    expect(failed.steps[1].error).toMatch(/HTTP 401/);
    expect(failed.steps[1].attempts).toBe(1);
    const mail = await alertMail("amoCRM чужой токен");
    expect(mail.to).toEqual([email]);
    expect(mailText(mail)).toContain("неверный или просроченный токен");
    expectNoSecrets(run, failed, mailText(mail), logs);
  });

  it("Битрикс24: lead through the webhook URL credential; a wrong code fails with INVALID_CREDENTIALS and an e-mail", async () => {
    // As Bitrix shows it, with an example method on the end: the credential keeps only …/<code>/.
    const p = await create("klientiks-bitrix24-lead", "Клиентикс → Битрикс24", `${bitrix.webhookUrl}profile.json`);
    const run = await fire(p.webhookToken, APPOINTMENT, "SUCCEEDED");
    expect(bitrix.leads).toHaveLength(1);
    expect(bitrix.requests.at(-1)!.path).toBe(`/rest/1/${BITRIX_CODE}/crm.lead.add.json`);
    expect(bitrix.leads[0].fields).toEqual({
      TITLE: `Запись 14.03.2025 15:30: ${NAME}`,
      NAME: NAME,
      PHONE: [{ VALUE: "+79161234567", VALUE_TYPE: "WORK" }],
      OPPORTUNITY: 1500,
      CURRENCY_ID: "RUB",
      COMMENTS: "Стрижка, укладка",
      SOURCE_DESCRIPTION: "Клиентикс",
    });
    expect(run.steps[2].output).toEqual({ lead_id: bitrix.leads[0].id });
    // The whole webhook address is the secret: the step shows the method, not the code.
    expect((run.steps[1].input as { url: string }).url).toBe("***crm.lead.add.json");

    const wrong = bitrix.webhookUrl.replace(BITRIX_CODE, "wrongcode0000000");
    const bad = await create("klientiks-bitrix24-lead", "Битрикс24 старый вебхук", wrong);
    const failed = await fire(bad.webhookToken, APPOINTMENT, "FAILED");
    expect(failed.error).toMatch(
      /^Шаг 2 «Создать лид в Битрикс24»: HTTP 401 от 127\.0\.0\.1:\d+: \{"error":"INVALID_CREDENTIALS","error_description":"Invalid request credentials"\}$/,
    );
    expect(failed.steps[1].error).toContain("Invalid request credentials");
    const mail = await alertMail("Битрикс24 старый вебхук");
    expect(mailText(mail)).toContain("INVALID_CREDENTIALS");
    expectNoSecrets(run, failed, mailText(mail), logs);
  });

  it("Telegram: a readable HTML message with escaped values; 429 waits retry_after; unknown chat fails with Telegram's words", async () => {
    const p = await create("klientiks-telegram-message", "Клиентикс → Telegram", BOT_TOKEN, { chatId: CHAT, parseMode: "HTML", apiUrl: tg.url });
    // Telegram's flood control first: the HTTP step waits parameters.retry_after (1 s) and retries.
    tg.failNext(429, tooManyRequests(1).body);
    const t0 = Date.now();
    const run = await fire(p.webhookToken, APPOINTMENT, "SUCCEEDED");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
    expect(run.steps[1].attempts).toBe(2);
    expect(logs.some((l) => /HTTP 429; retrying in 1000 ms/.test(l))).toBe(true);
    expect(tg.messages).toHaveLength(1);
    expect(tg.messages[0]).toEqual({
      message_id: 1,
      chat_id: CHAT,
      parse_mode: "HTML",
      text: [
        "<b>Новая запись</b>",
        "<b>Клиент:</b> Анна &quot;Ромашка&quot; О'Нил",
        "<b>Телефон:</b> +7 (916) 123-45-67",
        "<b>Когда:</b> 14.03.2025 15:30",
        "<b>Услуги:</b> Стрижка, укладка",
        "<b>Мастер:</b> Ольга &lt;Мастер&gt; &amp; Co",
        "<b>Сумма:</b> 1500 ₽",
      ].join("\n"),
    });
    expect(tg.requests.at(-1)!.path).toBe(`/bot${BOT_TOKEN}/sendMessage`);
    expect(run.steps[2].output).toEqual({ message_id: 1 });
    expect((run.steps[1].input as { url: string }).url).toBe(`${tg.url}/bot***/sendMessage`);

    // Plain text: values go as they are.
    const plain = await create("klientiks-telegram-message", "Telegram без оформления", BOT_TOKEN, { chatId: CHAT, parseMode: "none", apiUrl: tg.url });
    await fire(plain.webhookToken, APPOINTMENT, "SUCCEEDED");
    expect(tg.messages[1].parse_mode).toBeUndefined();
    expect(tg.messages[1].text).toContain(`Клиент: ${NAME}\nТелефон:`);
    expect(tg.messages[1].text).toContain("Мастер: Ольга <Мастер> & Co");

    const bad = await create("klientiks-telegram-message", "Telegram чужой чат", BOT_TOKEN, { chatId: "-100999", apiUrl: tg.url });
    const failed = await fire(bad.webhookToken, APPOINTMENT, "FAILED");
    expect(failed.error).toMatch(
      /^Шаг 2 «Отправить в Telegram»: HTTP 400 от 127\.0\.0\.1:\d+: \{"ok":false,"error_code":400,"description":"Bad Request: chat not found"\}$/,
    );
    const mail = await alertMail("Telegram чужой чат");
    expect(mailText(mail)).toContain("chat not found");

    const unauthorized = await create("klientiks-telegram-message", "Telegram отозванный бот", "7012345678:AAHwrong_token_000000000000000", {
      chatId: CHAT,
      apiUrl: tg.url,
    });
    const failed401 = await fire(unauthorized.webhookToken, APPOINTMENT, "FAILED");
    expect(failed401.steps[1].error).toContain('"description":"Unauthorized"');
    expect(failed401.steps[1].input).toMatchObject({ url: `${tg.url}/bot***/sendMessage` });
    const mail401 = await alertMail("Telegram отозванный бот");
    expectNoSecrets(run, failed, failed401, mailText(mail), mailText(mail401), logs);
  });

  it("nothing stored for this user anywhere holds a secret (runs, steps, notifications, pipelines)", async () => {
    const rows = await prisma.run.findMany({ where: { userId }, include: { steps: true } });
    expect(rows.length).toBeGreaterThanOrEqual(7);
    const pipelines = await prisma.pipeline.findMany({ where: { userId } });
    const notifications = await prisma.notification.findMany({ where: { pipelineId: { in: pipelines.map((p) => p.id) } } });
    expect(notifications.length).toBeGreaterThanOrEqual(4);
    expectNoSecrets(rows, pipelines, notifications, sink.messages.map(mailText), logs);
  });
});
