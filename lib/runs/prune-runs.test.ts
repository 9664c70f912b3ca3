import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { closeDb, pool, prisma } from "../db";
import { createPipeline, createUser } from "../../test/support/webhook-fixtures";
import { pruneRuns } from "./prune-runs";

let user: { id: string };
const DAY = 86_400_000;
const now = new Date("2025-06-01T12:00:00Z");

beforeAll(async () => {
  user = await createUser();
});
afterAll(async () => {
  await prisma.user.deleteMany({ where: { id: user?.id } });
  await closeDb();
});

/** `count` runs received `ageDays` before `now`, spread over 10 minutes. */
async function seed(pipelineId: string, count: number, ageDays: number, status = "SUCCEEDED") {
  await pool().query(
    `INSERT INTO "Run" (id, "pipelineId", "userId", version, status, method, payload, body, "rawBody", "searchTerms", "receivedAt")
     SELECT gen_random_uuid(), $1::uuid, $2::uuid, 1, $3::"RunStatus", 'POST', jsonb_build_object('phone', '7999' || g),
            jsonb_build_object('phone', '7999' || g), 'phone=7999' || g, ARRAY['7999' || g], $4::timestamp - g * interval '1 ms'
     FROM generate_series(1, $5) g`,
    [pipelineId, user.id, status, new Date(now.getTime() - ageDays * DAY).toISOString(), count],
  );
}

/** A pool whose queries are recorded, to check each statement's row count. */
function recordingPool(counts: number[]): () => pg.Pool {
  const real = pool();
  const wrapped = {
    query: async (sql: string, params: unknown[]) => {
      const res = await real.query(sql, params);
      if (/^\s*(WITH|DELETE)/.test(sql)) counts.push(res.rowCount ?? 0);
      return res;
    },
  };
  return () => wrapped as unknown as pg.Pool;
}

describe("pruneRuns", () => {
  it("deletes runs older than the pipeline's window in batches of batchSize, never newer ones", async () => {
    const p = await createPipeline(user.id);
    await prisma.pipeline.update({ where: { id: p.id }, data: { retentionDays: 7 } });
    await seed(p.id, 2500, 8); // 8 days old: outside a 7-day window
    await seed(p.id, 300, 6.999); // just inside the window
    await seed(p.id, 40, 30, "RUNNING"); // in someone's hands: kept whatever its age
    const oldIds = (
      await pool().query<{ id: string }>(
        `SELECT r.id FROM "Run" r JOIN "RunSearch" s ON s."runId" = r.id WHERE r."pipelineId" = $1 AND r.status = 'SUCCEEDED' AND r."receivedAt" < $2::timestamp`,
        [p.id, new Date(now.getTime() - 7 * DAY).toISOString()],
      )
    ).rows.map((r) => r.id);
    expect(oldIds).toHaveLength(2500);
    const counts: number[] = [];
    const res = await pruneRuns({ pipelineId: p.id, now, batchSize: 1000, pauseMs: 1, pool: recordingPool(counts) });
    expect(res.deleted).toBe(2500);
    expect(counts).toEqual([1000, 1000, 500]);
    expect(counts.every((n) => n <= 1000)).toBe(true);
    const left = await pool().query<{ n: number; oldest: Date }>(
      `SELECT count(*)::int AS n, min("receivedAt") AS oldest FROM "Run" WHERE "pipelineId" = $1 AND status = 'SUCCEEDED'`,
      [p.id],
    );
    expect(left.rows[0].n).toBe(300);
    expect(await prisma.run.count({ where: { pipelineId: p.id, status: "RUNNING" } })).toBe(40);
    // Their search terms went with them (trigger "Run_search_delete"); the kept runs' stay.
    const gone = await pool().query<{ n: number }>(`SELECT count(*)::int AS n FROM "RunSearch" WHERE "runId" = ANY($1::uuid[])`, [oldIds]);
    expect(gone.rows[0].n).toBe(0);
    const kept = await pool().query<{ n: number }>(`SELECT count(*)::int AS n FROM "RunSearch" s JOIN "Run" r ON r.id = s."runId" WHERE r."pipelineId" = $1`, [
      p.id,
    ]);
    expect(kept.rows[0].n).toBe(340);
    // A second pass finds nothing more to do.
    expect((await pruneRuns({ pipelineId: p.id, now, pauseMs: 1 })).deleted).toBe(0);
  });

  it("uses each pipeline's own window (default 30 days) and stops after maxBatches", async () => {
    const a = await createPipeline(user.id);
    await seed(a.id, 50, 29); // inside the default 30 days
    await seed(a.id, 30, 31);
    const counts: number[] = [];
    const res = await pruneRuns({ pipelineId: a.id, now, batchSize: 10, pauseMs: 0, maxBatches: 2, pool: recordingPool(counts) });
    expect(res).toMatchObject({ deleted: 20, batches: 2 });
    expect(counts).toEqual([10, 10]);
    expect((await pruneRuns({ pipelineId: a.id, now, batchSize: 10, pauseMs: 0 })).deleted).toBe(10);
    expect(await prisma.run.count({ where: { pipelineId: a.id } })).toBe(50);
  });

  it("clears the data of successful runs when the pipeline does not store it", async () => {
    const p = await createPipeline(user.id);
    await prisma.pipeline.update({ where: { id: p.id }, data: { storeSuccessPayloads: false } });
    await seed(p.id, 25, 1);
    await seed(p.id, 5, 1, "FAILED");
    const some = await prisma.run.findFirst({ where: { pipelineId: p.id, status: "SUCCEEDED" } });
    await prisma.runStep.create({
      data: { runId: some!.id, stepId: "s1", position: 0, actionType: "json-composer", status: "SUCCEEDED", input: { a: 1 }, output: { b: 2 } },
    });
    const counts: number[] = [];
    const res = await pruneRuns({ pipelineId: p.id, now, batchSize: 10, pauseMs: 0, pool: recordingPool(counts) });
    expect(res).toMatchObject({ deleted: 0, payloadsCleared: 25 });
    expect(counts.slice(1)).toEqual([10, 10, 5]);
    const cleared = await prisma.run.findFirst({ where: { id: some!.id }, include: { steps: true } });
    expect(cleared).toMatchObject({ payloadPruned: true, body: null, rawBody: null, payload: {}, searchTerms: [] });
    expect(cleared!.steps[0]).toMatchObject({ input: null, output: null });
    expect(await prisma.runSearch.count({ where: { runId: some!.id } })).toBe(0);
    const failed = await prisma.run.findMany({ where: { pipelineId: p.id, status: "FAILED" } });
    expect(failed.every((r) => !r.payloadPruned && r.rawBody !== null)).toBe(true);
  });
});
