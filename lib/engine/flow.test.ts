// Branched pipelines through the real executor, Postgres and a local HTTP server: the path taken,
// skipped steps, «Отфильтровано» (no alert), «Задержка» parking and waking once, re-run from a step.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma, closeDb } from "../db";
import { createOutboundHttp } from "../security/outbound-http";
import { createRunExecutor } from "./execute-run";
import { createHistoryWriter } from "../runs/history-writer";
import type { FinishedRun } from "../alerts/on-runs-finished";
import type { PipelineDefinition } from "../definition/schema";
import { createRunningPipeline, createTestUser, insertRun, startCountingServer, type CountingServer } from "../../test/support/worker-helpers";
import { links } from "../../test/support/links";

let counting: CountingServer;
let userId: string;
let clock = Date.now();
const http = createOutboundHttp({ allowlist: "127.0.0.1" });
const finished: FinishedRun[] = [];
const writer = createHistoryWriter({ onFinished: (runs) => void finished.push(...runs) });
const executor = createRunExecutor({ http, writer, now: () => clock });

beforeAll(async () => {
  counting = await startCountingServer();
  userId = await createTestUser();
});
afterAll(async () => {
  await counting.close();
  await closeDb();
});

const post = (path: string, extra: Record<string, unknown> = {}) => ({
  method: "POST",
  url: `${counting.url}${path}`,
  bodyType: "json",
  bodyJson: '{"phone": "{{source.phone}}"}',
  maxAttempts: 1,
  ...extra,
});

function branched(prefix: string): PipelineDefinition {
  return {
    sourceFields: [],
    steps: [
      { id: "f", type: "filter", name: "Не отменена", config: { groups: [{ conditions: [{ left: "{{source.status}}", op: "ne", right: "отменена" }] }] } },
      {
        id: "c",
        type: "condition",
        name: "Кто пришёл",
        config: {
          branches: [{ key: "new", name: "Новый клиент", groups: [{ conditions: [{ left: "{{source.visits}}", op: "eq", right: "0" }] }] }],
          elseName: "Постоянный",
        },
      },
      { id: "a", type: "http-request", name: "Создать контакт", config: post(`/${prefix}/new`, { timeoutSeconds: 1 }) },
      { id: "b", type: "http-request", name: "Отметить визит", config: post(`/${prefix}/visit`) },
      {
        id: "j",
        type: "json-composer",
        name: "Итог",
        config: { template: '{"created": {{steps.a.status}}, "visit": {{steps.b.status}}}', onMissing: "empty" },
      },
    ],
    edges: links("source>f", "f>c", "c>a:new", "c>b:else", "a>j", "b>j"),
  };
}

const stepsOf = async (runId: string) =>
  (await prisma.runStep.findMany({ where: { runId }, orderBy: { position: "asc" } })).map((s) => `${s.stepId}:${s.status}`);

