import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, prisma } from "../db";
import { createIngester } from "./ingest";
import type { ParsedRequest } from "./parse-request";
import { createPipeline, createUser, privateRunQueue } from "../../test/support/webhook-fixtures";
import { createPipeline as createPipelineFull } from "../pipelines/create-pipeline";
import { updatePipeline } from "../pipelines/update-pipeline";
import { definitionSchema, newSourceId } from "../definition/schema";

function request(payload: Record<string, unknown>): ParsedRequest {
  return {
    method: "POST",
    query: {},
    headers: { "content-type": "application/json" },
    body: payload,
    rawBody: JSON.stringify(payload),
    contentType: "application/json",
    sizeBytes: 10,
    payload,
  };
}

let user: { id: string };
let runQueue: ReturnType<typeof privateRunQueue>;

beforeAll(async () => {
  user = await createUser();
  runQueue = privateRunQueue();
});

afterAll(async () => {
  await runQueue?.close();
  if (user) await prisma.user.delete({ where: { id: user.id } });
  await closeDb();
});

describe("createIngester", () => {
  it("writes concurrent requests in one statement and one enqueue", async () => {
    const p = await createPipeline(user.id, "RUNNING", 7);
    const calls: string[][] = [];
    const ingester = createIngester({
      enqueue: async (ids) => {
        calls.push(ids);
        await runQueue.enqueue(ids);
      },
    });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => ingester.ingest({ token: p.webhookToken, request: request({ i }) })));
    expect(ingester.stats()).toEqual({ batches: 1, rows: 50, enqueueFailures: 0 });
    expect(calls).toHaveLength(1);
    const ids = results.map((r) => (r.found ? r.runId : ""));
    expect(calls[0].sort()).toEqual([...ids].sort());
    const rows = await prisma.run.findMany({ where: { id: { in: ids } }, select: { version: true, status: true } });
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.version === 7 && r.status === "QUEUED")).toBe(true);
  });

  it("splits batches at the row cap", async () => {
    const p = await createPipeline(user.id);
    const ingester = createIngester({ enqueue: runQueue.enqueue, maxBatchRows: 10 });
    await Promise.all(Array.from({ length: 25 }, (_, i) => ingester.ingest({ token: p.webhookToken, request: request({ i }) })));
    expect(ingester.stats()).toEqual({ batches: 3, rows: 25, enqueueFailures: 0 });
  });

  it("resolves unknown tokens as not found within a batch of known ones", async () => {
    const p = await createPipeline(user.id);
    const ingester = createIngester({ enqueue: runQueue.enqueue });
    const [known, unknown] = await Promise.all([
      ingester.ingest({ token: p.webhookToken, request: request({ a: 1 }) }),
      ingester.ingest({ token: "no-such-token", request: request({ a: 2 }) }),
    ]);
    expect(known).toMatchObject({ found: true, status: "QUEUED" });
    expect(unknown).toEqual({ found: false });
  });

  it("stores rejected requests as REJECTED with the reason and does not enqueue them", async () => {
    const p = await createPipeline(user.id);
    const enqueued: string[] = [];
    const ingester = createIngester({ enqueue: async (ids) => void enqueued.push(...ids) });
    const r = await ingester.ingest({ token: p.webhookToken, request: request({}), rejectReason: "слишком большое" });
    expect(r).toMatchObject({ found: true, status: "REJECTED" });
    const row = await prisma.run.findUniqueOrThrow({ where: { id: r.found ? r.runId : "" } });
    expect(row.rejectReason).toBe("слишком большое");
    expect(enqueued).toEqual([]);
  });

  it("one unstorable row does not fail its batch", async () => {
    const p = await createPipeline(user.id);
    const ingester = createIngester({ enqueue: runQueue.enqueue });
    // Out of range for the int column (SQLSTATE 22003).
    const outcomes = await Promise.allSettled([
      ingester.ingest({ token: p.webhookToken, request: request({ ok: 1 }) }),
      ingester.ingest({ token: p.webhookToken, request: { ...request({ bad: 1 }), sizeBytes: 3e9 } }),
      ingester.ingest({ token: p.webhookToken, request: request({ ok: 2 }) }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(await prisma.run.count({ where: { pipelineId: p.id } })).toBe(2);
  });

  it("stores lone surrogates (which jsonb refuses) as U+FFFD", async () => {
    const p = await createPipeline(user.id);
    const ingester = createIngester({ enqueue: runQueue.enqueue });
    const r = await ingester.ingest({ token: p.webhookToken, request: request({ bad: "a\ud800b", pair: "😀" }) });
    const row = await prisma.run.findUniqueOrThrow({ where: { id: r.found ? r.runId : "" } });
    expect(row.payload).toEqual({ bad: "a\ufffdb", pair: "😀" });
  });

  it("keeps the sender's key order (the payload column is json, not jsonb)", async () => {
    const p = await createPipeline(user.id);
    const ingester = createIngester({ enqueue: runQueue.enqueue });
    const fields = { client_id: "7", client_phone: "+79161234567", client_name: "Анна", a: "1", zz_last: "x" };
    const r = await ingester.ingest({ token: p.webhookToken, request: { ...request(fields), method: "GET", query: fields } });
    const row = await prisma.run.findUniqueOrThrow({ where: { id: r.found ? r.runId : "" } });
    expect(Object.keys(row.payload as object)).toEqual(["client_id", "client_phone", "client_name", "a", "zz_last"]);
    expect(Object.keys(row.query as object)).toEqual(["client_id", "client_phone", "client_name", "a", "zz_last"]);
  });

  it("keeps receivedAt from the caller", async () => {
    const p = await createPipeline(user.id);
    const ingester = createIngester({ enqueue: runQueue.enqueue });
    const at = new Date("2025-01-02T03:04:05.678Z");
    const r = await ingester.ingest({ token: p.webhookToken, request: request({}), receivedAt: at });
    const row = await prisma.run.findUniqueOrThrow({ where: { id: r.found ? r.runId : "" } });
    expect(row.receivedAt.toISOString()).toBe("2025-01-02T03:04:05.678Z");
  });
});

describe("several sources (docs/sources.md)", () => {
  it("each source's URL stores runs under that source; a removed source's URL is unknown", async () => {
    const [a, b] = [newSourceId(), newSourceId()];
    const def = definitionSchema.parse({
      sources: [
        { id: a, name: "Сайт", type: "webhook" },
        { id: b, name: "Tilda", type: "tilda" },
      ],
      steps: [],
    });
    const view = await createPipelineFull(user.id, { name: "Два источника", definition: def });
    const [urlA, urlB] = view.sources.map((s) => s.webhookUrl!);
    expect(view.webhookUrl).toBe(urlA);
    expect(urlB).not.toBe(urlA);
    const tokenOf = (url: string) => url.split("/hooks/")[1];
    const ingester = createIngester({ enqueue: runQueue.enqueue });
    const [ra, rb] = await Promise.all([
      ingester.ingest({ token: tokenOf(urlA), request: request({ from: "a" }) }),
      ingester.ingest({ token: tokenOf(urlB), request: request({ from: "b" }) }),
    ]);
    const rows = await prisma.run.findMany({ where: { id: { in: [ra, rb].map((r) => (r.found ? r.runId : "")) } }, select: { sourceId: true, payload: true } });
    expect(rows.map((r) => [(r.payload as { from: string }).from, r.sourceId]).sort()).toEqual([
      ["a", a],
      ["b", b],
    ]);

    // Removing the first source: its URL stops working, the second becomes the pipeline's URL.
    const updated = await updatePipeline(user.id, view.id, { definition: { ...def, sources: [def.sources![1]] } });
    expect(updated!.webhookUrl).toBe(urlB);
    const [gone, kept] = await Promise.all([
      ingester.ingest({ token: tokenOf(urlA), request: request({}) }),
      ingester.ingest({ token: tokenOf(urlB), request: request({}) }),
    ]);
    expect(gone).toEqual({ found: false });
    expect(kept).toMatchObject({ found: true });
    // Restoring it (e.g. an older version) gives it a new URL; the old one stays dead.
    const restored = await updatePipeline(user.id, view.id, { definition: def });
    expect(restored!.sources[0].webhookUrl).not.toBe(urlA);
    expect(restored!.sources[1].webhookUrl).toBe(urlB);
    expect(await prisma.source.findUniqueOrThrow({ where: { id: a } })).toMatchObject({ removedAt: null, name: "Сайт" });
  });

  it("a source id taken by another обработка is refused", async () => {
    const view = await createPipelineFull(user.id, { name: "Первая", definition: definitionSchema.parse({ steps: [] }) });
    const def = definitionSchema.parse({ sources: [{ id: view.sources[0].id, name: "Чужой", type: "webhook" }], steps: [] });
    await expect(createPipelineFull(user.id, { name: "Вторая", definition: def })).rejects.toThrow(/другой обработке/);
  });
});
