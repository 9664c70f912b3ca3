import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, prisma } from "../db";
import { closeQueues } from "../queue/run-queue";
import { createPipeline, createUser } from "../../test/support/webhook-fixtures";
import { listRuns, listRunUpdates } from "./list-runs";
import { getRun } from "./get-run";
import { rerunBulk, rerunRun, runsProgress } from "./rerun-runs";
import { processPendingRuns } from "./process-pending-runs";
import { runFilterSchema } from "./run-filter";
import { ConflictError } from "../errors";
import { mergeTerms, searchTermFor, searchTermsFor, searchTermsOf } from "./search-terms";

let owner: { id: string };
let stranger: { id: string };
const base = Date.parse("2025-03-01T10:00:00Z");
const f = (v: Parameters<typeof runFilterSchema.parse>[0] = {}) => runFilterSchema.parse(v);

beforeAll(async () => {
  owner = await createUser();
  stranger = await createUser();
});
afterAll(async () => {
  await prisma.user.deleteMany({ where: { id: { in: [owner?.id, stranger?.id].filter(Boolean) as string[] } } });
  await closeQueues();
  await closeDb();
});

async function run(pipelineId: string, i: number, data: Partial<Parameters<typeof prisma.run.create>[0]["data"]> = {}) {
  const payload = { client_name: `Клиент ${i}`, client_phone: `+7 (999) 000-00-${String(i).padStart(2, "0")}`, n: i };
  return prisma.run.create({
    data: {
      pipelineId,
      userId: owner.id,
      version: 1,
      method: "POST",
      status: "SUCCEEDED",
      payload,
      body: payload,
      searchTerms: searchTermsOf(payload),
      receivedAt: new Date(base + i * 1000),
      ...data,
    } as Parameters<typeof prisma.run.create>[0]["data"],
  });
}

describe("search terms", () => {
  it("normalises the search box like the stored values", () => {
    expect(searchTermFor("  +7 (999) 123-45-67 ")).toBe("79991234567");
    expect(searchTermFor("79991234567")).toBe("79991234567");
    expect(searchTermFor("Ivan@Example.COM")).toBe("ivan@example.com");
    expect(searchTermFor("   ")).toBeNull();
    expect(searchTermsOf({ contact: { id: "C-42", phones: ["8 999 1234567"] } })).toEqual(["c-42", "8 999 1234567", "89991234567", "79991234567"]);
    expect(searchTermsOf({ p: "9991234567" })).toEqual(["9991234567", "79991234567"]);
    expect(searchTermsFor("8 (999) 123-45-67")).toEqual(["79991234567", "89991234567"]);
    expect(searchTermsFor("9991234567")).toEqual(["79991234567", "9991234567"]);
    expect(searchTermsFor("+49 30 1234567")).toEqual(["49301234567"]);
    expect(mergeTerms(["a", "b"], null, ["b", "c"])).toEqual(["a", "b", "c"]);
  });
});

