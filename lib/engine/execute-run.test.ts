// executeRun against real Postgres and the fake Weeek: the seed's 8 steps, failures, caps,
// re-runs from a step, re-delivery after a crash, and batching of history writes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma, closeDb, pool } from "../db";
import { startFakeWeeek, type FakeWeeek } from "../../test/support/fakes/weeek";
import { createOutboundHttp } from "../security/outbound-http";
import { createRunExecutor } from "./execute-run";
import { createHistoryWriter } from "../runs/history-writer";
import { searchTermsOf } from "../runs/search-terms";
import type { FinishedRun } from "../alerts/on-runs-finished";
import type { HttpClient } from "../actions/define-action";
import {
  createRunningPipeline,
  createSeedPipeline,
  createTestUser,
  insertRun,
  SEED_REQUEST,
  startCountingServer,
  threeStepDefinition,
  twoCallDefinition,
  WEEEK_TOKEN,
  type CountingServer,
} from "../../test/support/worker-helpers";
import { SEED_STEP_ORDER } from "../../test/support/fixtures/seed-definition";

let weeek: FakeWeeek;
let counting: CountingServer;
let userId: string;
const http = createOutboundHttp({ allowlist: "127.0.0.1" });
const finished: FinishedRun[] = [];
const writer = createHistoryWriter({ onFinished: (runs) => void finished.push(...runs) });
const executor = createRunExecutor({ http, writer });

beforeAll(async () => {
  weeek = await startFakeWeeek({ token: WEEEK_TOKEN });
  counting = await startCountingServer();
  userId = await createTestUser();
});
afterAll(async () => {
  await weeek.close();
  await counting.close();
  await closeDb();
});

const statusId = () => weeek.state.funnels[0].statuses[0].id;

