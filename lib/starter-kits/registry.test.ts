import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateDefinition } from "../actions/registry";
import { collectTokens } from "../definition/placeholders";
import { createOutboundHttp } from "../security/outbound-http";
import { runSteps } from "../engine/run-steps";
import { startFakeWeeek, type FakeWeeek } from "../../test/support/fakes/weeek";
import { KLIENTIKS_EVENTS, klientiksEventFields } from "./klientiks-events";
import { STARTER_KITS, getStarterKit } from "./registry";
import { checkKitValues } from "./kit-inputs";
import { checkAmoBaseUrl } from "./klientiks-amocrm";
import { checkBitrixWebhook } from "./klientiks-bitrix24";
import { checkBotToken, checkChatId, telegramText } from "./klientiks-telegram";

const TOKEN = "weeek-unit-token-123456";
const SAMPLE_VALUES = { baseUrl: "https://mycompany.amocrm.ru", chatId: "-1001234567890", parseMode: "HTML", apiUrl: "https://api.telegram.org" };
let weeek: FakeWeeek;

beforeAll(async () => {
  weeek = await startFakeWeeek({ token: TOKEN });
});
afterAll(async () => {
  await weeek.close();
});

describe("pipeline templates", () => {
  it("every template × event builds a valid definition that only reads fields the event sends", () => {
    for (const tpl of STARTER_KITS) {
      for (const ev of KLIENTIKS_EVENTS) {
        const def = tpl.build({
          weeekBaseUrl: "https://api.weeek.net",
          credentialName: "Weeek токен",
          statusId: "st-1",
          values: SAMPLE_VALUES,
          klientiksEvent: ev.id,
        });
        const r = validateDefinition(def);
        expect(r.ok, `${tpl.id} / ${ev.id}: ${r.ok ? "" : JSON.stringify(r.issues)}`).toBe(true);
        expect(def.sourceFields.map((f) => f.path)).toEqual(klientiksEventFields(ev.id));
        const sent = new Set(klientiksEventFields(ev.id));
        for (const t of collectTokens(def.steps)) {
          if (t.kind === "source") expect(sent.has(t.path), `${tpl.id}/${ev.id} reads ${t.path}`).toBe(true);
          if (t.kind === "credential") expect(t.name).toBe("Weeek токен");
        }
      }
    }
  });

  it("contact and deal: the guide's eight steps, deal with `title` and a numeric amount", () => {
    const def = getStarterKit("klientiks-weeek-deal")!.build({
      weeekBaseUrl: "https://api.weeek.net/",
      credentialName: "Weeek токен",
      statusId: "st 1",
      klientiksEvent: "appointment_created",
    });
    expect(def.steps.map((s) => s.type)).toEqual([
      "json-composer",
      "http-request",
      "json-parser",
      "json-composer",
      "http-request",
      "json-parser",
      "json-composer",
      "http-request",
    ]);
    const fields = (def.steps[3].config as { fields: { key: string; type: string }[] }).fields;
    expect(fields.map((f) => f.key)).toEqual(["title", "amount", "description"]);
    expect(fields.find((f) => f.key === "amount")!.type).toBe("number");
    expect((def.steps[4].config as { url: string }).url).toBe("https://api.weeek.net/public/v1/crm/statuses/st%201/deals");
  });

  it("runs against the fake Weeek: contact, deal with a numeric amount, link", async () => {
    const statusId = weeek.state.funnels[0].statuses[1].id;
    const def = getStarterKit("klientiks-weeek-deal")!.build({
      weeekBaseUrl: weeek.url,
      credentialName: "Weeek токен",
      statusId,
      klientiksEvent: "appointment_created",
    });
    const http = createOutboundHttp({ allowlist: new URL(weeek.url).host });
    const r = await runSteps({
      runId: "r-template",
      steps: def.steps,
      source: {
        client_id: "7",
        client_phone: "+79161234567",
        client_name: "Анна Иванова",
        appointment_id: "55",
        appointment_date: "2025-03-14",
        appointment_time: "15:30",
        executor_name: "Ольга",
        executor_phone: "+79990000000",
        services: "Стрижка",
        appointment_total_cost: "1500",
        user_position: "Мастер",
      },
      credentials: async (name) => (name === "Weeek токен" ? TOKEN : undefined),
      context: () => ({ http }),
    });
    expect(r.error).toBeNull();
    expect(weeek.state.contacts.at(-1)).toMatchObject({ firstName: "Анна Иванова", phones: ["+79161234567"] });
    const deal = weeek.state.deals.at(-1)!;
    expect(deal).toMatchObject({ title: "Запись 2025-03-14 15:30: Анна Иванова", amount: 1500, statusId, description: "Стрижка" });
    expect(weeek.state.links.at(-1)).toEqual({ dealId: deal.id, contactId: weeek.state.contacts.at(-1)!.id });
  });

  it("every template declares a labelled secret, and its inputs' defaults pass their own checks", () => {
    for (const tpl of STARTER_KITS) {
      expect(tpl.credential.label.ru && tpl.credential.hint.ru && tpl.credential.defaultName, tpl.id).toBeTruthy();
      const r = checkKitValues(tpl.inputs, SAMPLE_VALUES);
      expect(r.ok, `${tpl.id}: ${JSON.stringify(r)}`).toBe(true);
    }
    expect(STARTER_KITS.map((t) => t.id)).toEqual([
      "klientiks-weeek-deal",
      "klientiks-weeek-deal-no-duplicates",
      "klientiks-weeek-contact",
      "klientiks-amocrm-lead",
      "klientiks-bitrix24-lead",
      "klientiks-telegram-message",
    ]);
  });
});

