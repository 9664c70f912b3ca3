// The webhook's reply to the caller and its signature check, end to end over HTTP: real Postgres,
// a real ingester (private queue), the real settings cache reading the definitions and decrypting
// the «Ключи доступа» secret. The callers are local fake senders signing like GitHub/Shopify do.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, prisma } from "../db";
import { closeQueues } from "../queue/run-queue";
import { createCredential } from "../credentials/create-credential";
import { updateCredential } from "../credentials/update-credential";
import { updatePipeline } from "../pipelines/update-pipeline";
import { validateDefinition } from "../actions/registry";
import { createHookHandler } from "./handle-hook";
import { createIngester, type Ingester } from "./ingest";
import { createSourceSettingsCache, safeEqual, type SourceSettingsCache } from "./source-settings";
import { createPipeline, createUser, privateRunQueue, startServer } from "../../test/support/webhook-fixtures";

const SECRET = 'whsec_Ключ-🔑-"quoted"';

let user: { id: string };
let runQueue: ReturnType<typeof privateRunQueue>;
let ingester: Ingester;
let cache: SourceSettingsCache;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  user = await createUser();
  runQueue = privateRunQueue();
  ingester = createIngester({ enqueue: runQueue.enqueue });
  // A long refresh: only invalidation (saving a pipeline or a key) makes changes visible here.
  cache = createSourceSettingsCache({ refreshMs: 3_600_000 });
  server = await startServer(createHookHandler({ ingester: () => ingester, sourceSettings: () => cache }));
  await createCredential({ userId: user.id, name: "Подпись магазина", secret: SECRET });
});

afterAll(async () => {
  await server?.close();
  await runQueue?.close();
  if (user) await prisma.user.delete({ where: { id: user.id } });
  await closeQueues();
  await closeDb();
});

/** A pipeline saved through updatePipeline (as the editor does), so the cache is invalidated. */
async function pipelineWith(extra: Record<string, unknown>) {
  const p = await createPipeline(user.id, "RUNNING");
  const def = { sourceFields: [], steps: [], ...extra };
  expect(validateDefinition(def).issues).toEqual([]);
  await updatePipeline(user.id, p.id, { definition: def as never });
  cache.invalidate();
  return p;
}

