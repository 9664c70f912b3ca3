// The "runs" worker, with its sweeper, reaper and heartbeat. worker/index.ts starts it from env;
// tests start it with their own Redis, queue name and options.
import { createHistogram } from "node:perf_hooks";
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type pg from "pg";
import { queuePrefix, redisConnection } from "../lib/queue/connection";
import { RUNS_QUEUE, runJobSchema } from "../lib/queue/run-queue";
import { createRunExecutor, type RunExecutor, type RunExecutorOptions } from "../lib/engine/execute-run";
import { createHistoryWriter } from "../lib/runs/history-writer";
import { createRateLimiter } from "../lib/engine/rate-limit";
import { createMaintenance, type Maintenance, type MaintenanceOptions } from "../lib/runs/maintenance";
import { startHeartbeat, type Heartbeat } from "../lib/runs/worker-health";
import { onRunsFinished, type FinishedRun } from "../lib/alerts/on-runs-finished";
import { markBusy } from "../lib/idle-gc";

export type RunsWorkerOptions = {
  redisUrl?: string;
  queueName?: string;
  concurrency: number;
  pool?: () => pg.Pool;
  executor?: Omit<RunExecutorOptions, "writer" | "pool">;
  onFinished?: (runs: FinishedRun[]) => Promise<void> | void;
  /**
   * A killed worker's jobs return to the queue once their lock expires (checked every
   * stalledInterval). Short enough that a crash delays runs by seconds; long enough that a busy
   * event loop still renews locks (renewal happens every lockDuration/2).
   */
  lockDuration?: number;
  stalledInterval?: number;
  maintenance?: Partial<Omit<MaintenanceOptions, "queue" | "pool" | "failRun">> | false;
  heartbeat?: { intervalMs?: number; ttlMs?: number } | false;
  log?: (message: string) => void;
};

export type RunsWorker = {
  worker: Worker;
  queue: Queue;
  executor: RunExecutor;
  maintenance: Maintenance | null;
  heartbeat: Heartbeat | null;
  counters: { processed: number; failed: number };
  /**
   * How long runs waited in the queue before this worker started them, since the last call (which
   * starts the count again); null when none started. First attempts only (BullMQ's
   * attemptsStarted = 1, no delay option): a retry, a run its worker lost, or one back from
   * «Задержка» waited on purpose. Measured from the time the web queued the job: on two machines
   * that includes their clocks' difference.
   */
  takeQueueWait(): { runs: number; p50: number; p99: number; max: number } | null;
  /** Stops taking jobs, waits up to deadlineMs for those in flight, then writes what is left. */
  close(deadlineMs?: number): Promise<{ clean: boolean }>;
};

export function startRunsWorker(options: RunsWorkerOptions): RunsWorker {
  const log = options.log ?? ((m: string) => console.log(m));
  const queueName = options.queueName ?? RUNS_QUEUE;
  const writer = createHistoryWriter({ pool: options.pool, onFinished: options.onFinished ?? onRunsFinished });
  // «Не чаще N в секунду к хосту» is shared with every other worker through this Redis.
  const limiterConn = redisConnection(options.redisUrl);
  const executor = createRunExecutor({ rateLimiter: createRateLimiter(limiterConn), ...options.executor, pool: options.pool, writer });
  const counters = { processed: 0, failed: 0 };
  let active = 0;
  // Native (an HDR histogram in Node): O(1) per run, whatever the rate.
  const queueWait = createHistogram();

  const processor = async (job: Job, token?: string) => {
    const parsed = runJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid job data: ${parsed.error.message}`);
    const { runId } = parsed.data;
    if (job.attemptsStarted === 1 && !job.opts.delay) queueWait.record(Math.max(1, Date.now() - job.timestamp));
    markBusy();
    active++;
    try {
      const result = await executor.execute(runId);
      if (result.status === "WAITING") {
        // «Задержка»: the run's state is committed (WAITING, waitUntil); the same job sleeps in
        // Redis's delayed set and holds no worker slot. If this process dies before the move, the
        // stalled job comes back, finds the run WAITING and parks it again.
        await job.moveToDelayed(Math.max(result.waitUntil.getTime(), Date.now() + 1), token);
        throw new DelayedError();
      }
      counters.processed++;
      // Nothing for BullMQ to keep: the run's outcome is in Postgres (a return value would be
      // serialized into every job's completion call for nobody to read).
      return undefined;
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      counters.failed++;
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        // The last attempt: the run must not stay RUNNING. If even this write fails (database
        // down), the reaper finds the run later.
        const msg = (err as Error)?.message ?? String(err);
        await executor.fail(runId, `Внутренняя ошибка обработчика (попыток: ${attempts}): ${msg}`).catch(() => undefined);
      }
      throw err;
    } finally {
      active--;
    }
  };

  const connection = redisConnection(options.redisUrl);
  const worker = new Worker(queueName, processor, {
    connection,
    prefix: queuePrefix(),
    concurrency: options.concurrency,
    lockDuration: options.lockDuration ?? 15_000,
    stalledInterval: options.stalledInterval ?? 5_000,
    // A run whose worker died twice goes to the failed set; the reaper then decides.
    maxStalledCount: 2,
  });
  let lastErrorLog = 0;
  worker.on("error", (err) => {
    // While Redis is down this fires on every reconnect attempt: once per 10 s is enough.
    if (Date.now() - lastErrorLog > 10_000) {
      lastErrorLog = Date.now();
      log(`[worker] error: ${err.message}`);
    }
  });
  worker.on("failed", (job, err) => {
    if (job) log(`[worker] job ${job.id} attempt ${job.attemptsMade} failed: ${err.message}`);
  });

  const queueConn: Redis = redisConnection(options.redisUrl, { enableOfflineQueue: false });
  const queue = new Queue(queueName, { connection: queueConn, prefix: queuePrefix() });
  queue.on("error", () => undefined);

  const maintenance =
    options.maintenance === false ? null : createMaintenance({ ...options.maintenance, queue, pool: options.pool, failRun: executor.fail, log });

  const heartbeatConn = options.heartbeat === false ? null : redisConnection(options.redisUrl);
  const heartbeat =
    heartbeatConn && options.heartbeat !== false
      ? startHeartbeat(
          heartbeatConn,
          () => ({ processed: counters.processed, failed: counters.failed, active, concurrency: options.concurrency, queue: queueName }),
          options.heartbeat,
        )
      : null;

  let closing: Promise<{ clean: boolean }> | null = null;
  async function close(deadlineMs = 25_000): Promise<{ clean: boolean }> {
    closing ??= (async () => {
      await maintenance?.stop();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), deadlineMs)));
      const outcome = await Promise.race([worker.close().then(() => "closed" as const), timedOut]);
      clearTimeout(timer);
      if (outcome === "timeout") {
        // Jobs still running keep their Redis lock until it expires and are then picked up again
        // by another worker, resuming after their last committed step.
        await worker.close(true).catch(() => undefined);
      }
      await writer.drain();
      await heartbeat?.stop();
      await queue.close().catch(() => undefined);
      heartbeatConn?.disconnect();
      limiterConn.disconnect();
      queueConn.disconnect();
      connection.disconnect();
      return { clean: outcome === "closed" };
    })();
    return closing;
  }

  function takeQueueWait() {
    if (queueWait.count === 0) return null;
    const taken = { runs: queueWait.count, p50: queueWait.percentile(50), p99: queueWait.percentile(99), max: queueWait.max };
    queueWait.reset();
    return taken;
  }

  return { worker, queue, executor, maintenance, heartbeat, counters, takeQueueWait, close };
}
