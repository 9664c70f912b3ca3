// The reference case end to end through the engine: the guide's eight steps against the fake
// Weeek API, with the token kept as a credential.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWeeek, type FakeWeeek } from "../support/fakes/weeek";
import { buildKlientiksWeeekDefinition, SEED_STEP_ORDER } from "../support/fixtures/seed-definition";
import { validateDefinition } from "../../lib/actions/registry";
import { runSteps } from "../../lib/engine/run-steps";
import { createOutboundHttp } from "../../lib/security/outbound-http";

const TOKEN = "weeek-api-token-3f9a1c";
const CRED = "Weeek токен";
let weeek: FakeWeeek;

beforeAll(async () => {
  weeek = await startFakeWeeek({ token: TOKEN });
});
afterAll(() => weeek.close());

// What Klientiks sends for «Запись клиента на прием» (query parameters arrive as strings).
const source = {
  client_id: "1042",
  client_name: 'Мария "Маша" Иванова',
  client_first_name: "Мария",
  client_second_name: "Иванова",
  client_phone: "+79991234567",
  client_email: "maria@example.ru",
  appointment_id: "77",
  appointment_date: "2025-03-14",
  "appointment.time": "10:30",
  services: "Стрижка\nУкладка",
  appointment_total_cost: "1 500,00",
};

function definition() {
  const port = new URL(weeek.url).port;
  const statusId = weeek.state.funnels[0].statuses[0].id;
  return { def: buildKlientiksWeeekDefinition({ baseUrl: weeek.url, statusId, credentialName: CRED }), statusId, allow: `127.0.0.1:${port}` };
}

