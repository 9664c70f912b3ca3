// Jobs on the "alerts" queue. "send" carries a Notification id (jobId = that id, so the sweeper may
// enqueue a PENDING row again without duplicating it); "digest" carries a pipeline id and fires at
// the end of its throttle window. Postgres stays the truth: a lost job is found by the sweeper.
import { z } from "zod";
import { ALERTS_QUEUE, alertJobSchema, queue } from "../queue/run-queue";

export { alertJobSchema };
export const digestJobSchema = z.object({ pipelineId: z.uuid() });

export const SEND_JOB = "send";
export const DIGEST_JOB = "digest";

export type DeliveryOptions = {
  /** Attempts per e-mail before the Notification is recorded FAILED. */
  attempts?: number;
  /** First retry delay; doubled on each further attempt. */
  backoffMs?: number;
};

// 6 attempts, 15 s doubling: the last try happens ~7.5 minutes after the first, enough to ride out
// an SMTP server restart without hiding a real outage for long.
export const DEFAULT_DELIVERY: Required<DeliveryOptions> = { attempts: 6, backoffMs: 15_000 };

export async function enqueueNotifications(ids: string[], delivery: DeliveryOptions = {}): Promise<void> {
  if (ids.length === 0) return;
  const { attempts, backoffMs } = { ...DEFAULT_DELIVERY, ...delivery };
  await queue(ALERTS_QUEUE).addBulk(
    ids.map((notificationId) => ({
      name: SEND_JOB,
      data: { notificationId },
      opts: {
        jobId: notificationId,
        attempts,
        backoff: { type: "exponential", delay: backoffMs },
        removeOnComplete: true,
        removeOnFail: { count: 1000 },
      },
    })),
  );
}

export async function scheduleDigest(pipelineId: string, at: Date, now = new Date()): Promise<void> {
  await queue(ALERTS_QUEUE).add(
    DIGEST_JOB,
    { pipelineId },
    {
      // One job per window end; BullMQ forbids ":" in custom ids.
      jobId: `digest-${pipelineId}-${at.getTime()}`,
      delay: Math.max(0, at.getTime() - now.getTime()),
      attempts: 5,
      backoff: { type: "exponential", delay: 5_000 },
      removeOnComplete: true,
      removeOnFail: { count: 100 },
    },
  );
}
