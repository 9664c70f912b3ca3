// The "schedule" queue consumer (docs/schedule.md): each firing job of a source's job scheduler
// becomes one Run. Any number of worker processes run it: BullMQ hands each firing job to one of
// them, a worker that dies mid-job has its job taken back by another (stalled check), and the
// Run's deterministic id keeps a retried firing from making a second run. Every worker also
// reconciles the schedulers with the pipelines at start and periodically.
import { Worker, type Job } from "bullmq";
import { env } from "../env";
import { queuePrefix, redisConnection } from "../queue/connection";
import { scheduleMinuteMs } from "../definition/schedule";
import { fireSchedule, scheduledMillisOf } from "./fire";
import { reconcileSchedules, SCHEDULE_QUEUE, type FiringJob } from "./scheduler";

export type ScheduleWorkerOptions = {
  concurrency?: number;
  /** How often the schedulers are reconciled with the pipelines; 0 = only at start. */
  reconcileEveryMs?: number;
};

export function startScheduleWorker(opts: ScheduleWorkerOptions = {}): { worker: Worker; close(): Promise<void> } {
  // Refuses SCHEDULE_TEST_MINUTE_MS outside NODE_ENV=test before anything is scheduled.
  scheduleMinuteMs(env());
  const worker = new Worker(
    SCHEDULE_QUEUE,
    async (job: Job<FiringJob>) => {
      const scheduledFor = scheduledMillisOf(job.id) ?? job.opts.prevMillis ?? job.timestamp;
      const r = await fireSchedule({ pipelineId: job.data.pipelineId, sourceId: job.data.sourceId, scheduledFor });
      if (r.status === "skipped") {
        // The pipeline was stopped or changed and its scheduler not yet removed: remove it now.
        await reconcileSchedules({ pipelineId: job.data.pipelineId }).catch(() => undefined);
      }
      return r;
    },
    {
      connection: redisConnection(),
      prefix: queuePrefix(),
      // A job's processedBy names the process that took it (operators; the kill -9 test).
      name: `schedule:${process.pid}`,
      concurrency: opts.concurrency ?? 5,
      // A dead worker's firing is taken back within seconds (it then finds or makes its run).
      lockDuration: 15_000,
      stalledInterval: 5_000,
      maxStalledCount: 5,
      removeOnComplete: { count: 0 },
    },
  );
  worker.on("error", (err) => console.error("[schedule] worker error:", err.message));
  worker.on("failed", (job, err) => console.error(`[schedule] firing ${job?.id} failed (attempt ${job?.attemptsMade}):`, err.message));

  let reconciling: Promise<unknown> | null = null;
  const reconcile = () =>
    (reconciling ??= reconcileSchedules()
      .then((r) => {
        if (r.added || r.updated || r.removed) console.log(`[schedule] schedulers: +${r.added} ~${r.updated} -${r.removed} (${r.kept} unchanged)`);
      })
      .catch((err) => console.error("[schedule] reconcile failed (retried later):", err instanceof Error ? err.message : err))
      .finally(() => (reconciling = null)));
  // At start, retry soon until the first pass succeeds (Redis or Postgres may still be coming up).
  let startTries = 0;
  const first = () =>
    reconcileSchedules()
      .then((r) => console.log(`[schedule] schedulers: +${r.added} ~${r.updated} -${r.removed} (${r.kept} unchanged)`))
      .catch((err) => {
        console.error("[schedule] reconcile failed:", err instanceof Error ? err.message : err);
        if (++startTries < 30 && !closed) setTimeout(() => void (reconciling = first()), 2_000).unref();
      });
  let closed = false;
  reconciling = first();
  const every = opts.reconcileEveryMs ?? 60_000;
  const timer = every > 0 ? setInterval(reconcile, every) : null;
  timer?.unref();

  return {
    worker,
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await reconciling;
      await worker.close();
    },
  };
}
