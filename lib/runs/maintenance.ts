// Nothing acknowledged may be lost and nothing may stay RUNNING forever (DESIGN.md §1):
//  - sweeper: a Run QUEUED in Postgres whose job is not in Redis (Redis was down at receipt, or the
//    web process died between commit and enqueue) is enqueued again; jobId = runId makes a repeat
//    a no-op, so every worker can sweep without coordination;
//  - reaper: a Run RUNNING for a while whose job nobody holds (job gone, or failed in Redis after
//    too many stalls) goes back to QUEUED, or to FAILED once it has had its attempts.
// Stalled jobs of killed workers themselves are BullMQ's business (lockDuration/stalledInterval).
import type pg from "pg";
import type { Queue } from "bullmq";
import { pool as defaultPool } from "../pool";
import { runJobOptions } from "../queue/run-queue";

const LIVE_STATES = new Set(["active", "waiting", "delayed", "prioritized", "waiting-children"]);

export type MaintenanceOptions = {
  queue: Queue;
  pool?: () => pg.Pool;
  /** Marks a run FAILED (through the history writer, so alerts fire). */
  failRun: (runId: string, message: string) => Promise<void>;
  /** QUEUED runs younger than this are left to the normal path. */
  sweepMinAgeMs?: number;
  sweepIntervalMs?: number;
  /** RUNNING runs started longer ago than this are checked against Redis. */
  reapAfterMs?: number;
  reapIntervalMs?: number;
  /** Executions after which a run nobody holds is FAILED instead of re-queued. */
  maxAttempts?: number;
  batchSize?: number;
  log?: (message: string) => void;
};

export type Maintenance = {
  sweep(): Promise<number>;
  reap(): Promise<{ requeued: number; failed: number }>;
  stop(): Promise<void>;
};

async function addJobs(queue: Queue, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await queue.addBulk(ids.map((runId) => ({ name: "run", data: { runId }, opts: { ...runJobOptions, jobId: runId } })));
}

/** A job that ended (failed, or completed and kept) blocks re-adding its id; clear it first. */
async function replaceJobs(queue: Queue, ids: string[]): Promise<void> {
  await Promise.all(ids.map((id) => queue.remove(id).catch(() => 0)));
  await addJobs(queue, ids);
}

export function createMaintenance(options: MaintenanceOptions): Maintenance {
  const getPool = options.pool ?? defaultPool;
  const minAgeMs = options.sweepMinAgeMs ?? 10_000;
  const reapAfterMs = options.reapAfterMs ?? 120_000;
  const maxAttempts = options.maxAttempts ?? runJobOptions.attempts + 2;
  const batchSize = options.batchSize ?? 2_000;
  const log = options.log ?? ((m: string) => console.log(m));
  const queue = options.queue;

  async function sweep(): Promise<number> {
    // Timestamps are stored as UTC in "timestamp without time zone".
    const res = await getPool().query<{ id: string }>(
      `SELECT id FROM "Run"
        WHERE status = 'QUEUED' AND "receivedAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => $1::float8 / 1000)
        ORDER BY "receivedAt" LIMIT $2`,
      [minAgeMs, batchSize],
    );
    const ids = res.rows.map((r) => r.id);
    // Runs in «Задержка» whose time came (by more than the sweep age) but whose wake-up job is gone
    // (Redis lost it, or the обработка was stopped and started again): wake them.
    const waiting = await getPool().query<{ id: string }>(
      `SELECT r.id FROM "Run" r JOIN "Pipeline" p ON p.id = r."pipelineId"
        WHERE r.status = 'WAITING' AND p.status = 'RUNNING'
          AND r."waitUntil" < (now() AT TIME ZONE 'UTC') - make_interval(secs => $1::float8 / 1000)
        ORDER BY r."waitUntil" LIMIT $2`,
      [minAgeMs, batchSize],
    );
    ids.push(...waiting.rows.map((r) => r.id));
    if (ids.length === 0) return 0;
    const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
    const missing = ids.filter((_, i) => states[i] === "unknown");
    const ended = ids.filter((_, i) => states[i] === "failed" || states[i] === "completed");
    await addJobs(queue, missing);
    await replaceJobs(queue, ended);
    const n = missing.length + ended.length;
    if (n > 0) log(`[sweeper] re-enqueued ${n} queued run(s) missing from Redis`);
    return n;
  }

  async function reap(): Promise<{ requeued: number; failed: number }> {
    const res = await getPool().query<{ id: string; attempts: number }>(
      `SELECT id, attempts FROM "Run"
        WHERE status = 'RUNNING' AND "startedAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => $1::float8 / 1000)
        ORDER BY "startedAt" LIMIT $2`,
      [reapAfterMs, batchSize],
    );
    if (res.rows.length === 0) return { requeued: 0, failed: 0 };
    const states = await Promise.all(res.rows.map((r) => queue.getJobState(r.id)));
    const orphans = res.rows.filter((_, i) => !LIVE_STATES.has(states[i]));
    const exhausted = orphans.filter((r) => r.attempts >= maxAttempts).map((r) => r.id);
    const retry = orphans.filter((r) => r.attempts < maxAttempts).map((r) => r.id);
    let requeued: string[] = [];
    if (retry.length > 0) {
      // The status guard makes concurrent reapers (one per worker process) agree on who re-queues.
      const upd = await getPool().query<{ id: string }>(`UPDATE "Run" SET status = 'QUEUED' WHERE id = ANY($1::uuid[]) AND status = 'RUNNING' RETURNING id`, [
        retry,
      ]);
      requeued = upd.rows.map((r) => r.id);
      await replaceJobs(queue, requeued);
    }
    for (const id of exhausted) {
      await options.failRun(id, `Выполнение прервано: обработчик остановился во время запуска, попыток: ${maxAttempts}. Повторите запуск из истории.`);
    }
    if (requeued.length + exhausted.length > 0) {
      log(`[reaper] runs held by no worker: ${requeued.length} re-queued, ${exhausted.length} failed`);
    }
    return { requeued: requeued.length, failed: exhausted.length };
  }

  const timers: NodeJS.Timeout[] = [];
  let running: Promise<unknown> = Promise.resolve();
  let lastError = 0;
  const every = (ms: number, fn: () => Promise<unknown>, name: string) => {
    const t = setInterval(() => {
      running = running.then(fn).catch((e) => {
        // Redis or Postgres down: say so now and then, keep trying.
        if (Date.now() - lastError > 30_000) {
          lastError = Date.now();
          log(`[${name}] ${(e as Error)?.message ?? e}`);
        }
      });
    }, ms);
    t.unref();
    timers.push(t);
  };
  every(options.sweepIntervalMs ?? 5_000, sweep, "sweeper");
  every(options.reapIntervalMs ?? 30_000, reap, "reaper");

  return {
    sweep,
    reap,
    async stop() {
      for (const t of timers) clearInterval(t);
      await running.catch(() => undefined);
    },
  };
}
