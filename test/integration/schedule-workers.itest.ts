// «По расписанию» with real worker processes (docs/schedule.md): an interval schedule at a test
// interval (SCHEDULE_TEST_MINUTE_MS: one "minute" = 1 s) with two workers — every firing makes
// exactly one run, with no gap between consecutive firings, also while one worker is killed with
// kill -9 and another restarted. A database and a redis-server of their own: the workers reconcile
// every scheduler of their Redis with the pipelines of their database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createTestUser, freePort, spawnWorker, startPrivateRedis, usePrivateDatabase, waitFor } from "../support/worker-helpers";
import type { PipelineDefinition } from "../../lib/definition/schema";

const DATABASE_URL = usePrivateDatabase("schedule_workers");
const privateRedis = await startPrivateRedis(await freePort());
const REDIS_URL = privateRedis.url;
// This process reconciles too (setPipelineStatus): same Redis, same test minute as the workers.
process.env.REDIS_URL = REDIS_URL;
process.env.SCHEDULE_TEST_MINUTE_MS = "1000";

const { prisma, pool, closeDb } = await import("../../lib/db");
const { closeQueues, queue } = await import("../../lib/queue/run-queue");
const { createPipeline } = await import("../../lib/pipelines/create-pipeline");
const { setPipelineStatus } = await import("../../lib/pipelines/set-pipeline-status");
const { updatePipeline } = await import("../../lib/pipelines/update-pipeline");
const { deletePipeline } = await import("../../lib/pipelines/delete-pipeline");
const { SCHEDULE_QUEUE, schedulerIdOf } = await import("../../lib/schedule/scheduler");
const { fireSchedule, scheduleRunId, scheduledMillisOf, SCHEDULE_METHOD } = await import("../../lib/schedule/fire");

/** Seconds between firings (interval of N "minutes" of 1 s). */
const EVERY_S = 2;
let userId: string;

function workerEnv(): Record<string, string> {
  return { DATABASE_URL, REDIS_URL, WORKER_CONCURRENCY: "20", NODE_ENV: "test", SCHEDULE_TEST_MINUTE_MS: "1000" };
}

function scheduleDefinition(sourceId: string, minutes = EVERY_S): PipelineDefinition {
  return {
    sources: [{ id: sourceId, name: "Каждые две секунды", type: "schedule", schedule: { kind: "interval", minutes, timezone: "Europe/Moscow" } }],
    sourceFields: [],
    // Steps read the firing as `source.*`.
    steps: [
      {
        id: "compose",
        type: "json-composer",
        name: "Время",
        config: { mode: "template", template: '{ "at": "{{source.scheduledFor}}" }', fields: [], onMissing: "fail" },
      },
    ],
  };
}

async function runsOf(sourceId: string) {
  const rows = await prisma.run.findMany({ where: { sourceId }, select: { id: true, status: true, method: true, payload: true, attempts: true } });
  return rows
    .map((r) => ({ ...r, scheduledFor: Date.parse((r.payload as { scheduledFor: string }).scheduledFor) }))
    .sort((a, b) => a.scheduledFor - b.scheduledFor);
}

/** Consecutive firings are exactly one interval apart: none missing, none extra. */
function gapsOf(times: number[]): number[] {
  return times
    .slice(1)
    .map((t, i) => t - times[i])
    .filter((d) => d !== EVERY_S * 1000);
}

beforeAll(async () => {
  userId = await createTestUser();
});
afterAll(async () => {
  await queue(SCHEDULE_QUEUE)
    .obliterate({ force: true })
    .catch(() => undefined);
  await closeQueues();
  await closeDb();
  await privateRedis.stop();
});

