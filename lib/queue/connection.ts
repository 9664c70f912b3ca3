import { Redis, type RedisOptions } from "ioredis";
import { env } from "../env";

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
