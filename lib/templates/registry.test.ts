import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateDefinition } from "../actions/registry";
import { collectTokens } from "../engine/templates";
import { createOutboundHttp } from "../engine/outbound-http";
import { runSteps } from "../engine/run-steps";
import { startFakeWeeek, type FakeWeeek } from "../../e2e/fakes/weeek";
import { KLIENTIKS_EVENTS, klientiksEventFields } from "./klientiks-events";
import { PIPELINE_TEMPLATES, getTemplate } from "./registry";

const TOKEN = "weeek-unit-token-123456";
let weeek: FakeWeeek;

beforeAll(async () => {
  weeek = await startFakeWeeek({ token: TOKEN });
});
afterAll(async () => {
  await weeek.close();
});

describe("pipeline templates", () => {
  it("every template × event builds a valid definition that only reads fields the event sends", () => {
    for (const tpl of PIPELINE_TEMPLATES) {
      for (const ev of KLIENTIKS_EVENTS) {
        const def = tpl.build({ weeekBaseUrl: "https://api.weeek.net", credentialName: "Weeek токен", statusId: "st-1", klientiksEvent: ev.id });
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
    const def = getTemplate("klientiks-weeek-deal")!.build({
      weeekBaseUrl: "https://api.weeek.net/",
      credentialName: "Weeek токен",
      statusId: "st 1",
      klientiksEvent: "appointment_created",
    });
    expect(def.steps.map((s) => s.type)).toEqual([
      "json-composer", "http-request", "json-parser", "json-composer", "http-request", "json-parser", "json-composer", "http-request",
    ]);
    const fields = (def.steps[3].config as { fields: { key: string; type: string }[] }).fields;
    expect(fields.map((f) => f.key)).toEqual(["title", "amount", "description"]);
    expect(fields.find((f) => f.key === "amount")!.type).toBe("number");
    expect((def.steps[4].config as { url: string }).url).toBe("https://api.weeek.net/public/v1/crm/statuses/st%201/deals");
  });

  it("runs against the fake Weeek: contact, deal with a numeric amount, link", async () => {
    const statusId = weeek.state.funnels[0].statuses[1].id;
    const def = getTemplate("klientiks-weeek-deal")!.build({
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
        client_id: "7", client_phone: "+79161234567", client_name: "Анна Иванова", appointment_id: "55",
        appointment_date: "2025-03-14", appointment_time: "15:30", executor_name: "Ольга", executor_phone: "+79990000000",
        services: "Стрижка", appointment_total_cost: "1500", user_position: "Мастер",
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
});