describe("listRuns", () => {
  it("pages newest first by keyset, filters, searches and summarises", async () => {
    const p1 = await createPipeline(owner.id);
    const p2 = await createPipeline(owner.id);
    for (let i = 0; i < 30; i++) await run(i % 3 === 0 ? p2.id : p1.id, i, i % 5 === 0 ? { status: "FAILED", error: "boom" } : {});
    // Same received time, different ids: the keyset must neither skip nor repeat them.
    await run(p1.id, 31, { receivedAt: new Date(base + 29_000) });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listRuns({ userId: owner.id, filter: f(), cursor, limit: 7 });
      seen.push(...page.runs.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(31);
    expect(new Set(seen).size).toBe(31);
    const all = await listRuns({ userId: owner.id, filter: f(), limit: 100 });
    expect(all.runs.map((r) => r.id)).toEqual(seen);
    expect(all.runs[all.runs.length - 1]).toMatchObject({ receivedAt: new Date(base).toISOString(), status: "FAILED" });

    const failed = await listRuns({ userId: owner.id, filter: f({ status: "FAILED" }) });
    expect(failed.runs.map((r) => r.summary.match(/Клиент (\d+)/)![1]).sort()).toEqual(["0", "10", "15", "20", "25", "5"]);
    expect(failed.runs[0].error).toBe("boom");
    expect((await listRuns({ userId: owner.id, filter: f({ pipelineId: p2.id }) })).runs).toHaveLength(10);
    expect(
      (await listRuns({ userId: owner.id, filter: f({ from: new Date(base + 10_000).toISOString(), to: new Date(base + 20_000).toISOString() }) })).runs,
    ).toHaveLength(10);

    const byPhone = await listRuns({ userId: owner.id, filter: f({ q: "+7 999 000 00 07" }) });
    expect(byPhone.runs).toHaveLength(1);
    expect(byPhone.runs[0]).toMatchObject({ pipelineId: p1.id, pipelineName: "Клиентикс → Weeek" });
    expect(byPhone.runs[0].summary).toBe("client_name: Клиент 7 · client_phone: +7 (999) 000-00-07 · n: 7");
    expect((await listRuns({ userId: owner.id, filter: f({ q: "клиент 7" }) })).runs).toHaveLength(1);
    expect((await listRuns({ userId: owner.id, filter: f({ q: "Клиент" }) })).runs).toHaveLength(0);
    // One Russian number in any of its forms: 8…, +7…, 7…, 10 digits.
    for (const q of ["8 999 000-00-07", "+7 (999) 000-00-07", "79990000007", "9990000007", "8(999)0000007"]) {
      expect(
        (await listRuns({ userId: owner.id, filter: f({ q }) })).runs.map((r) => r.summary),
        q,
      ).toEqual(["client_name: Клиент 7 · client_phone: +7 (999) 000-00-07 · n: 7"]);
    }
    const eight = await run(p2.id, 60, { payload: { client_phone: "8 912 345-67-89" }, searchTerms: searchTermsOf({ client_phone: "8 912 345-67-89" }) });
    const legacy = await run(p2.id, 61, { payload: { client_phone: "8 913 000-00-01" }, searchTerms: ["8 913 000-00-01", "89130000001"] });
    for (const q of ["+7 912 345 67 89", "79123456789", "9123456789", "8 912 345 67 89"]) {
      expect(
        (await listRuns({ userId: owner.id, filter: f({ q }) })).runs.map((r) => r.id),
        q,
      ).toEqual([eight.id]);
    }
    // A run stored before the canonical form existed is still found by the form it was sent in.
    expect((await listRuns({ userId: owner.id, filter: f({ q: "8 (913) 000-00-01" }) })).runs.map((r) => r.id)).toEqual([legacy.id]);
    await prisma.run.deleteMany({ where: { id: { in: [eight.id, legacy.id] } } });

    // Another user sees none of it.
    expect((await listRuns({ userId: stranger.id, filter: f() })).runs).toEqual([]);
    expect((await listRuns({ userId: stranger.id, filter: f({ pipelineId: p1.id }) })).runs).toEqual([]);
  });

  it("reports in-progress rows and counts newer runs for the live list", async () => {
    const p = await createPipeline(owner.id);
    const a = await run(p.id, 40, { status: "RUNNING" });
    const page = await listRuns({ userId: owner.id, filter: f({ pipelineId: p.id }) });
    await prisma.run.update({ where: { id: a.id }, data: { status: "SUCCEEDED", durationMs: 120 } });
    await run(p.id, 41);
    await run(p.id, 42, { status: "FAILED" });
    const newest = (await import("./run-filter")).encodeCursor({ receivedAt: new Date(page.runs[0].receivedAt), id: page.runs[0].id });
    const upd = await listRunUpdates({ userId: owner.id, filter: f({ pipelineId: p.id }), ids: [a.id, "not-a-uuid"], newest });
    expect(upd.runs).toEqual([expect.objectContaining({ id: a.id, status: "SUCCEEDED", durationMs: 120 })]);
    expect(upd.newCount).toBe(2);
    expect((await listRunUpdates({ userId: owner.id, filter: f({ pipelineId: p.id, status: "FAILED" }), ids: [], newest })).newCount).toBe(1);
    expect(await listRunUpdates({ userId: stranger.id, filter: f(), ids: [a.id], newest })).toEqual({ runs: [], newCount: 0 });
  });
});

describe("re-runs", () => {
  it("creates a linked run from the failed step, with the chosen version, and the detail links both ways", async () => {
    const p = await createPipeline(owner.id, "RUNNING", 3);
    await prisma.pipeline.update({ where: { id: p.id }, data: { definition: { sourceFields: [], steps: [{ id: "s1", type: "json-composer" }] } } });
    const failed = await run(p.id, 50, { status: "FAILED", failedStepId: "s2", version: 2, error: "HTTP 422" });
    await prisma.runStep.create({
      data: { runId: failed.id, stepId: "s1", position: 0, actionType: "json-composer", status: "SUCCEEDED", output: { result: 1 } },
    });

    const r1 = await rerunRun({ userId: owner.id, runId: failed.id, from: "failed-step", version: "original" });
    const copy = await prisma.run.findUniqueOrThrow({ where: { id: r1!.runId } });
    expect(copy).toMatchObject({
      status: "QUEUED",
      rerunOfId: failed.id,
      resumeFromStepId: "s2",
      version: 2,
      payload: failed.payload,
      searchTerms: failed.searchTerms,
    });
    expect(copy.receivedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    // The current version no longer has step s2: the re-run starts from the beginning.
    const r2 = await rerunRun({ userId: owner.id, runId: failed.id, from: "failed-step", version: "current" });
    expect(await prisma.run.findUniqueOrThrow({ where: { id: r2!.runId } })).toMatchObject({ version: 3, resumeFromStepId: null });

    const detail = await getRun(owner.id, r1!.runId);
    expect(detail?.rerunOf).toMatchObject({ id: failed.id, status: "FAILED" });
    const original = await getRun(owner.id, failed.id);
    expect(original?.reruns.map((r) => r.id).sort()).toEqual([r1!.runId, r2!.runId].sort());
    expect(original?.steps[0]).toMatchObject({ stepId: "s1", output: { result: 1 } });

    expect(await getRun(stranger.id, failed.id)).toBeNull();
    expect(await rerunRun({ userId: stranger.id, runId: failed.id, from: "start", version: "original" })).toBeNull();
  });

  it("refuses what cannot be re-run", async () => {
    const p = await createPipeline(owner.id);
    const rejected = await run(p.id, 60, { status: "REJECTED", rejectReason: "too large" });
    const ok = await run(p.id, 61);
    const pruned = await run(p.id, 62, { payloadPruned: true });
    await expect(rerunRun({ userId: owner.id, runId: rejected.id, from: "start", version: "original" })).rejects.toBeInstanceOf(ConflictError);
    await expect(rerunRun({ userId: owner.id, runId: ok.id, from: "failed-step", version: "original" })).rejects.toBeInstanceOf(ConflictError);
    await expect(rerunRun({ userId: owner.id, runId: pruned.id, from: "start", version: "original" })).rejects.toBeInstanceOf(ConflictError);
    expect(await rerunRun({ userId: owner.id, runId: ok.id, from: "start", version: "original" })).toMatchObject({ runId: expect.any(String) });
  });

  it("re-runs in bulk by filter, skips runs already re-run, and reports progress", async () => {
    const p = await createPipeline(owner.id);
    const failed = await Promise.all([1, 2, 3, 4].map((i) => run(p.id, 70 + i, { status: "FAILED", failedStepId: "s1" })));
    await run(p.id, 80); // succeeded: not in the FAILED filter
    await run(p.id, 81, { status: "FAILED", receivedAt: new Date(base - 86_400_000) }); // outside the time range
    const filter = f({ pipelineId: p.id, status: "FAILED", from: new Date(base).toISOString() });
    const res = await rerunBulk({ userId: owner.id, filter, from: "failed-step", version: "original" });
    expect(res.count).toBe(4);
    const created = await prisma.run.findMany({ where: { id: { in: res.runIds } } });
    expect(created.map((r) => r.rerunOfId).sort()).toEqual(failed.map((r) => r.id).sort());
    expect(created.every((r) => r.resumeFromStepId === "s1" && r.status === "QUEUED")).toBe(true);

    // The same bulk again: originals already have re-runs, the re-runs are QUEUED (not finished).
    expect((await rerunBulk({ userId: owner.id, filter, from: "start", version: "original" })).count).toBe(0);

    await prisma.run.update({ where: { id: res.runIds[0] }, data: { status: "SUCCEEDED" } });
    await prisma.run.update({ where: { id: res.runIds[1] }, data: { status: "FAILED" } });
    expect(await runsProgress(owner.id, res.runIds)).toEqual({ total: 4, done: 2, succeeded: 1, failed: 1, pending: 2 });
    expect(await runsProgress(stranger.id, res.runIds)).toMatchObject({ total: 0 });
    expect((await rerunBulk({ userId: stranger.id, filter: f({ status: "FAILED" }), from: "start", version: "original" })).count).toBe(0);
  });

  it("processes runs that arrived while the pipeline was stopped, with its current version", async () => {
    const p = await createPipeline(owner.id, "STOPPED", 4);
    const pending = await Promise.all([1, 2, 3].map((i) => run(p.id, 90 + i, { status: "NOT_PROCESSED", version: 2 })));
    const one = await processPendingRuns({ userId: owner.id, pipelineId: p.id, runIds: [pending[0].id] });
    expect(one).toEqual({ count: 1, runIds: [pending[0].id] });
    const rest = await processPendingRuns({ userId: owner.id, pipelineId: p.id });
    expect(rest?.runIds).toEqual([pending[1].id, pending[2].id]);
    const rows = await prisma.run.findMany({ where: { pipelineId: p.id } });
    expect(rows.every((r) => r.status === "QUEUED" && r.version === 4)).toBe(true);
    expect(await processPendingRuns({ userId: stranger.id, pipelineId: p.id })).toBeNull();
  });
});

describe("searchTermsOf", () => {
  it("lowercases and trims strings, adds digits-only phones, skips empties and duplicates", () => {
    expect(
      searchTermsOf({
        name: "  Иван ПЕТРОВ ",
        phone: "+7 (999) 123-45-67",
        phone2: "8-999-123-45-67",
        nested: { list: ["A", "a", 42, true, null, ""] },
        id: "1842",
      }),
    ).toEqual(["иван петров", "+7 (999) 123-45-67", "79991234567", "8-999-123-45-67", "89991234567", "a", "42", "true", "1842"]);
    // A Russian number written 8… or as 10 digits is also stored as 7XXXXXXXXXX.
    expect(searchTermsOf({ a: "8 (911) 123-45-67", b: "9261234567" })).toEqual([
      "8 (911) 123-45-67",
      "89111234567",
      "79111234567",
      "9261234567",
      "79261234567",
    ]);
  });

  it("caps the number and the length of terms", () => {
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, `v${i}`]));
    expect(searchTermsOf(many)).toHaveLength(200);
    expect(searchTermsOf({ long: "x".repeat(1000) })[0]).toHaveLength(200);
  });
});
