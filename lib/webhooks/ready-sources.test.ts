// Ready-made sources over HTTP with local fake senders shaped like the real ones: Tilda's
// connection check and form post (application/x-www-form-urlencoded, Tilda's field names), and
// VK Callback API's confirmation handshake and events with `secret`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, prisma } from "../db";
import { closeQueues } from "../queue/run-queue";
import { createCredential } from "../credentials/create-credential";
import { updatePipeline } from "../pipelines/update-pipeline";
import { validateDefinition } from "../actions/registry";
import { createHookHandler } from "./handle-hook";
import { createIngester, type Ingester } from "./ingest";
import { createSourceSettingsCache, type SourceSettingsCache } from "./source-settings";
import { createPipeline, createUser, privateRunQueue, startServer } from "../../test/support/webhook-fixtures";
import { newSourceId } from "../definition/schema";

let user: { id: string };
let runQueue: ReturnType<typeof privateRunQueue>;
let ingester: Ingester;
let cache: SourceSettingsCache;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  user = await createUser();
  runQueue = privateRunQueue();
  ingester = createIngester({ enqueue: runQueue.enqueue });
  cache = createSourceSettingsCache({ refreshMs: 3_600_000 });
  server = await startServer(createHookHandler({ ingester: () => ingester, sourceSettings: () => cache }));
  await createCredential({ userId: user.id, name: "VK секрет", secret: "aaQ13axAPQEcczQa" });
});

afterAll(async () => {
  await server?.close();
  await runQueue?.close();
  if (user) await prisma.user.delete({ where: { id: user.id } });
  await closeQueues();
  await closeDb();
});

async function pipelineWith(extra: Record<string, unknown>) {
  const p = await createPipeline(user.id, "RUNNING");
  const def = { sourceFields: [], steps: [], ...extra };
  expect(validateDefinition(def).issues).toEqual([]);
  await updatePipeline(user.id, p.id, { definition: def as never });
  cache.invalidate();
  return p;
}

const enqueued = async () => (await runQueue.queue.getJobs(["waiting", "delayed", "active", "completed", "failed"])).map((j) => j.data.runId as string);

/** Like Tilda's servers: a urlencoded POST. */
async function tildaPost(token: string, fields: Record<string, string>) {
  const res = await fetch(`${server.url}/hooks/${token}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "Tilda.cc" },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

/** Like VK's Callback API: a JSON POST. */
async function vkPost(token: string, event: Record<string, unknown>) {
  const res = await fetch(`${server.url}/hooks/${token}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "User-Agent": "VKCallbackAPI" },
    body: JSON.stringify(event),
  });
  return { status: res.status, text: await res.text() };
}

describe("Tilda", () => {
  it("answers the connection check (test=test) with 200 «ok» and records it without executing", async () => {
    const p = await pipelineWith({ sourceType: "tilda" });
    const r = await tildaPost(p.webhookToken, { test: "test" });
    expect(r).toEqual({ status: 200, type: "text/plain; charset=utf-8", text: "ok" });
    const run = await prisma.run.findFirstOrThrow({ where: { pipelineId: p.id } });
    expect(run.status).toBe("FILTERED");
    expect(run.error).toContain("Проверка подключения Tilda");
    expect(run.payload).toEqual({ test: "test" });
    expect(await enqueued()).not.toContain(run.id);
  });

  it("takes a real Tilda form post (fields, formid, tranid, COOKIES with TILDAUTM, utm fields) and queues it", async () => {
    const p = await pipelineWith({ sourceType: "tilda" });
    const fields = {
      Name: "Мария «Ромашка» О'Нил 💐",
      Phone: "+7 (912) 345-67-89",
      Email: "maria@example.ru",
      Comment: "Хочу на стрижку\nв субботу, после 15:00",
      Checkbox: "",
      tranid: "5532184:7318392011",
      formid: "form482910557",
      utm_source: "yandex",
      utm_medium: "cpc",
      utm_campaign: "стрижки_осень",
      COOKIES:
        "_ym_uid=1698765432123456789; TILDAUTM=utm_source%3Dyandex%7C%7C%7Cutm_medium%3Dcpc%7C%7C%7Cutm_campaign%3D%D1%81%D1%82%D1%80%D0%B8%D0%B6%D0%BA%D0%B8_%D0%BE%D1%81%D0%B5%D0%BD%D1%8C%7C%7C%7C",
    };
    const r = await tildaPost(p.webhookToken, fields);
    expect(r).toMatchObject({ status: 200, text: "ok" });
    const run = await prisma.run.findFirstOrThrow({ where: { pipelineId: p.id } });
    expect(run.status).toBe("QUEUED");
    expect(run.payload).toEqual(fields);
    await expect.poll(enqueued).toContain(run.id);
  });
});

