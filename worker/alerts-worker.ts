// The "alerts" queue consumer: sends Notification rows and flushes digests at window end. A
// sweeper covers what Redis lost (PENDING rows never enqueued, digest jobs that vanished), so
// Postgres alone decides what is owed. Safe to run in several worker processes at once.
import { Worker, type Job } from "bullmq";
import { pool } from "../lib/pool";
import { queuePrefix, redisConnection } from "../lib/queue/connection";
import { ALERTS_QUEUE } from "../lib/queue/run-queue";
import { alertJobSchema, DIGEST_JOB, digestJobSchema, enqueueNotifications, SEND_JOB } from "../lib/alerts/alert-jobs";
import { createMailer } from "../lib/alerts/smtp";

// Alert rows are kept through Prisma: loaded with the first alert job, not when the worker starts.
const throttle = () => import("../lib/alerts/throttle");

export type AlertsWorkerOptions = {
  /** SMTP server instead of env SMTP_URL (tests). */
  smtpUrl?: string;
  concurrency?: number;
  /** How often the sweeper looks for lost work; 0 turns it off. */
  sweepEveryMs?: number;
};

// A PENDING row younger than this is still on its way through the queue (or through the
// test-email route), not lost.
const LOST_AFTER_MS = 2 * 60_000;

export function startAlertsWorker(opts: AlertsWorkerOptions = {}): { close(): Promise<void> } {
  const mailer = createMailer(opts.smtpUrl);
  const worker = new Worker(
    ALERTS_QUEUE,
    async (job: Job) => {
      if (job.name === DIGEST_JOB) {
        const { pipelineId } = digestJobSchema.parse(job.data);
        const { flushDigest } = await throttle();
        const created = await flushDigest(pipelineId);
        if (created) await enqueueNotifications([created.id]);
        return;
      }
      if (job.name === SEND_JOB) {
        const { notificationId } = alertJobSchema.parse(job.data);
        // attemptsMade counts the attempts before this one.
        const isLast = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        const { sendNotification } = await import("../lib/alerts/send-notification");
        return sendNotification(notificationId, mailer, { isLast });
      }
    },
    { connection: redisConnection(), concurrency: opts.concurrency ?? 5, prefix: queuePrefix() },
  );
  worker.on("error", (err) => console.error("[alerts] worker error:", err.message));

  let sweeping: Promise<void> | null = null;
  const sweepEvery = opts.sweepEveryMs ?? 60_000;
  const timer = sweepEvery > 0 ? setInterval(() => (sweeping ??= sweep().finally(() => (sweeping = null))), sweepEvery) : null;
  timer?.unref();

  return {
    async close() {
      if (timer) clearInterval(timer);
      await sweeping;
      await worker.close();
      mailer.close();
    },
  };
}

/** Re-enqueues lost PENDING notifications and flushes digests whose window ended long ago. */
export async function sweep(now = new Date()): Promise<void> {
  try {
    // Plain SQL on the shared pool: this runs every minute in every worker, which otherwise needs
    // no Prisma (its query compiler costs a process ≈ 50–80 MB).
    const db = pool();
    const lost = await db.query<{ id: string }>(
      `SELECT id FROM "Notification" WHERE status = 'PENDING' AND "createdAt" < ($1::timestamptz AT TIME ZONE 'UTC') ORDER BY "createdAt" LIMIT 500`,
      [new Date(now.getTime() - LOST_AFTER_MS).toISOString()],
    );
    // jobId = notification id: a row whose job is still waiting or retrying is not duplicated.
    await enqueueNotifications(lost.rows.map((n) => n.id));
    const { rows: overdue } = await db.query<{ pipelineId: string }>(
      `SELECT s."pipelineId"::text AS "pipelineId"
      FROM "AlertState" s JOIN "Pipeline" p ON p.id = s."pipelineId"
      WHERE s."pendingCount" > 0
        AND s."windowStart" < ($1::timestamptz AT TIME ZONE 'UTC') - make_interval(mins => p."alertThrottleMinutes" + 1)
      LIMIT 500`,
      [now.toISOString()],
    );
    for (const { pipelineId } of overdue) {
      const { flushDigest } = await throttle();
      const created = await flushDigest(pipelineId, now);
      if (created) await enqueueNotifications([created.id]);
    }
  } catch (err) {
    console.error("[alerts] sweep failed:", (err as Error).message);
  }
}
