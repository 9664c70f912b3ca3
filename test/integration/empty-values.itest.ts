// Tried as a new user would: every shipped template, created by the function the API uses, fed each
// of the four Klientiks events through the webhook handler and the runs worker — once complete and
// once with e-mail, phone, surname and patronymic empty in turn (Klientiks sends a missing value as
// an empty parameter) — against fakes that validate like the real APIs (Weeek 422 for "" in emails,
// amoCRM refuses blanks and a non-integer price, Telegram refuses an empty text). Every run must end
// SUCCEEDED and the destination must hold exactly the values that were present.
//
// Redis is a private redis-server of this file (the runs queue name is fixed).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import { freePort, startPrivateRedis, waitFor } from "../support/worker-helpers";
import { startFakeWeeek } from "../support/fakes/weeek";

const WEEEK_TOKEN = "weeek-empty-values-token-77";
const weeek = await startFakeWeeek({ token: WEEEK_TOKEN });
process.env.WEEEK_BASE_URL = weeek.url;
const redis = await startPrivateRedis(await freePort());
process.env.REDIS_URL = redis.url;

const { importKitRuntime } = await import("../support/kit-runtime");
const kit = await importKitRuntime();
const { prisma, closeDb, createPipelineFromKit, setPipelineStatus, startKitFakes, startKitRunsWorker, closeQueues, startHookServer } = kit;
const { KLIENTIKS_EVENTS } = await import("../../lib/starter-kits/klientiks-events");
type KlientiksEventId = (typeof KLIENTIKS_EVENTS)[number]["id"];

const AMO_TOKEN = "amo-empty-values-token";
const BITRIX_CODE = "emptyvalues0000";
const BOT_TOKEN = "7012345678:AAHempty_values_token_0123456789";
const CHAT = "-1001234567890";

let [amo, bitrix, tg]: Awaited<ReturnType<typeof startKitFakes>> = [] as never;
let runs: ReturnType<typeof startKitRunsWorker>;
let server: http.Server;
let origin = "";
let userId = "";