describe("VK Callback API", () => {
  it("answers the confirmation request with the user's string; other events «ok»; checks VK's secret", async () => {
    const p = await pipelineWith({ sourceType: "vk", vk: { confirmation: "9f3a1c7e", credential: "VK секрет" } });

    const confirm = await vkPost(p.webhookToken, { type: "confirmation", group_id: 218765432, secret: "aaQ13axAPQEcczQa" });
    expect(confirm).toEqual({ status: 200, text: "9f3a1c7e" });
    const confirmRun = await prisma.run.findFirstOrThrow({ where: { pipelineId: p.id } });
    expect(confirmRun.status).toBe("FILTERED");

    const event = {
      type: "message_new",
      event_id: "b1e0c1d2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8",
      v: "5.199",
      object: { message: { from_id: 12345678, text: "Здравствуйте! Можно записаться на 12.12? 😊", date: 1764500000 } },
      group_id: 218765432,
      secret: "aaQ13axAPQEcczQa",
    };
    const ok = await vkPost(p.webhookToken, event);
    expect(ok).toEqual({ status: 200, text: "ok" });

    const wrong = await vkPost(p.webhookToken, { ...event, secret: "guess" });
    expect(wrong.status).toBe(401);
    const missing = await vkPost(p.webhookToken, { ...event, secret: undefined });
    expect(missing.status).toBe(401);

    const runs = await prisma.run.findMany({ where: { pipelineId: p.id }, orderBy: { receivedAt: "asc" } });
    expect(runs.map((r) => r.status)).toEqual(["FILTERED", "QUEUED", "REJECTED", "REJECTED"]);
    expect(runs[2].rejectReason).toBe("Неверный секретный ключ VK (поле secret)");
    expect(runs[3].rejectReason).toBe("Нет секретного ключа VK (поле secret) — запрос отклонён");
  });

  it("a VK source needs its confirmation string", () => {
    const r = validateDefinition({ sourceFields: [], steps: [], sourceType: "vk", vk: { confirmation: "" } });
    expect(r.issues.map((i) => i.message.ru).join(" ")).toContain("строку, которую должен вернуть сервер");
  });
});

describe("several sources of one обработка (docs/sources.md)", () => {
  it("each URL speaks its own source's protocol: Tilda, VK with its secret, a webhook with its reply", async () => {
    const p = await createPipeline(user.id, "RUNNING");
    // The old definition's one source has the pipeline's id: keeping that id keeps its URL.
    const [tilda, vk, site] = [newSourceId(), newSourceId(), p.id];
    const def = {
      sources: [
        { id: site, name: "Сайт", type: "webhook", reply: { enabled: true, status: 201, format: "text", body: "Спасибо, {{source.name}}!" } },
        { id: tilda, name: "Tilda", type: "tilda" },
        { id: vk, name: "VK", type: "vk", vk: { confirmation: "9f3a1c7e", credential: "VK секрет" } },
      ],
      sourceFields: [],
      steps: [],
    };
    expect(validateDefinition(def).issues).toEqual([]);
    const view = await updatePipeline(user.id, p.id, { definition: def as never });
    cache.invalidate();
    const tokenOf = (id: string) => view!.sources.find((s) => s.id === id)!.webhookUrl!.split("/hooks/")[1];

    // The first source kept the pipeline's old URL.
    expect(tokenOf(site)).toBe(p.webhookToken);
    const reply = await fetch(`${server.url}/hooks/${tokenOf(site)}?name=Анна`);
    expect([reply.status, await reply.text()]).toEqual([201, "Спасибо, Анна!"]);
    expect(await tildaPost(tokenOf(tilda), { test: "test" })).toMatchObject({ status: 200, text: "ok" });
    expect(await vkPost(tokenOf(vk), { type: "confirmation", group_id: 1, secret: "aaQ13axAPQEcczQa" })).toEqual({ status: 200, text: "9f3a1c7e" });
    expect((await vkPost(tokenOf(vk), { type: "message_new", group_id: 1, secret: "guess" })).status).toBe(401);
    // Tilda's URL has no VK secret to check and no custom reply.
    expect(await tildaPost(tokenOf(tilda), { Name: "Мария", secret: "guess" })).toMatchObject({ status: 200, text: "ok" });

    const runs = await prisma.run.findMany({ where: { pipelineId: p.id }, orderBy: { receivedAt: "asc" } });
    expect(runs.map((r) => [r.sourceId, r.status])).toEqual([
      [site, "QUEUED"],
      [tilda, "FILTERED"],
      [vk, "FILTERED"],
      [vk, "REJECTED"],
      [tilda, "QUEUED"],
    ]);
  });

  it("names the source in a setting's problem when there are several", () => {
    const def = {
      sources: [
        { id: newSourceId(), name: "Сайт", type: "webhook" },
        { id: newSourceId(), name: "Сообщество", type: "vk", vk: { confirmation: "" } },
      ],
      steps: [],
    };
    const issues = validateDefinition(def).issues;
    expect(issues.map((i) => i.text.ru)).toEqual([expect.stringMatching(/^Источник «Сообщество»: .*строку, которую должен вернуть сервер/)]);
    expect(issues[0].sourceId).toBe(def.sources[1].id);
  });
});
