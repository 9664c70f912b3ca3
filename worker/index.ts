// The worker process: BullMQ workers for runs (and alerts), sweeper and reaper. Imports lib/ only.
import { Worker } from "bullmq";
import { env } from "../lib/env";
import { redisConnection } from "../lib/queue/connection";
import { RUNS_QUEUE, runJobSchema } from "../lib/queue/run-queue";
import { closeDb } from "../lib/db";

async function main() {
  const { WORKER_CONCURRENCY } = env();
  const worker = new Worker(
    RUNS_QUEUE,
    async (job) => {
      const { runId } = runJobSchema.parse(job.data);
      return { runId };
    },
    { connection: redisConnection(), concurrency: WORKER_CONCURRENCY },
  );
  worker.on("error", (err) => console.error("[worker] error:", err.message));
  worker.on("ready", () => console.log(`[worker] ready (queue "${RUNS_QUEUE}", concurrency ${WORKER_CONCURRENCY})`));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[worker] ${signal}: finishing in-flight jobs`);
    const deadline = setTimeout(() => process.exit(1), 25_000);
    deadline.unref();
    await worker.close();
    await closeDb();
    console.log("[worker] stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err) => {
  console.error("[worker] failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