describe("destination inputs", () => {
  const ok = (v: string) => ({ value: v });
  it("amoCRM address: subdomain, host or URL → origin", () => {
    expect(checkAmoBaseUrl("MyCompany")).toEqual(ok("https://mycompany.amocrm.ru"));
    expect(checkAmoBaseUrl("mycompany.amocrm.ru/leads/pipeline")).toEqual(ok("https://mycompany.amocrm.ru"));
    expect(checkAmoBaseUrl("https://shop.kommo.com/")).toEqual(ok("https://shop.kommo.com"));
    expect(checkAmoBaseUrl("http://127.0.0.1:4020")).toEqual(ok("http://127.0.0.1:4020"));
    expect(checkAmoBaseUrl("ftp://x.ru")).toHaveProperty("error");
    expect(checkAmoBaseUrl("моя компания")).toHaveProperty("error");
  });

  it("Bitrix24 webhook: the address Bitrix shows (with an example method) → …/rest/<user>/<code>/", () => {
    expect(checkBitrixWebhook("https://b24-abc.bitrix24.ru/rest/1/u3lk2dg9ccbd3uwl/profile.json")).toEqual(
      ok("https://b24-abc.bitrix24.ru/rest/1/u3lk2dg9ccbd3uwl/"),
    );
    expect(checkBitrixWebhook(" https://corp.example.ru/rest/17/abc123 ")).toEqual(ok("https://corp.example.ru/rest/17/abc123/"));
    expect(checkBitrixWebhook("https://b24-abc.bitrix24.ru/crm/lead/")).toHaveProperty("error");
    expect(checkBitrixWebhook("u3lk2dg9ccbd3uwl")).toHaveProperty("error");
  });

  it("Telegram: bot token and chat id", () => {
    expect(checkBotToken("bot123456789:AAH-xyz_0123456789abcdefghij")).toEqual(ok("123456789:AAH-xyz_0123456789abcdefghij"));
    expect(checkBotToken("123456789")).toHaveProperty("error");
    expect(checkChatId("-1001234567890")).toEqual(ok("-1001234567890"));
    expect(checkChatId("@my_channel")).toEqual(ok("@my_channel"));
    expect(checkChatId("{{source.client_id}}")).toHaveProperty("error");
  });

  it("missing and unknown values are reported per input", () => {
    const tg = getStarterKit("klientiks-telegram-message")!;
    const r = checkKitValues(tg.inputs, { parseMode: "Markdown" });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues.map((i) => i.key)).toEqual(["chatId", "parseMode"]);
    const d = checkKitValues(tg.inputs, { chatId: "42" });
    expect(d).toEqual({ ok: true, values: { chatId: "42", parseMode: "HTML", apiUrl: "https://api.telegram.org" } });
  });

  it("Telegram HTML text escapes every value; plain text has no markup", () => {
    expect(telegramText("client_created", "HTML")).toBe(
      "<b>Новый клиент</b>\n<b>Клиент:</b> {{source.client_name | omitEmpty | html}}\n<b>Телефон:</b> {{source.client_phone | omitEmpty | html}}\n<b>E-mail:</b> {{source.client_email | omitEmpty | html}}",
    );
    expect(telegramText("client_created", "none")).toBe(
      "Новый клиент\nКлиент: {{source.client_name | omitEmpty}}\nТелефон: {{source.client_phone | omitEmpty}}\nE-mail: {{source.client_email | omitEmpty}}",
    );
  });
});