describe("schedule: firings", () => {
  it("a firing makes at most one run however often it is retried, and its run is enqueued", async () => {
    const sourceId = randomUUID();
    const p = await createPipeline(userId, { name: "firing once", definition: scheduleDefinition(sourceId, 60) });
    await prisma.pipeline.update({ where: { id: p.id }, data: { status: "RUNNING" } });
    const at = Date.parse("2026-11-30T06:30:00Z");
    const first = await fireSchedule({ pipelineId: p.id, sourceId, scheduledFor: at });
    const again = await fireSchedule({ pipelineId: p.id, sourceId, scheduledFor: at });
    expect(first).toEqual({ status: "created", runId: scheduleRunId(sourceId, at) });
    expect(again).toEqual({ status: "existing", runId: first.status === "created" ? first.runId : "" });
    const runs = await runsOf(sourceId);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ method: SCHEDULE_METHOD, status: "QUEUED", payload: { scheduledFor: "2026-11-30T06:30:00.000Z" } });
    expect(await queue("runs").getJobState(runs[0].id)).toBe("waiting");
    // A stopped pipeline's firing makes no run.
    await prisma.pipeline.update({ where: { id: p.id }, data: { status: "STOPPED" } });
    expect(await fireSchedule({ pipelineId: p.id, sourceId, scheduledFor: at + 60_000 })).toEqual({ status: "skipped", reason: "not-running" });
    expect(await prisma.run.count({ where: { sourceId } })).toBe(1);
    await queue("runs").obliterate({ force: true });
  });

  it("schedulers follow the pipeline: start, change, stop, delete", async () => {
    const q = queue(SCHEDULE_QUEUE);
    const sourceId = randomUUID();
    const p = await createPipeline(userId, { name: "follows", definition: scheduleDefinition(sourceId, 60) });
    const mine = async () => (await q.getJobSchedulers(0, -1)).filter((j) => j.key === schedulerIdOf(sourceId));
    expect(await mine()).toEqual([]);
    await setPipelineStatus(userId, p.id, "RUNNING");
    expect((await mine()).map((j) => j.every)).toEqual([60_000]);
    // A daily schedule: a cron pattern in the chosen zone.
    const daily = scheduleDefinition(sourceId);
    daily.sources![0].schedule = { kind: "daily", time: "09:30", timezone: "Asia/Yekaterinburg" };
    await updatePipeline(userId, p.id, { definition: daily });
    expect((await mine()).map((j) => [j.pattern, j.tz, j.every])).toEqual([["30 9 * * *", "Asia/Yekaterinburg", undefined]]);
    await setPipelineStatus(userId, p.id, "STOPPED");
    expect(await mine()).toEqual([]);
    await setPipelineStatus(userId, p.id, "RUNNING");
    expect(await mine()).toHaveLength(1);
    await deletePipeline(userId, p.id);
    expect(await mine()).toEqual([]);
    expect(await q.getDelayedCount()).toBe(0);
  });
});

