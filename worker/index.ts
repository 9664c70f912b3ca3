// The worker process: BullMQ workers for runs (and alerts), sweeper and reaper. Imports lib/ only.
//   npm run worker            (any number of them may share one Redis and Postgres)
import { env } from "../lib/env";
import { RUNS_QUEUE } from "../lib/queue/run-queue";
import { closePool, pool } from "../lib/pool";
import { closeQueues } from "../lib/queue/run-queue";
import { formatWorkerHealth, getWorkerHealth } from "../lib/runs/worker-health";
import { startRunsWorker } from "./runs-worker";
import { startAlertsWorker } from "./alerts-worker";
import { pruneRuns } from "../lib/runs/prune-runs";
import { closeStoreLocks, pruneStore } from "../lib/store/store";
import { pruneDedupKeys } from "../lib/webhooks/dedup";
import { startScheduleWorker } from "../lib/schedule/schedule-worker";
import { startIdleGc } from "../lib/idle-gc";

/** Retention pruning cadence; batches with pauses keep it from slowing ingest. */
const PRUNE_EVERY_MS = 5 * 60_000;

/** In-flight jobs get this long after SIGTERM; compose's stop_grace_period must be longer. */
const SHUTDOWN_DEADLINE_MS = 25_000;

/**
 * Where the process's memory is, in MB: what an operator (or the bench) needs when the resident
 * size stays high after a quiet-time collection — heap the collection could not free, or memory
 * outside V8's heap (Buffers, native allocations).
 */
function memoryLine(): string {
  const m = process.memoryUsage();
  const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
  return `now rss ${mb(m.rss)} MB, heap ${mb(m.heapUsed)} of ${mb(m.heapTotal)} MB, outside the heap ${mb(m.external)} MB (buffers ${mb(m.arrayBuffers)})`;
}

async function main() {
  const { WORKER_CONCURRENCY, IDLE_COLLECT_AFTER_MS } = env();
  const runs = startRunsWorker({ concurrency: WORKER_CONCURRENCY });
  // After a burst of jobs and a quiet minute (IDLE_COLLECT_AFTER_MS), one full collection returns
  // the heap the burst grew.
  const stopIdleGc = startIdleGc({
    quietMs: IDLE_COLLECT_AFTER_MS,
    onCollect: (mb, retry) =>
      console.log(
        (retry === 0
          ? `[worker] quiet for ${Math.round(IDLE_COLLECT_AFTER_MS / 1000)} s: full collection, ${mb.toFixed(0)} MB of heap freed`
          : `[worker] still quiet, the young generation still grown: full collection again (${retry}), ${mb.toFixed(0)} MB of heap freed`) +
          `; ${memoryLine()}`,
      ),
  });
  runs.worker.on("ready", () => {
    console.log(`[worker] ready (queue "${RUNS_QUEUE}", concurrency ${WORKER_CONCURRENCY}, pid ${process.pid})`);
    void getWorkerHealth().then((r) => console.log(`[worker] live workers:\n${formatWorkerHealth(r)}`));
  });

  // «По расписанию» sources: firing jobs → runs; schedulers reconciled with the pipelines.
  const others: { close(): Promise<unknown> }[] = [startAlertsWorker(), startScheduleWorker()];

  // Retention: delete runs older than each pipeline's window (and clear payloads of successful
  // runs where the pipeline asks for it). Several workers may prune at once: rows are taken with
  // SKIP LOCKED.
  const pruneAbort = new AbortController();
  let pruning: Promise<unknown> = Promise.resolve();
  const prune = () => {
    pruning = pruneRuns({ signal: pruneAbort.signal })
      .then((r) => {
        if (r.deleted || r.payloadsCleared) console.log(`[worker] retention: deleted ${r.deleted} runs, cleared ${r.payloadsCleared} payloads`);
      })
      .catch((err) => console.error("[worker] retention pruning failed:", err instanceof Error ? err.message : err))
      // Expired «Хранилище» keys and deduplication keys go in the same pass.
      .then(() => Promise.all([pruneStore(), pruneDedupKeys(pool())]))
      .then(([keys, dedup]) => {
        if (keys || dedup) console.log(`[worker] expired: ${keys} store keys, ${dedup} duplicate keys removed`);
      })
      .catch((err) => console.error("[worker] store pruning failed:", err instanceof Error ? err.message : err));
  };
  const pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
  pruneTimer.unref();
  setTimeout(prune, 30_000).unref();
  others.push({
    close: async () => {
      clearInterval(pruneTimer);
      pruneAbort.abort();
      await pruning;
    },
  });

  // A periodic one-line status so an operator tailing the log sees the worker is alive.
  const status = setInterval(() => {
    const w = runs.executor.writer.stats();
    const wait = runs.takeQueueWait();
    console.log(
      `[worker] processed=${runs.counters.processed} failed=${runs.counters.failed} history batches=${w.batches} rows=${w.stepRows}` +
        (wait ? `; waited in the queue (${wait.runs} runs this minute) p50 ${wait.p50} / p99 ${wait.p99} / max ${wait.max} ms` : ""),
    );
  }, 60_000);
  status.unref();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[worker] ${signal}: not taking new jobs, finishing in-flight ones (up to ${SHUTDOWN_DEADLINE_MS / 1000} s)`);
    const hard = setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS + 10_000);
    hard.unref();
    stopIdleGc();
    const { clean } = await runs.close(SHUTDOWN_DEADLINE_MS);
    await Promise.all(others.map((o) => o.close().catch(() => undefined)));
    await closeQueues();
    await closeStoreLocks();
    await closePool();
    console.log(clean ? "[worker] stopped" : "[worker] stopped; unfinished jobs will be picked up by another worker");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err) => {
  console.error("[worker] failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