describe("flow control", () => {
  it("takes the branch whose conditions hold, marks the other «пропущен», joins again", async () => {
    const p = await createRunningPipeline(userId, branched("p1"));
    const r1 = await insertRun(p.id, userId, { status: "записан", visits: "0", phone: "+7 (999) 123-45-67" });
    const r2 = await insertRun(p.id, userId, { status: "Пришёл", visits: "3", phone: "+7 999 000-00-00" });
    expect(await executor.execute(r1)).toMatchObject({ status: "SUCCEEDED" });
    expect(await executor.execute(r2)).toMatchObject({ status: "SUCCEEDED" });
    expect(await stepsOf(r1)).toEqual(["f:SUCCEEDED", "c:SUCCEEDED", "a:SUCCEEDED", "b:SKIPPED", "j:SUCCEEDED"]);
    expect(await stepsOf(r2)).toEqual(["f:SUCCEEDED", "c:SUCCEEDED", "a:SKIPPED", "b:SUCCEEDED", "j:SUCCEEDED"]);
    expect(counting.hits.get("/p1/new")).toBe(1);
    expect(counting.hits.get("/p1/visit")).toBe(1);
    const join = await prisma.runStep.findFirstOrThrow({ where: { runId: r2, stepId: "j" } });
    expect(join.output).toEqual({ result: { created: null, visit: 200 } });
    const cond = await prisma.runStep.findFirstOrThrow({ where: { runId: r1, stepId: "c" } });
    expect(cond.output).toEqual({ branch: "new", branchName: "Новый клиент" });
  });

  it("a «Фильтр» that does not pass ends the run «Отфильтровано»: no call, no alert, the rest skipped", async () => {
    const p = await createRunningPipeline(userId, branched("p2"));
    const runId = await insertRun(p.id, userId, { status: "Отменена", visits: "0", phone: "" });
    expect(await executor.execute(runId)).toMatchObject({ status: "FILTERED", error: null });
    const run = await prisma.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.status).toBe("FILTERED");
    expect(run.finishedAt).not.toBeNull();
    expect(await stepsOf(runId)).toEqual(["f:SUCCEEDED", "c:SKIPPED", "a:SKIPPED", "b:SKIPPED", "j:SKIPPED"]);
    expect(counting.hits.get("/p2/new")).toBeUndefined();
    await writer.drain();
    expect(finished.some((f) => f.id === runId)).toBe(false);
    // Finished is final: executing it again does nothing.
    expect(await executor.execute(runId)).toMatchObject({ status: "SKIPPED", reason: "already_finished" });
  });

  it("re-run from the failed step of a branch copies the path before it and runs the rest", async () => {
    const p = await createRunningPipeline(userId, branched("p3"));
    counting.hangNext.add("/p3/new");
    const original = await insertRun(p.id, userId, { status: "записан", visits: "0", phone: "1" });
    const failed = await executor.execute(original);
    expect(failed).toMatchObject({ status: "FAILED", failedStepId: "a" });
    expect(await stepsOf(original)).toEqual(["f:SUCCEEDED", "c:SUCCEEDED", "a:FAILED"]);
    const rerun = await insertRun(p.id, userId, { status: "записан", visits: "0", phone: "1" }, { rerunOfId: original, resumeFromStepId: "a" });
    expect(await executor.execute(rerun)).toMatchObject({ status: "SUCCEEDED" });
    expect(await stepsOf(rerun)).toEqual(["f:SUCCEEDED", "c:SUCCEEDED", "a:SUCCEEDED", "b:SKIPPED", "j:SUCCEEDED"]);
    expect(counting.hits.get("/p3/new")).toBe(2);
  });

  it("«Задержка» parks the run WAITING, an early wake parks it again, at its time it goes on once", async () => {
    const def: PipelineDefinition = {
      sourceFields: [],
      steps: [
        {
          id: "d",
          type: "delay",
          name: "Подождать",
          config: { mode: "until", at: "{{source.date}} {{source.time}}", offsetAmount: 1, offsetUnit: "hours", offsetDirection: "before" },
        },
        { id: "h", type: "http-request", name: "Напомнить", config: post("/p4/remind") },
      ],
    };
    const p = await createRunningPipeline(userId, def);
    clock = Date.UTC(2026, 10, 30, 8, 0); // 11:00 in Moscow
    const runId = await insertRun(p.id, userId, { date: "30.11.2026", time: "15:30", phone: "+7 999" });
    const first = await executor.execute(runId);
    expect(first).toMatchObject({ status: "WAITING", waitUntil: new Date(Date.UTC(2026, 10, 30, 11, 30)) });
    let run = await prisma.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.status).toBe("WAITING");
    expect(run.waitUntil?.toISOString()).toBe("2026-11-30T11:30:00.000Z");
    expect(await stepsOf(runId)).toEqual(["d:SUCCEEDED"]);

    clock = Date.UTC(2026, 10, 30, 11, 0);
    expect(await executor.execute(runId)).toMatchObject({ status: "WAITING" });
    expect(counting.hits.get("/p4/remind")).toBeUndefined();

    // Stopped обработка: the run is held, not run.
    clock = Date.UTC(2026, 10, 30, 11, 31);
    await prisma.pipeline.update({ where: { id: p.id }, data: { status: "STOPPED" } });
    expect(await executor.execute(runId)).toMatchObject({ status: "HELD" });
    expect((await prisma.run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("WAITING");
    await prisma.pipeline.update({ where: { id: p.id }, data: { status: "RUNNING" } });

    expect(await executor.execute(runId)).toMatchObject({ status: "SUCCEEDED" });
    expect(await executor.execute(runId)).toMatchObject({ status: "SKIPPED" });
    expect(counting.hits.get("/p4/remind")).toBe(1);
    run = await prisma.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.status).toBe("SUCCEEDED");
    expect(run.waitUntil).toBeNull();
    const d = await prisma.runStep.findFirstOrThrow({ where: { runId, stepId: "d" } });
    expect(d.output).toMatchObject({ until: "2026-11-30T11:30:00.000Z", untilText: "14:30" });
    clock = Date.now();
  });

  it("a date the «Задержка» cannot read fails the run naming the field", async () => {
    const def: PipelineDefinition = {
      sourceFields: [],
      steps: [{ id: "d", type: "delay", name: "Подождать", config: { mode: "until", at: "{{source.date}}" } }],
    };
    const p = await createRunningPipeline(userId, def);
    const runId = await insertRun(p.id, userId, { date: "в пятницу" });
    const r = await executor.execute(runId);
    expect(r).toMatchObject({ status: "FAILED" });
    expect((r as { error: string }).error).toContain("Шаг 1 «Подождать»: Поле «Ждать до»: значение «в пятницу» не является датой");
  });
});
