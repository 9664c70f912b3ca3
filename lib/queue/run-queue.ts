// Queue names and job payloads. Jobs carry ids only; Postgres holds everything else.
import { Queue } from "bullmq";
import { z } from "zod";
import { queuePrefix, redisConnection } from "./connection";

export const RUNS_QUEUE = "runs";
export const ALERTS_QUEUE = "alerts";
export const MAINTENANCE_QUEUE = "maintenance";

export const runJobSchema = z.object({ runId: z.uuid() });
export type RunJob = z.infer<typeof runJobSchema>;

export const alertJobSchema = z.object({ notificationId: z.uuid() });
export type AlertJob = z.infer<typeof alertJobSchema>;

/** Completed jobs are dropped (per job: the worker-level option breaks BullMQ 6.7's script). */
export const runJobOptions = {
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
  attempts: 3,
  backoff: { type: "exponential", delay: 2_000 },
} as const;

const globalForQueues = globalThis as unknown as { __hookflowQueues?: Map<string, Queue> };

export function queue(name: string): Queue {
  globalForQueues.__hookflowQueues ??= new Map();
  let q = globalForQueues.__hookflowQueues.get(name);
  if (!q) {
    // Fail fast when Redis is down (offline queue off): callers keep the row as the truth.
    q = new Queue(name, { connection: redisConnection(undefined, { enableOfflineQueue: false }), prefix: queuePrefix() });
    q.on("error", () => undefined);
    globalForQueues.__hookflowQueues.set(name, q);
  }
  return q;
}

/** Enqueue runs by id; jobId = runId makes a repeat (sweeper, retry) a no-op. */
export async function enqueueRuns(runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  await queue(RUNS_QUEUE).addBulk(runIds.map((runId) => ({ name: "run", data: { runId }, opts: { ...runJobOptions, jobId: runId } })));
}

export async function closeQueues(): Promise<void> {
  const qs = globalForQueues.__hookflowQueues;
  if (!qs) return;
  globalForQueues.__hookflowQueues = undefined;
  await Promise.all([...qs.values()].map((q) => q.close().catch(() => undefined)));
}