describe("executeRun", () => {
  it("runs the seed's 8 steps against Weeek and records every step with the token masked", async () => {
    const p = await createSeedPipeline(userId, weeek.url, statusId());
    // With the request's search terms, as ingest stores them.
    const { id: runId } = await prisma.run.create({
      data: { pipelineId: p.id, userId, version: 1, method: "POST", payload: SEED_REQUEST, status: "QUEUED", searchTerms: searchTermsOf(SEED_REQUEST) },
    });
    const result = await executor.execute(runId);
    expect(result).toMatchObject({ status: "SUCCEEDED", error: null, executedSteps: 8 });

    const contact = weeek.state.contacts.find((c) => c.phones.includes("+7 (999) 123-45-67"));
    expect(contact).toMatchObject({ firstName: "Мария", lastName: "Иванова" });
    expect(weeek.state.links.some((l) => l.contactId === contact!.id)).toBe(true);

    const run = await prisma.run.findUniqueOrThrow({ where: { id: runId }, include: { steps: { orderBy: { position: "asc" } } } });
    expect(run.status).toBe("SUCCEEDED");
    expect(run.attempts).toBe(1);
    expect(run.finishedAt).not.toBeNull();
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
    expect(run.steps.map((s) => s.stepId)).toEqual(SEED_STEP_ORDER);
    for (const s of run.steps) {
      expect(s.status).toBe("SUCCEEDED");
      expect(s.input).not.toBeNull();
      expect(s.output).not.toBeNull();
    }
    const create = run.steps[1];
    expect((create.input as { headers: Record<string, string> }).headers.Authorization).toBe("Bearer ***");
    expect(JSON.stringify(run.steps)).not.toContain(WEEEK_TOKEN);
    expect((run.steps[2].output as { contact_id: string }).contact_id).toBe(contact!.id);
    expect((run.steps[3].output as { result: { amount: number } }).result.amount).toBe(1500);
    // Step outputs become searchable (the contact id from Weeek): their terms go to RunSearch with
    // the final status, the request's were written at insert.
    const search = await prisma.runSearch.findMany({ where: { runId }, orderBy: { kind: "asc" } });
    expect(search.map((s) => s.kind)).toEqual([0, 1]);
    expect(search[0].terms).toContain("maria@example.ru");
    expect(search[1].terms).toContain(contact!.id);
    expect(search[1].terms.some((t) => search[0].terms.includes(t))).toBe(false);
    // Of an HTTP step's answer only the body is searchable: not its status or response headers.
    const answered = run.steps[1].output as { status: number; headers: Record<string, string> };
    expect(answered.headers["content-type"]).toMatch(/application\/json/);
    for (const h of [answered.headers["content-type"], answered.headers.date, String(answered.status)]) expect(search[1].terms).not.toContain(h.toLowerCase());
    expect(finished.some((f) => f.id === runId && f.status === "SUCCEEDED" && f.userId === userId)).toBe(true);
  });

  it("stops at the first failing step and names it", async () => {
    const p = await createSeedPipeline(await createTestUser(), weeek.url, statusId());
    const owner = (await prisma.pipeline.findUniqueOrThrow({ where: { id: p.id } })).userId;
    const runId = await insertRun(p.id, owner, SEED_REQUEST);
    // Weeek refuses the deal (as it does for a bad status id or amount).
    const result = await createRunExecutor({
      http: async (req) => {
        if (req.url.includes("/deals"))
          return {
            status: 422,
            headers: { "content-type": "application/json" },
            body: '{"success":false,"message":"The given data was invalid."}',
            url: req.url,
          };
        return http(req);
      },
      writer,
    }).execute(runId);
    expect(result.status).toBe("FAILED");
    const run = await prisma.run.findUniqueOrThrow({ where: { id: runId }, include: { steps: { orderBy: { position: "asc" } } } });
    expect(run.status).toBe("FAILED");
    expect(run.failedStepId).toBe("create_deal");
    expect(run.error).toMatch(/^Шаг 5 «Создать сделку»: HTTP 422/);
    expect(run.steps.map((s) => s.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED"]);
    expect(run.steps[4].error).toMatch(/HTTP 422/);
    // Stored in structured form with the step, for the run page's explanation.
    expect(run.steps[4].errorDetail).toMatchObject({ kind: "validation", status: 422, message: "The given data was invalid.", attempts: 1 });
    expect((run.steps[4].errorDetail as { host: string }).host).toBe(new URL(weeek.url).host);
    expect(run.steps.slice(0, 4).map((s) => s.errorDetail)).toEqual([null, null, null, null]);
    expect(run.steps[4].input).not.toBeNull();
    expect(finished.some((f) => f.id === runId && f.status === "FAILED")).toBe(true);
  });

  it("re-runs from the failed step with the original run's earlier outputs, without repeating them", async () => {
    const p = await createRunningPipeline(userId, twoCallDefinition(counting.url));
    const original = await insertRun(p.id, userId, { name: "rerun" });
    let failB = true;
    const flaky: HttpClient = async (req) => {
      if (failB && req.url.endsWith("/b")) return { status: 500, headers: {}, body: "down", url: req.url };
      return http(req);
    };
    const ex = createRunExecutor({ http: flaky, writer });
    expect((await ex.execute(original)).status).toBe("FAILED");
    const aBefore = counting.hits.get("/a") ?? 0;

    failB = false;
    const rerun = await insertRun(p.id, userId, { name: "rerun" }, { rerunOfId: original, resumeFromStepId: "call_b" });
    const result = await ex.execute(rerun);
    expect(result).toMatchObject({ status: "SUCCEEDED", executedSteps: 2 });
    expect(counting.hits.get("/a") ?? 0).toBe(aBefore);
    const steps = await prisma.runStep.findMany({ where: { runId: rerun }, orderBy: { position: "asc" } });
    expect(steps.map((s) => `${s.stepId}:${s.status}`)).toEqual([
      "compose:SUCCEEDED",
      "call_a:SUCCEEDED",
      "parse_a:SUCCEEDED",
      "call_b:SUCCEEDED",
      "parse_b:SUCCEEDED",
    ]);
  });

  it("a re-delivered run resumes after its last committed step", async () => {
    const p = await createRunningPipeline(userId, twoCallDefinition(counting.url));
    const runId = await insertRun(p.id, userId, { name: "redelivered" });
    const before = { a: counting.hits.get("/a") ?? 0, b: counting.hits.get("/b") ?? 0 };
    // The first execution "dies" inside the second call: its promise never settles.
    const dying = createRunExecutor({
      writer,
      http: (req) => (req.url.endsWith("/b") ? new Promise(() => undefined) : http(req)),
    });
    void dying.execute(runId);
    await writer.drain();
    const mid = await waitRows(runId, 2);
    expect(mid.map((s) => s.stepId)).toEqual(["compose", "call_a"]);
    expect((await prisma.run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("RUNNING");

    const result = await createRunExecutor({ http, writer }).execute(runId);
    expect(result).toMatchObject({ status: "SUCCEEDED", executedSteps: 3 });
    expect(counting.hits.get("/a")! - before.a).toBe(1);
    expect(counting.hits.get("/b")! - before.b).toBe(1);
    const run = await prisma.run.findUniqueOrThrow({ where: { id: runId }, include: { steps: true } });
    expect(run.attempts).toBe(2);
    expect(run.steps).toHaveLength(5);
  });

  it("counts an execution before its first step reaches outside, even when the history write is slow", async () => {
    const p = await createRunningPipeline(userId, twoCallDefinition(counting.url));
    const runId = await insertRun(p.id, userId, { name: "counted" });
    // A slow database for this worker's history writes (e.g. a busy Postgres).
    const slowPool = {
      query: async (...args: unknown[]) => {
        await new Promise((r) => setTimeout(r, 300));
        return (pool() as unknown as { query: (...a: unknown[]) => Promise<unknown> }).query(...args);
      },
    } as unknown as ReturnType<typeof pool>;
    const slowWriter = createHistoryWriter({ pool: () => slowPool });
    let attemptsAtFirstCall: number | null = null;
    let reached!: () => void;
    const firstCall = new Promise<void>((r) => (reached = r));
    // This worker "dies" at its first outside call: whatever it did not commit by then is lost.
    const dying = createRunExecutor({
      writer: slowWriter,
      http: async () => {
        attemptsAtFirstCall = (await prisma.run.findUniqueOrThrow({ where: { id: runId } })).attempts;
        reached();
        return new Promise(() => undefined);
      },
    });
    void dying.execute(runId);
    await firstCall;
    expect(attemptsAtFirstCall).toBe(1);

    const result = await createRunExecutor({ http, writer }).execute(runId);
    expect(result).toMatchObject({ status: "SUCCEEDED" });
    expect((await prisma.run.findUniqueOrThrow({ where: { id: runId } })).attempts).toBe(2);
  });

  it("compose → POST → parse writes once: the load claims the run, the POST's row commits with the end", async () => {
    const p = await createRunningPipeline(userId, threeStepDefinition(`${counting.url}/once`));
    const runId = await insertRun(p.id, userId, { name: "Анна", phone: "+7 912 000-11-22" });
    const w = createHistoryWriter();
    let attemptsAtPost: number | null = null;
    const ex = createRunExecutor({
      writer: w,
      http: async (req) => {
        // The start mark is committed before the step that reaches outside.
        const row = await prisma.run.findUniqueOrThrow({ where: { id: runId } });
        attemptsAtPost = row.status === "RUNNING" && row.startedAt ? row.attempts : null;
        return http(req);
      },
    });
    expect(await ex.execute(runId)).toMatchObject({ status: "SUCCEEDED", executedSteps: 3 });
    expect(attemptsAtPost).toBe(1);
    expect(w.stats()).toMatchObject({ batches: 1, stepRows: 3, runUpdates: 1 });
    const run = await prisma.run.findUniqueOrThrow({ where: { id: runId }, include: { steps: { orderBy: { position: "asc" } } } });
    expect(run).toMatchObject({ status: "SUCCEEDED", attempts: 1 });
    expect(run.steps.map((st) => st.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    // Two calls to the outside: the first is committed before the second is sent («a re-delivered run resumes …»).
  });

  it("caps history per step and per run with a visible mark", async () => {
    const p = await createRunningPipeline(userId, threeStepDefinition(`${counting.url}/big`));
    const runId = await insertRun(p.id, userId, { name: "x".repeat(5000), phone: "1" });
    const small = createRunExecutor({ http, writer, stepMaxBytes: 2048, runMaxBytes: 6000 });
    expect((await small.execute(runId)).status).toBe("SUCCEEDED");
    const steps = await prisma.runStep.findMany({ where: { runId }, orderBy: { position: "asc" } });
    const compose = steps[0];
    expect(compose.truncated).toBe(true);
    expect(compose.output).toMatchObject({ __truncated: true });
    expect(JSON.stringify(compose.output).length).toBeLessThanOrEqual(2048);
    // The POST's input is over the step cap too; by then the run's 6,000 bytes are spent.
    expect(steps[1].truncated).toBe(true);
    const total = steps.reduce((n, s) => n + JSON.stringify(s.input).length + JSON.stringify(s.output).length, 0);
    expect(total).toBeLessThan(6000 + 3 * 2048);
  });

  it("skips runs that already finished and fails runs whose version is missing", async () => {
    const p = await createRunningPipeline(userId, threeStepDefinition(`${counting.url}/x`));
    const done = await insertRun(p.id, userId, { name: "a" });
    await executor.execute(done);
    expect(await executor.execute(done)).toMatchObject({ status: "SKIPPED", reason: "already_finished" });

    const orphan = await prisma.run.create({
      data: { pipelineId: p.id, userId, version: 99, method: "GET", payload: {}, status: "QUEUED" },
    });
    const r = await executor.execute(orphan.id);
    expect(r).toMatchObject({ status: "FAILED" });
    expect((await prisma.run.findUniqueOrThrow({ where: { id: orphan.id } })).error).toMatch(/Версия 99/);
  });

  it("writes the history of concurrent runs in shared batches", async () => {
    const p = await createRunningPipeline(userId, threeStepDefinition(`${counting.url}/batch`));
    const ids = await Promise.all(Array.from({ length: 100 }, (_, i) => insertRun(p.id, userId, { name: `n${i}` })));
    let calls = 0;
    const w = createHistoryWriter({
      onFinished: () => {
        calls++;
        throw new Error("alerts are down");
      },
    });
    const ex = createRunExecutor({ http, writer: w });
    const results = await Promise.all(ids.map((id) => ex.execute(id)));
    expect(results.every((r) => r.status === "SUCCEEDED")).toBe(true);
    const stats = w.stats();
    expect(stats.stepRows).toBe(300);
    // 1 commit per run (the POST's row rides with the end) → 100 without batching. How many share a
    // batch depends on how the 100 runs interleave (a busy machine spreads them out: 50 batches
    // were seen under cpu-hog), so the bound is "fewer than one per run", not a quiet-box figure.
    expect(stats.batches).toBeLessThan(100);
    expect(calls).toBeGreaterThan(0);
    const counts = await prisma.run.groupBy({ by: ["status"], where: { id: { in: ids } }, _count: true });
    expect(counts).toEqual([{ status: "SUCCEEDED", _count: 100 }]);
  });
});

async function waitRows(runId: string, n: number) {
  const end = Date.now() + 10_000;
  for (;;) {
    const rows = await prisma.runStep.findMany({ where: { runId }, orderBy: { position: "asc" } });
    if (rows.length >= n) return rows;
    if (Date.now() > end) throw new Error(`only ${rows.length} step rows`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