describe("Klientiks → Weeek seed pipeline", () => {
  it("creates the contact, the deal (amount as a number) and links them", async () => {
    const { def, statusId, allow } = definition();
    expect(validateDefinition(def).issues).toEqual([]);
    const http = createOutboundHttp({ allowlist: allow });
    const r = await runSteps({
      runId: "seed-run-1",
      steps: def.steps,
      source,
      credentials: async (name) => (name === CRED ? TOKEN : undefined),
      context: () => ({ http }),
    });
    expect(r.error).toBeNull();
    expect(r.status).toBe("succeeded");
    expect(r.records.map((s) => s.stepId)).toEqual(SEED_STEP_ORDER);

    expect(weeek.state.contacts).toHaveLength(1);
    const contact = weeek.state.contacts[0];
    expect(contact).toMatchObject({ firstName: "Мария", lastName: "Иванова", emails: ["maria@example.ru"], phones: ["+79991234567"] });

    expect(weeek.state.deals).toHaveLength(1);
    const deal = weeek.state.deals[0];
    expect(deal).toMatchObject({ title: 'Запись 2025-03-14 10:30: Мария "Маша" Иванова', amount: 1500, statusId, description: "Стрижка\nУкладка" });
    expect(typeof deal.amount).toBe("number");

    expect(weeek.state.links).toEqual([{ dealId: deal.id, contactId: contact.id }]);
    expect(r.outputs.parse_contact).toEqual({ contact_id: contact.id });
    expect(r.outputs.parse_deal).toEqual({ deal_id: deal.id });

    // Every request carried the token, and each step its own idempotency key.
    const posts = weeek.state.requests.filter((q) => q.method === "POST");
    expect(posts.map((q) => q.headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    expect(posts.map((q) => q.headers["idempotency-key"])).toEqual(["seed-run-1:create_contact", "seed-run-1:create_deal", "seed-run-1:link_contact"]);

    // History shows *** in place of the token.
    const history = JSON.stringify(r.records);
    expect(history).not.toContain(TOKEN);
    for (const i of [1, 4, 7]) {
      expect((r.records[i].input as { headers: Record<string, string> }).headers.Authorization).toBe("Bearer ***");
    }
  });

  it("a wrong token stops the chain at step 2 with Weeek's 401", async () => {
    const { def, allow } = definition();
    const before = weeek.state.contacts.length;
    const r = await runSteps({
      runId: "seed-run-2",
      steps: def.steps,
      source,
      credentials: { [CRED]: "wrong-token-000000" },
      context: () => ({ http: createOutboundHttp({ allowlist: allow }) }),
    });
    expect(r.status).toBe("failed");
    expect(r.error!.message).toBe(`Шаг 2 «Создать контакт»: HTTP 401 от ${new URL(weeek.url).host}: {"success":false,"message":"Unauthorized"}`);
    expect(r.records).toHaveLength(2);
    expect(weeek.state.contacts.length).toBe(before);
    expect(JSON.stringify(r.records)).not.toContain("wrong-token-000000");
  });

  it("an amount that is not a number fails at the composer, naming field and value", async () => {
    const { def, allow } = definition();
    const r = await runSteps({
      runId: "seed-run-3",
      steps: def.steps,
      source: { ...source, appointment_total_cost: "бесплатно" },
      credentials: { [CRED]: TOKEN },
      context: () => ({ http: createOutboundHttp({ allowlist: allow }) }),
    });
    expect(r.error!.message).toBe('Шаг 4 «Данные сделки»: Поле amount: значение "бесплатно" не является числом');
  });

  it("a 5xx from Weeek is retried and the run still succeeds", async () => {
    const { def, allow } = definition();
    weeek.failNext("POST /crm/statuses/:id/deals", 503, { success: false, message: "Service Unavailable" });
    const dealsBefore = weeek.state.deals.length;
    const r = await runSteps({
      runId: "seed-run-4",
      steps: def.steps,
      source,
      credentials: { [CRED]: TOKEN },
      context: () => ({ http: createOutboundHttp({ allowlist: allow }), sleep: async () => undefined }),
    });
    expect(r.status).toBe("succeeded");
    expect(r.records[4].attempts).toBe(2);
    expect(weeek.state.deals.length).toBe(dealsBefore + 1);
  });
});

describe("fake Weeek API", () => {
  it("answers funnels, statuses, 401, 404 and 422 like Weeek", async () => {
    const h = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
    const funnels = await (await fetch(`${weeek.url}/public/v1/crm/funnels`, { headers: h })).json();
    expect(funnels).toEqual({ success: true, funnels: [{ id: weeek.state.funnels[0].id, name: "Продажи" }] });
    const statuses = await (await fetch(`${weeek.url}/public/v1/crm/funnels/${weeek.state.funnels[0].id}/statuses`, { headers: h })).json();
    expect(statuses.statuses.map((s: { name: string }) => s.name)).toEqual(["Новая", "В работе", "Успешно"]);
    const unauth = await fetch(`${weeek.url}/public/v1/crm/funnels`);
    expect([unauth.status, await unauth.json()]).toEqual([401, { success: false, message: "Unauthorized" }]);
    const noStatus = await fetch(`${weeek.url}/public/v1/crm/statuses/nope/deals`, { method: "POST", headers: h, body: '{"title":"x"}' });
    expect(noStatus.status).toBe(404);
    const statusId = weeek.state.funnels[0].statuses[0].id;
    const bad = await fetch(`${weeek.url}/public/v1/crm/statuses/${statusId}/deals`, { method: "POST", headers: h, body: '{"name":"x","amount":"1000"}' });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toEqual({
      message: "The title field is required. (and 1 more error)",
      errors: { title: ["The title field is required."], amount: ["The amount field must be a number."] },
    });
    const emptyEmail = await fetch(`${weeek.url}/public/v1/crm/contacts`, {
      method: "POST",
      headers: h,
      body: '{"firstName":"Анна","emails":[""],"phones":["+79111234567"]}',
    });
    expect([emptyEmail.status, await emptyEmail.json()]).toEqual([
      422,
      { message: "The emails.0 field must be a string.", errors: { "emails.0": ["The emails.0 field must be a string."] } },
    ]);
    const noDeal = await fetch(`${weeek.url}/public/v1/crm/deals/nope/contacts`, { method: "POST", headers: h, body: '{"contactId":"x"}' });
    expect(noDeal.status).toBe(404);
  });
});
