import { Redis, type RedisOptions } from "ioredis";
import { env } from "../env";

/**
 * The prefix of every BullMQ key (BullMQ's default is "bull"). On Redis Cluster a queue's keys
 * must share one hash slot, so set QUEUE_PREFIX to a hash tag such as "{hookflow}"
 * (docs/scaling.md). Changing it on a running installation leaves the old keys' jobs behind: the
 * sweeper re-enqueues their QUEUED runs from Postgres.
 */
export function queuePrefix(): string {
  return process.env.QUEUE_PREFIX || "bull";
}

/** A new ioredis connection for BullMQ (workers need their own; `maxRetriesPerRequest: null`). */
export function redisConnection(url = env().REDIS_URL, extra: RedisOptions = {}): Redis {
  const conn = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    // Keep retrying forever with a capped delay: when Redis comes back, everything resumes.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...extra,
  });
  conn.on("error", (err) => {
    if (process.env.REDIS_DEBUG) console.error("[redis]", err.message);
  });
  return conn;
}
