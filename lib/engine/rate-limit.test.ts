// The rate limit's slot follows its request: `sent()` moves the slot's time to its real departure,
// so requests granted after a held-up one count from when it really left.
import { afterAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { createRateLimiter } from "./rate-limit";

const redis = new Redis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/1");
afterAll(() => redis.disconnect());

async function redisNowMs(): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

describe("rate limit slots", () => {
  it("sent() moves the slot to the time the request left; a second grant waits from there", async () => {
    const scope = randomUUID();
    const key = `hookflow:rl:${scope}:crm.example`;
    const waits: number[] = [];
    const limiter = createRateLimiter(redis, {
      // Records the wait it is asked for and lets the clock be Redis's: no real sleeping.
      sleep: async (ms) => {
        waits.push(ms);
        await redis.zremrangebyscore(key, "-inf", "+inf");
      },
    });
    const signal = new AbortController().signal;
    const slot = await limiter(scope, "CRM.example", 1, signal);
    const [member, granted] = await redis.zrange(key, 0, 0, "WITHSCORES");
    const beforeSent = await redisNowMs();
    slot.sent();
    await expect.poll(async () => Number(await redis.zscore(key, member)), { timeout: 10_000 }).toBeGreaterThanOrEqual(beforeSent);
    expect(Number(await redis.zscore(key, member))).toBeGreaterThanOrEqual(Number(granted));
    // Calling it again changes nothing.
    const stamped = await redis.zscore(key, member);
    slot.sent();
    expect(await redis.zcard(key)).toBe(1);
    // The next request to the host (1 per second) is told to wait about a window from the departure.
    await limiter(scope, "crm.example", 1, signal);
    expect(waits.length).toBe(1);
    expect(waits[0]).toBeGreaterThan(1000);
    expect(await redis.zscore(key, member)).toBe(null);
    expect(stamped).not.toBeNull();
  });
});