beforeAll(async () => {
  [amo, bitrix, tg] = await startKitFakes({ amoToken: AMO_TOKEN, bitrixCode: BITRIX_CODE, botToken: BOT_TOKEN, chat: CHAT });
  runs = startKitRunsWorker(redis.url);
  ({ server, origin } = await startHookServer(runs.queue));
  const email = `empty-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  userId = (await prisma.user.create({ data: { email, passwordHash: "x" }, select: { id: true } })).id;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await runs?.close(5_000);
  await closeQueues().catch(() => undefined);
  await Promise.all([weeek.close(), amo?.close(), bitrix?.close(), tg?.close()]);
  await closeDb();
  await redis.stop();
});

// ── the events, as Klientiks sends them (every parameter present, a missing value empty) ─────────

const NAME = `Анна "Ромашка" О'Нил 🌸`;

const FULL: Record<KlientiksEventId, Record<string, string>> = {
  client_created: {
    client_id: "1042",
    client_phone: "8 (911) 123-45-67",
    client_name: `Иванова ${NAME}`,
    client_first_name: NAME,
    client_patron_name: "Сергеевна",
    client_second_name: "Иванова",
    client_deleted: "0",
    client_email: " anna.oneil@example.ru ",
  },
  appointment_created: {
    client_id: "7",
    client_phone: "+7 (916) 123-45-67",
    client_name: NAME,
    appointment_id: "501",
    appointment_date: "25.11.2026",
    appointment_time: "15:30",
    executor_name: "Ольга <Мастер> & Co",
    executor_phone: "89031112233",
    services: "Стрижка, укладка\nОкрашивание «Блонд»",
    appointment_total_cost: "2 300,50",
    user_position: "Администратор",
  },
  invoice_created: {
    client_id: "8",
    client_name: "Пётр Сидоров",
    client_phone: "9261234567",
    appointment_id: "77",
    appointment_amount: "1 499,49",
    appointment_paid: "0",
    appointment_name: `Абонемент "Весна" 💅`,
    appointment_description: "5 посещений",
    appointment_paid_sum: "0",
    appointment_left_to_pay: "1 499,49",
  },
  visit_paid: {
    client_id: "9",
    appointment_id: "601",
    appointment_account_id: "3",
    appointment_created: "2026-11-25 15:30:00",
    appointment_appointment_id: "601",
    appointment_status: "paid",
    appointment_paid: "1",
  },
};

/** The client fields emptied in turn, by the parameter each event carries them in. */
const EMPTIABLE: Record<string, string> = {
  email: "client_email",
  phone: "client_phone",
  surname: "client_second_name",
  patronymic: "client_patron_name",
};

type Case = { event: KlientiksEventId; label: string; params: Record<string, string> };

function cases(): Case[] {
  const out: Case[] = [];
  for (const e of KLIENTIKS_EVENTS) {
    const full = FULL[e.id];
    out.push({ event: e.id, label: "все поля", params: full });
    const present = Object.entries(EMPTIABLE).filter(([, param]) => param in full);
    for (const [what, param] of present) out.push({ event: e.id, label: `пустое ${what}`, params: { ...full, [param]: "" } });
    if (present.length > 1) out.push({ event: e.id, label: "всё пустое", params: { ...full, ...Object.fromEntries(present.map(([, p]) => [p, ""])) } });
    if ("client_name" in full && e.id !== "client_created") out.push({ event: e.id, label: "пустое имя", params: { ...full, client_name: "" } });
  }
  return out;
}

// ── what each destination must hold: written out by hand from the event, not from the templates ──

const present = (v: string | undefined) => (v !== undefined && v.trim() !== "" ? v.trim() : undefined);
const phoneOf = (p: Record<string, string>) => {
  const v = present(p.client_phone);
  if (!v) return undefined;
  const d = v.replace(/\D/g, "");
  return `+7${d.length === 11 ? d.slice(1) : d}`;
};
const nameOf = (e: KlientiksEventId, p: Record<string, string>) =>
  e === "client_created"
    ? (present(p.client_first_name) ?? "Без имени")
    : e === "visit_paid"
      ? `Клиент Клиентикс №${p.client_id}`
      : (present(p.client_name) ?? "Без имени");
const amountOf = (e: KlientiksEventId, p: Record<string, string>) => {
  const raw = e === "appointment_created" ? p.appointment_total_cost : e === "invoice_created" ? p.appointment_amount : undefined;
  return raw ? Number(raw.replace(/\s/g, "").replace(",", ".")) : undefined;
};
const titleOf = (e: KlientiksEventId, p: Record<string, string>) =>
  ({
    client_created: `Новый клиент: ${p.client_name}`,
    appointment_created: `Запись ${p.appointment_date} ${p.appointment_time}: ${p.client_name}`,
    invoice_created: `Счёт «${p.appointment_name}»: ${p.client_name}`,
    visit_paid: `Визит оплачен: клиент №${p.client_id}, запись №${p.appointment_id}`,
  })[e];
const commentOf = (e: KlientiksEventId, p: Record<string, string>) =>
  e === "appointment_created"
    ? present(p.services) && p.services
    : e === "invoice_created"
      ? present(p.appointment_description) && p.appointment_description
      : undefined;
const clean = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function weeekContact(e: KlientiksEventId, p: Record<string, string>) {
  const email = e === "client_created" ? present(p.client_email) : undefined;
  const phone = phoneOf(p);
  return clean({
    firstName: nameOf(e, p),
    lastName: e === "client_created" ? present(p.client_second_name) : undefined,
    middleName: e === "client_created" ? present(p.client_patron_name) : undefined,
    emails: email ? [email] : undefined,
    phones: phone ? [phone] : undefined,
  });
}

function amoLead(e: KlientiksEventId, p: Record<string, string>) {
  const phone = phoneOf(p);
  const email = e === "client_created" ? present(p.client_email) : undefined;
  const amount = amountOf(e, p);
  const cfv = [
    ...(phone ? [{ field_code: "PHONE", values: [{ value: phone, enum_code: "WORK" }] }] : []),
    ...(email ? [{ field_code: "EMAIL", values: [{ value: email, enum_code: "WORK" }] }] : []),
  ];
  const contact = clean({
    first_name: nameOf(e, p),
    last_name: e === "client_created" ? present(p.client_second_name) : undefined,
    custom_fields_values: cfv.length ? cfv : undefined,
  });
  return [clean({ name: titleOf(e, p), price: amount === undefined ? undefined : Math.round(amount), _embedded: { contacts: [contact] } })];
}

function bitrixFields(e: KlientiksEventId, p: Record<string, string>) {
  const phone = phoneOf(p);
  const email = e === "client_created" ? present(p.client_email) : undefined;
  const amount = amountOf(e, p);
  return clean({
    TITLE: titleOf(e, p),
    NAME: nameOf(e, p),
    LAST_NAME: e === "client_created" ? present(p.client_second_name) : undefined,
    SECOND_NAME: e === "client_created" ? present(p.client_patron_name) : undefined,
    PHONE: phone ? [{ VALUE: phone, VALUE_TYPE: "WORK" }] : undefined,
    EMAIL: email ? [{ VALUE: email, VALUE_TYPE: "WORK" }] : undefined,
    OPPORTUNITY: amount,
    CURRENCY_ID: amount === undefined ? undefined : "RUB",
    COMMENTS: commentOf(e, p) || undefined,
    SOURCE_DESCRIPTION: "Клиентикс",
  });
}

const html = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function telegramText(e: KlientiksEventId, p: Record<string, string>) {
  const line = (label: string, ...values: string[]) => (values.every((v) => present(v)) ? [`<b>${label}:</b> ${values.map(html).join(" ")}`] : []);
  const withRub = (label: string, v: string) => (present(v) ? [`<b>${label}:</b> ${html(v)} ₽`] : []);
  const lines = {
    client_created: ["<b>Новый клиент</b>", ...line("Клиент", p.client_name), ...line("Телефон", p.client_phone), ...line("E-mail", p.client_email)],
    appointment_created: [
      "<b>Новая запись</b>",
      ...line("Клиент", p.client_name),
      ...line("Телефон", p.client_phone),
      ...line("Когда", p.appointment_date, p.appointment_time),
      ...line("Услуги", p.services),
      ...line("Мастер", p.executor_name),
      ...withRub("Сумма", p.appointment_total_cost),
    ],
    invoice_created: [
      "<b>Новый счёт</b>",
      ...line("Клиент", p.client_name),
      ...line("Телефон", p.client_phone),
      ...line("Счёт", p.appointment_name),
      ...withRub("Сумма", p.appointment_amount),
      ...withRub("Оплачено", p.appointment_paid_sum),
      ...withRub("Осталось оплатить", p.appointment_left_to_pay),
      ...line("Описание", p.appointment_description),
    ],
    visit_paid: ["<b>Визит оплачен</b>", `<b>Клиент:</b> №${p.client_id}`, `<b>Запись:</b> №${p.appointment_id}`, ...line("Статус", p.appointment_status)],
  }[e];
  return lines.join("\n");
}

// ── plumbing ──────────────────────────────────────────────────────────────────────────────────

const pipelines = new Map<string, string>();

async function pipelineFor(templateId: string, event: KlientiksEventId): Promise<string> {
  const key = `${templateId}/${event}`;
  const hit = pipelines.get(key);
  if (hit) return hit;
  const secret = templateId.startsWith("klientiks-weeek")
    ? WEEEK_TOKEN
    : templateId === "klientiks-amocrm-lead"
      ? AMO_TOKEN
      : templateId === "klientiks-bitrix24-lead"
        ? bitrix.webhookUrl
        : BOT_TOKEN;
  const values: Record<string, string> =
    templateId === "klientiks-amocrm-lead"
      ? { baseUrl: amo.url }
      : templateId === "klientiks-telegram-message"
        ? { chatId: CHAT, parseMode: "HTML", apiUrl: tg.url }
        : {};
  const p = await createPipelineFromKit(userId, {
    templateId,
    name: key,
    credentialName: `ключ ${key}`,
    secret,
    klientiksEvent: event,
    statusId: weeek.state.funnels[0].statuses[0].id,
    values,
  });
  await setPipelineStatus(userId, p.id, "RUNNING");
  const row = await prisma.pipeline.findUniqueOrThrow({ where: { id: p.id }, select: { webhookToken: true } });
  pipelines.set(key, row.webhookToken);
  return row.webhookToken;
}

async function fire(templateId: string, c: Case) {
  const token = await pipelineFor(templateId, c.event);
  const res = await fetch(`${origin}/hooks/${token}?${new URLSearchParams(c.params)}`);
  expect(res.status).toBe(200);
  const { runId } = (await res.json()) as { runId: string };
  const run = await waitFor(
    async () => {
      const r = await prisma.run.findUniqueOrThrow({ where: { id: runId } });
      return r.status === "SUCCEEDED" || r.status === "FAILED" ? r : null;
    },
    20_000,
    `run of ${templateId} ${c.event} (${c.label}) to finish`,
  );
  expect(run.error, `${templateId} ${c.event} (${c.label})`).toBeNull();
  expect(run.status).toBe("SUCCEEDED");
}

const CASES = cases();

describe("shipped templates × Klientiks events × empty values", () => {
  it("covers each event, and e-mail, phone, surname and patronymic empty in turn", () => {
    expect(CASES.filter((c) => c.event === "client_created").map((c) => c.label)).toEqual([
      "все поля",
      "пустое email",
      "пустое phone",
      "пустое surname",
      "пустое patronymic",
      "всё пустое",
    ]);
    expect(new Set(CASES.map((c) => c.event)).size).toBe(4);
  });

  for (const templateId of ["klientiks-weeek-contact", "klientiks-weeek-deal"]) {
    it(`${templateId}: the contact holds exactly the present values; the deal has the amount when there is one`, async () => {
      for (const c of CASES) {
        const contactsBefore = weeek.state.contacts.length;
        const dealsBefore = weeek.state.deals.length;
        const requestsBefore = weeek.state.requests.length;
        await fire(templateId, c);
        const sent = weeek.state.requests.slice(requestsBefore);
        const contactReq = sent.find((r) => r.path.endsWith("/crm/contacts"))!;
        expect(contactReq.body, `${c.event} (${c.label})`).toEqual(weeekContact(c.event, c.params));
        expect(weeek.state.contacts.length).toBe(contactsBefore + 1);
        if (templateId === "klientiks-weeek-deal") {
          expect(weeek.state.deals.length).toBe(dealsBefore + 1);
          const dealReq = sent.find((r) => r.path.endsWith("/deals"))!;
          const amount = amountOf(c.event, c.params);
          const description = commentOf(c.event, c.params);
          expect(dealReq.body, `${c.event} (${c.label})`).toEqual(clean({ title: titleOf(c.event, c.params), amount, description: description || undefined }));
          expect(weeek.state.links.at(-1)).toEqual({ dealId: weeek.state.deals.at(-1)!.id, contactId: weeek.state.contacts.at(-1)!.id });
        }
      }
    });
  }

  it("klientiks-amocrm-lead: no blank value reaches amoCRM, price is a whole number", async () => {
    for (const c of CASES) {
      const before = amo.requests.length;
      await fire("klientiks-amocrm-lead", c);
      expect(amo.requests.length).toBe(before + 1);
      expect(amo.requests.at(-1)!.body, `${c.event} (${c.label})`).toEqual(amoLead(c.event, c.params));
    }
    expect(amo.leads.find((l) => l.name.startsWith("Запись 25.11.2026"))!.price).toBe(2301);
  });

  it("klientiks-bitrix24-lead: the lead has no empty field", async () => {
    for (const c of CASES) {
      const before = bitrix.leads.length;
      await fire("klientiks-bitrix24-lead", c);
      expect(bitrix.leads.length).toBe(before + 1);
      const fields = bitrix.leads.at(-1)!.fields;
      expect(fields, `${c.event} (${c.label})`).toEqual(bitrixFields(c.event, c.params));
      const blanks = JSON.stringify(fields).match(/"[A-Z_]+":""|"VALUE":""|\[\]/g);
      expect(blanks).toBeNull();
    }
  });

  it("klientiks-telegram-message: a line whose value is empty is left out, the rest escaped", async () => {
    for (const c of CASES) {
      const before = tg.messages.length;
      await fire("klientiks-telegram-message", c);
      expect(tg.messages.length).toBe(before + 1);
      expect(tg.messages.at(-1)!.text, `${c.event} (${c.label})`).toBe(telegramText(c.event, c.params));
    }
  });
});
