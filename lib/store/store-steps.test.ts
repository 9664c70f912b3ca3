// The «Хранилище» steps through the engine (runOne = the worker's code path) with a real store — lives with
// the store, not in lib/actions/, because it needs the database (actions reach storage only through the run context).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { closeDb, prisma } from "../db";
import { closeStoreLocks, getEntry } from "./store";
import { storeClientFor } from "./store-client";
import { createOutboundHttp } from "../security/outbound-http";
import { startFakeWeeek, type FakeWeeek } from "../../test/support/fakes/weeek";
import { getAction, validateStep } from "../actions/registry";
import { runOne } from "../../test/support/action-kit";

const TOKEN = "weeek-store-token-42";
let userId: string;
let weeek: FakeWeeek;

beforeAll(async () => {
  userId = (await prisma.user.create({ data: { email: `store-steps-${randomUUID()}@test.local`, passwordHash: "x" }, select: { id: true } })).id;
  weeek = await startFakeWeeek({ token: TOKEN });
});
afterAll(async () => {
  await weeek.close();
  await closeStoreLocks();
  await closeDb();
});

const store = () => storeClientFor(userId);

describe("«Хранилище» steps", () => {
  it("save (set) a token's value, then find it: found true and the value with its type", async () => {
    const source = { client_id: "1842", contact: { id: "c-77", tags: ["VIP"] } };
    const saved = await runOne(
      "store-save",
      { operation: "set", collection: "Контакты", key: "client-{{source.client_id}}", value: "{{source.contact}}" },
      { source, store: store() },
    );
    expect(saved.record.error).toBeNull();
    expect(saved.output).toEqual({ value: { id: "c-77", tags: ["VIP"] } });
    expect(saved.record.input).toMatchObject({ operation: "set", collection: "Контакты", key: "client-1842" });

    const found = await runOne("store-find", { collection: "Контакты", key: "client-{{source.client_id}}" }, { source, store: store() });
    expect(found.output).toEqual({ found: true, value: { id: "c-77", tags: ["VIP"] } });
    const missing = await runOne("store-find", { collection: "Контакты", key: "client-0" }, { store: store() });
    expect(missing.output).toEqual({ found: false, value: null });
  });

  it("increment and delete", async () => {
    const inc = { operation: "increment", collection: "Счётчики", key: "визиты", by: 2 };
    expect((await runOne("store-save", inc, { store: store() })).output).toEqual({ value: 2 });
    expect((await runOne("store-save", inc, { store: store() })).output).toEqual({ value: 4 });
    const del = { operation: "delete", collection: "Счётчики", key: "визиты" };
    expect((await runOne("store-save", del, { store: store() })).output).toEqual({ deleted: true });
    expect((await runOne("store-save", del, { store: store() })).output).toEqual({ deleted: false });
  });

  it("a key over 256 characters or a value over 64 KiB fails the step with a clear message", async () => {
    const long = await runOne("store-find", { collection: "c", key: "{{source.k}}" }, { source: { k: "x".repeat(300) }, store: store() });
    expect(long.record.error?.message).toBe("Ключ длиннее 256 символов");
    const big = await runOne(
      "store-save",
      { operation: "set", collection: "c", key: "k", value: "{{source.v}}" },
      { source: { v: "я".repeat(40_000) }, store: store() },
    );
    expect(big.record.error?.message).toMatch(/^Значение больше 64 КБ/);
    const empty = await runOne("store-find", { collection: "c", key: "{{source.k}}", onMissing: "empty" }, { source: {}, store: store() });
    expect(empty.record.error?.message).toBe("Ключ пустой — проверьте шаблон ключа");
  });

  it("config checks, outputs and summaries", () => {
    const step = (type: string, config: Record<string, unknown>) => ({ id: "s1", type, name: "", config });
    expect(validateStep(step("store-save", { operation: "set", collection: "c", key: "k", value: "" })).map((i) => i.text.ru)).toEqual([
      "Шаг 1: «Значение (JSON)» — обязательное поле",
    ]);
    expect(validateStep(step("store-find", { collection: "", key: "k" })).map((i) => i.path)).toEqual(["config.collection"]);
    expect(validateStep(step("store-save", { operation: "delete", collection: "c", key: "k" }))).toEqual([]);
    const save = getAction("store-save")!;
    const cfg = save.configSchema.parse({ operation: "increment", collection: "Счётчики", key: "{{source.id}}", by: 1 });
    expect(save.summary(cfg)).toBe("Счётчики › {{source.id}} + 1");
    expect(save.outputs(cfg).map((o) => o.key)).toEqual(["value"]);
    expect(
      getAction("store-find")!
        .outputs({})
        .map((o) => o.key),
    ).toEqual(["found", "value"]);
  });

  it("find or create: the first call creates the Weeek contact and saves its id, the next only finds it", async () => {
    const http = createOutboundHttp({ allowlist: `127.0.0.1:${new URL(weeek.url).port}` });
    const config = {
      collection: "Weeek контакты",
      key: "{{source.client_id}}",
      method: "POST",
      url: `${weeek.url}/public/v1/crm/contacts`,
      headers: [{ key: "Authorization", value: "Bearer {{credentials.weeek}}" }],
      bodyType: "json",
      bodyJson: '{ "firstName": "{{source.name}}", "phones": ["{{source.phone}}"] }',
      valuePath: '["contact"]["id"]',
    };
    const source = { client_id: "501", name: 'Анна "Аня" Петрова', phone: "+7 (912) 000-11-22" };
    const first = await runOne("store-find-or-create", config, { source, http, store: store(), credentials: { weeek: TOKEN } });
    expect(first.record.error).toBeNull();
    expect(weeek.state.contacts).toHaveLength(1);
    const id = weeek.state.contacts[0].id;
    expect(first.output).toEqual({ value: id, found: false, created: true });
    expect((await getEntry(userId, "Weeek контакты", "501"))?.value).toBe(id);

    const again = await runOne("store-find-or-create", config, { source, http, store: store(), credentials: { weeek: TOKEN } });
    expect(again.output).toEqual({ value: id, found: true, created: false });
    expect(weeek.state.contacts).toHaveLength(1);

    // A wrong path: the step fails and says so; nothing is saved for that client.
    const bad = await runOne(
      "store-find-or-create",
      { ...config, valuePath: '["id"]' },
      { source: { ...source, client_id: "502" }, http, store: store(), credentials: { weeek: TOKEN } },
    );
    expect(bad.record.error?.message).toMatch(/^Запись создана, но в ответе нет значения по пути \["id"\]/);
    expect(await getEntry(userId, "Weeek контакты", "502")).toBeNull();

    // Weeek refusing the contact: its 422 is the step's error, nothing saved.
    weeek.failNext("POST /crm/contacts", 422, { success: false, message: "The given data was invalid.", errors: { firstName: ["required"] } });
    const refused = await runOne("store-find-or-create", config, {
      source: { ...source, client_id: "503" },
      http,
      store: store(),
      credentials: { weeek: TOKEN },
    });
    expect(refused.record.error?.message).toMatch(/^HTTP 422 от 127\.0\.0\.1/);
    expect(await getEntry(userId, "Weeek контакты", "503")).toBeNull();
  });

  it("without a store (no account known) the step says so", async () => {
    const r = await runOne("store-find", { collection: "c", key: "k" });
    expect(r.record.error?.message).toBe("Хранилище недоступно в этом режиме");
  });
});
