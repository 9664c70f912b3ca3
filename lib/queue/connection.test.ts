// QUEUE_PREFIX: every BullMQ key of Hookflow's queues carries it (Redis Cluster needs a hash tag
// there so that a queue's keys share one slot; docs/scaling.md).
import { afterAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { closeQueues, queue } from "./run-queue";
import { queuePrefix } from "./connection";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/1";
process.env.REDIS_URL = REDIS_URL;
const redis = new Redis(REDIS_URL);

afterAll(async () => {
  delete process.env.QUEUE_PREFIX;
  await closeQueues();
  redis.disconnect();
});

describe("queue prefix", () => {
  it("is BullMQ's default without QUEUE_PREFIX", () => {
    delete process.env.QUEUE_PREFIX;
    expect(queuePrefix()).toBe("bull");
  });

  it("puts every key of a queue under QUEUE_PREFIX (a Redis Cluster hash tag)", async () => {
    process.env.QUEUE_PREFIX = "{hookflow-test}";
    const name = `prefix-${randomUUID()}`;
    const q = queue(name);
    await q.add("run", { runId: randomUUID() }, { jobId: "job-1" });
    const keys = await redis.keys(`*${name}*`);
    expect(keys.length).toBeGreaterThan(0);
    // The hash tag is the part of the key Redis Cluster hashes: all in one slot.
    for (const k of keys) expect(k.startsWith(`{hookflow-test}:${name}:`)).toBe(true);
    expect(await q.getJobState("job-1")).toBe("waiting");
    await q.obliterate({ force: true });
  });
});