async function post(token: string, body: string, headers: Record<string, string> = {}, query = "") {
  const res = await fetch(`${server.url}/hooks/${token}${query}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const ORDER = JSON.stringify({ name: "Анна «Салон» Петрова", phone: "8 (999) 123-45-67", comment: "строка 1\nстрока 2 😀", sum: "1 500,50" });

describe("reply to the caller", () => {
  it("sends the configured status, headers and JSON body built from the request, after storing the run", async () => {
    const p = await pipelineWith({
      reply: {
        enabled: true,
        status: 201,
        headers: [{ name: "X-Hookflow-Reply", value: "accepted" }],
        format: "json",
        body: '{"accepted": true, "client": "{{source.name}}", "phone": "{{source.phone | phone}}", "id": "{{runId}}"}',
      },
    });
    const r = await post(p.webhookToken, ORDER);
    expect(r.status).toBe(201);
    expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(r.headers.get("x-hookflow-reply")).toBe("accepted");
    const body = JSON.parse(r.text);
    expect(body).toEqual({ accepted: true, client: "Анна «Салон» Петрова", phone: "+79991234567", id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const run = await prisma.run.findUniqueOrThrow({ where: { id: body.id } });
    expect(run).toMatchObject({ pipelineId: p.id, status: "QUEUED" });
  });

  it("sends a plain-text body (e.g. «OK» a sender expects) with text/plain", async () => {
    const p = await pipelineWith({ reply: { enabled: true, status: 200, headers: [], format: "text", body: "OK {{source.sum}}" } });
    const r = await post(p.webhookToken, ORDER);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(r.text).toBe("OK 1 500,50");
    expect(await prisma.run.count({ where: { pipelineId: p.id } })).toBe(1);
  });

  it("keeps the default {ok, runId} when the reply is disabled", async () => {
    const p = await pipelineWith({ reply: { enabled: false, status: 202, headers: [], format: "text", body: "nope" } });
    const r = await post(p.webhookToken, ORDER);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ ok: true, runId: expect.any(String) });
  });

  it("refuses a reply template reading steps, and a reply that is not JSON, with messages naming the problem", () => {
    const bad = validateDefinition({ sourceFields: [], steps: [], reply: { enabled: true, format: "json", body: '{"a": "{{steps.s1.body}}"}' } });
    expect(bad.issues.map((i) => i.message.ru).join(" ")).toContain("только поля запроса");
    const notJson = validateDefinition({ sourceFields: [], steps: [], reply: { enabled: true, format: "json", body: "{a: 1" } });
    expect(notJson.issues.map((i) => i.message.ru).join(" ")).toContain("не JSON");
    const header = validateDefinition({ sourceFields: [], steps: [], reply: { enabled: true, headers: [{ name: "Content-Length", value: "1" }] } });
    expect(header.ok).toBe(false);
    const cyrillic = validateDefinition({ sourceFields: [], steps: [], reply: { enabled: true, headers: [{ name: "X-Note", value: "принято" }] } });
    expect(cyrillic.issues.map((i) => i.message.ru).join(" ")).toContain("кириллицу HTTP-заголовки не передают");
  });
});

describe("signature check", () => {
  const sign = (algo: "sha256" | "sha1", body: string, enc: "hex" | "base64", secret = SECRET) =>
    createHmac(algo, secret).update(Buffer.from(body, "utf8")).digest(enc);

  it("HMAC-SHA256 hex with a «sha256=» prefix (GitHub style): good → 200, bad → 401 rejected, missing → 401 rejected", async () => {
    const p = await pipelineWith({
      signature: { enabled: true, method: "hmac-sha256", credential: "Подпись магазина", header: "X-Hub-Signature-256", encoding: "hex", prefix: "sha256=" },
    });
    const good = await post(p.webhookToken, ORDER, { "X-Hub-Signature-256": `sha256=${sign("sha256", ORDER, "hex")}` });
    expect(good.status).toBe(200);
    const goodRun = await prisma.run.findUniqueOrThrow({ where: { id: JSON.parse(good.text).runId } });
    expect(goodRun.status).toBe("QUEUED");

    const bad = await post(p.webhookToken, ORDER, { "X-Hub-Signature-256": `sha256=${sign("sha256", ORDER, "hex", "wrong secret")}` });
    expect(bad.status).toBe(401);
    const badJson = JSON.parse(bad.text);
    expect(badJson).toMatchObject({ ok: false, error: "bad_signature" });
    const badRun = await prisma.run.findUniqueOrThrow({ where: { id: badJson.runId } });
    expect(badRun.status).toBe("REJECTED");
    expect(badRun.rejectReason).toContain("Неверная подпись в заголовке «X-Hub-Signature-256»");
    expect(badRun.payload).toMatchObject({ name: "Анна «Салон» Петрова" });

    // The same signature over a body changed by one character fails.
    const tampered = await post(p.webhookToken, ORDER.replace("1 500", "9 500"), { "X-Hub-Signature-256": `sha256=${sign("sha256", ORDER, "hex")}` });
    expect(tampered.status).toBe(401);

    const missing = await post(p.webhookToken, ORDER);
    expect(missing.status).toBe(401);
    const missingRun = await prisma.run.findUniqueOrThrow({ where: { id: JSON.parse(missing.text).runId } });
    expect(missingRun).toMatchObject({ status: "REJECTED", rejectReason: "Нет подписи: запрос пришёл без заголовка «X-Hub-Signature-256»" });
  });

  it("HMAC-SHA1 base64 without a prefix; a changed secret in «Ключи доступа» applies to the next request", async () => {
    const p = await pipelineWith({
      signature: { enabled: true, method: "hmac-sha1", credential: "Подпись магазина", header: "X-Signature", encoding: "base64" },
    });
    expect((await post(p.webhookToken, ORDER, { "X-Signature": sign("sha1", ORDER, "base64") })).status).toBe(200);
    const cred = await prisma.credential.findFirstOrThrow({ where: { userId: user.id, name: "Подпись магазина" } });
    await updateCredential({ userId: user.id, id: cred.id, secret: "новый секрет" });
    cache.invalidate();
    expect((await post(p.webhookToken, ORDER, { "X-Signature": sign("sha1", ORDER, "base64") })).status).toBe(401);
    expect((await post(p.webhookToken, ORDER, { "X-Signature": sign("sha1", ORDER, "base64", "новый секрет") })).status).toBe(200);
    await updateCredential({ userId: user.id, id: cred.id, secret: SECRET });
    cache.invalidate();
  });

  it("a shared secret in a query parameter or a header", async () => {
    const q = await pipelineWith({ signature: { enabled: true, method: "secret-query", credential: "Подпись магазина", param: "key" } });
    expect((await post(q.webhookToken, ORDER, {}, `?key=${encodeURIComponent(SECRET)}`)).status).toBe(200);
    expect((await post(q.webhookToken, ORDER, {}, "?key=guess")).status).toBe(401);
    const h = await pipelineWith({ signature: { enabled: true, method: "secret-header", credential: "Подпись магазина", header: "X-Token" } });
    expect((await post(h.webhookToken, ORDER, { "X-Token": "guess" })).status).toBe(401);
    const rejected = await prisma.run.findFirstOrThrow({ where: { pipelineId: h.id } });
    expect(rejected.rejectReason).toBe("Неверный секрет в заголовке «X-Token»");
  });

  it("a check naming a missing access key rejects every request (never lets them through)", async () => {
    const p = await pipelineWith({ signature: { enabled: true, method: "secret-header", credential: "Нет такого", header: "X-Token" } });
    const r = await post(p.webhookToken, ORDER, { "X-Token": "whsec_anything" });
    expect(r.status).toBe(401);
    const run = await prisma.run.findFirstOrThrow({ where: { pipelineId: p.id } });
    expect(run.rejectReason).toContain("ключ доступа «Нет такого» не найден");
  });

  it("safeEqual compares in constant time and tells equal from unequal of any length", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
    expect(safeEqual("", "")).toBe(true);
  });
});