describe("schedule: two worker processes", () => {
  it("every firing runs once, with no gap, across kill -9 of one worker and a restart of the other", async () => {
    const sourceId = randomUUID();
    const p = await createPipeline(userId, { name: "every 2 s", definition: scheduleDefinition(sourceId) });
    const workers = [spawnWorker(workerEnv()), spawnWorker(workerEnv())];
    const logs = () => workers.map((w) => w.output()).join("\n---\n");
    try {
      await waitFor(async () => workers.every((w) => w.pid() !== undefined), 60_000, `both workers ready (logs: ${logs()})`);
      await setPipelineStatus(userId, p.id, "RUNNING");

      // Phase 1: both workers up.
      const PHASE = 5;
      await waitFor(async () => (await prisma.run.count({ where: { sourceId } })) >= PHASE, 60_000, `${PHASE} firings (logs: ${logs()})`);

      // Phase 2: kill -9 the worker in the middle of a firing. A transaction holding the
      // pipeline's row makes the firing's INSERT wait (as a long transaction would); the worker
      // holding that job is killed, the lock released, and the other worker takes the job back.
      const lock = await pool().connect();
      let victim: (typeof workers)[number] | undefined;
      let killedSlot: number | null = null;
      try {
        await lock.query("BEGIN");
        await lock.query(`SELECT 1 FROM "Pipeline" WHERE id = $1 FOR UPDATE`, [p.id]);
        const job = await waitFor(
          async () => {
            const active = await queue(SCHEDULE_QUEUE).getActive();
            const waiting = await pool().query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO "Run"%' AND pid <> pg_backend_pid()`,
            );
            return active.length > 0 && waiting.rows[0].n > 0 ? active[0] : null;
          },
          30_000,
          `a firing waiting on the lock (logs: ${logs()})`,
        );
        const holder = Number(/^schedule:(\d+)$/.exec(job.processedBy ?? "")?.[1]);
        victim = workers.find((w) => w.pid() === holder);
        killedSlot = scheduledMillisOf(job.id);
        expect(victim, `the worker holding ${job.id} (${job.processedBy})`).toBeDefined();
        victim!.kill("SIGKILL");
        await victim!.gone();
      } finally {
        await lock.query("COMMIT");
        lock.release();
      }
      const afterKill = await prisma.run.count({ where: { sourceId } });
      const survivor = workers.find((w) => w !== victim)!;
      workers.splice(0, 2, survivor, spawnWorker(workerEnv()));
      await waitFor(async () => (await prisma.run.count({ where: { sourceId } })) >= afterKill + PHASE, 60_000, `firings after kill -9 (logs: ${logs()})`);
      await waitFor(async () => workers[1].pid() !== undefined, 60_000, `the new worker ready (logs: ${logs()})`);

      // Phase 3: restart the surviving original (SIGTERM, then a new process) while firings continue.
      const restarted = workers[0];
      restarted.kill("SIGTERM");
      await restarted.gone();
      expect(restarted.output()).toContain("[worker] stopped");
      const afterRestart = await prisma.run.count({ where: { sourceId } });
      workers[0] = spawnWorker(workerEnv());
      await waitFor(async () => workers[0].pid() !== undefined, 60_000, `the restarted worker ready (logs: ${logs()})`);
      await waitFor(
        async () => (await prisma.run.count({ where: { sourceId } })) >= afterRestart + PHASE,
        60_000,
        `firings after the restart (logs: ${logs()})`,
      );

      // Stop: the scheduler goes, the runs in flight finish.
      await setPipelineStatus(userId, p.id, "STOPPED");
      expect((await queue(SCHEDULE_QUEUE).getJobSchedulers(0, -1)).map((j) => j.key)).not.toContain(schedulerIdOf(sourceId));
      await waitFor(async () => (await queue(SCHEDULE_QUEUE).getActiveCount()) === 0, 30_000, "no firing in flight");
      const runs = await waitFor(
        async () => {
          const r = await runsOf(sourceId);
          return r.every((x) => x.status === "SUCCEEDED") ? r : null;
        },
        60_000,
        `every run to finish (logs: ${logs()})`,
      );

      const times = runs.map((r) => r.scheduledFor);
      expect(runs.length).toBeGreaterThanOrEqual(3 * PHASE);
      // Exactly one run per firing: as many runs as distinct scheduled times…
      expect(new Set(times).size).toBe(runs.length);
      // …and consecutive firings one interval apart, across the kill and the restart.
      expect(gapsOf(times)).toEqual([]);
      expect((times[times.length - 1] - times[0]) / (EVERY_S * 1000) + 1).toBe(runs.length);
      // The firing killed mid-job was taken back and made its run.
      expect(killedSlot).not.toBeNull();
      expect(times).toContain(killedSlot);
      // Each run is the one its firing's id names, and its step saw `source.scheduledFor`.
      for (const r of runs) expect(r.id).toBe(scheduleRunId(sourceId, r.scheduledFor));
      const steps = await prisma.runStep.findMany({ where: { runId: { in: runs.map((r) => r.id) } }, select: { runId: true, output: true } });
      expect(steps).toHaveLength(runs.length);
      const byRun = new Map(runs.map((r) => [r.id, new Date(r.scheduledFor).toISOString()]));
      for (const s of steps) expect(s.output).toMatchObject({ result: { at: byRun.get(s.runId) } });
      // None of the live workers logged a failed firing.
      expect(logs()).not.toMatch(/\[schedule\] firing .* failed/);
    } finally {
      for (const w of workers) w.kill("SIGTERM");
      await Promise.all(workers.map((w) => w.gone()));
    }
  }, 300_000);
});
