// Fault tests with real worker processes (`npx tsx worker/index.ts`): kill -9 in the middle of a
// run, and two workers sharing one queue. They use a database of their own (the workers' sweepers
// must see only these runs) and a private redis-server: the real workers also run the alerts
// queue, the sweeper and pruning, which must not touch other test files' jobs on the shared Redis.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Queue } from "bullmq";
import {
  createRunningPipeline,
  createTestUser,
  freePort,
  insertRun,
  spawnWorker,
  startCountingServer,
  startPrivateRedis,
  threeStepDefinition,
  twoCallDefinition,
  usePrivateDatabase,
  waitFor,
  type CountingServer,
} from "../support/worker-helpers";

const DATABASE_URL = usePrivateDatabase("worker_faults");

const { prisma, closeDb } = await import("../../lib/db");
const { redisConnection } = await import("../../lib/queue/connection");
const { RUNS_QUEUE, runJobOptions } = await import("../../lib/queue/run-queue");
const { getWorkerHealth } = await import("../../lib/runs/worker-health");

const privateRedis = await startPrivateRedis(await freePort());
const REDIS_URL = privateRedis.url;
let counting: CountingServer;
let userId: string;
let queue: Queue;
let healthConn: ReturnType<typeof redisConnection>;

function workerEnv(concurrency = 50): Record<string, string> {
  return {
    DATABASE_URL,
    REDIS_URL,
    OUTBOUND_ALLOWLIST: "127.0.0.1",
    WORKER_CONCURRENCY: String(concurrency),
    NODE_ENV: "test",
  };
}

async function enqueue(ids: string[]) {
  await queue.addBulk(ids.map((runId) => ({ name: "run", data: { runId }, opts: { ...runJobOptions, jobId: runId } })));
}

beforeAll(async () => {
  counting = await startCountingServer();
  userId = await createTestUser();
  queue = new Queue(RUNS_QUEUE, { connection: redisConnection(REDIS_URL) });
  await queue.obliterate({ force: true });
  healthConn = redisConnection(REDIS_URL);
});
afterAll(async () => {
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  healthConn.disconnect();
  await counting.close();
  await closeDb();
  await privateRedis.stop();
});

describe("worker processes", () => {
  it("kill -9 during a slow outside call: after a restart the run completes without repeating earlier calls", async () => {
    const p = await createRunningPipeline(userId, twoCallDefinition(`${counting.url}/kill`));
    counting.hangNext.add("/kill/b");
    const runId = await insertRun(p.id, userId, { name: "kill" });
    const first = spawnWorker(workerEnv());
    try {
      await enqueue([runId]);
      await waitFor(async () => (counting.hits.get("/kill/b") ?? 0) === 1, 30_000, `the second call (worker log: ${first.output()})`);
      expect((await prisma.run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("RUNNING");
      first.kill("SIGKILL");
      await first.gone();
    } finally {
      first.kill("SIGKILL");
    }

    const second = spawnWorker(workerEnv());
    try {
      // The job's lock (15 s) expires, the new worker's stalled check takes it back.
      await waitFor(
        async () => (await prisma.run.findUniqueOrThrow({ where: { id: runId } })).status === "SUCCEEDED",
        45_000,
        `the run to finish (worker log: ${second.output()})`,
      );
      expect(counting.hits.get("/kill/a")).toBe(1);
      expect(counting.hits.get("/kill/b")).toBe(2);
      // The repeated call carried the same Idempotency-Key as the lost one.
      expect(counting.byKey.get(`${runId}:call_b`)).toBe(2);
      const run = await prisma.run.findUniqueOrThrow({ where: { id: runId }, include: { steps: { orderBy: { position: "asc" } } } });
      expect(run.attempts).toBe(2);
      expect(run.steps.map((s) => `${s.stepId}:${s.status}`)).toEqual([
        "compose:SUCCEEDED",
        "call_a:SUCCEEDED",
        "parse_a:SUCCEEDED",
        "call_b:SUCCEEDED",
        "parse_b:SUCCEEDED",
      ]);
      expect(await prisma.run.count({ where: { status: "RUNNING" } })).toBe(0);
    } finally {
      second.kill("SIGTERM");
      await second.gone();
    }
  }, 120_000);

  it("two workers, 1,000 runs: each run executed exactly once", async () => {
    const p = await createRunningPipeline(userId, threeStepDefinition(`${counting.url}/once`));
    const ids = await Promise.all(Array.from({ length: 1000 }, (_, i) => insertRun(p.id, userId, { name: `r${i}`, phone: String(i) })));
    const workers = [spawnWorker(workerEnv(100)), spawnWorker(workerEnv(100))];
    try {
      await enqueue(ids);
      await waitFor(
        async () => (await prisma.run.count({ where: { id: { in: ids }, status: "SUCCEEDED" } })) === 1000,
        90_000,
        `1,000 runs (logs: ${workers.map((w) => w.output()).join("\n---\n")})`,
      );
      expect(counting.hits.get("/once")).toBe(1000);
      const repeated = ids.filter((id) => counting.byKey.get(`${id}:post`) !== 1);
      expect(repeated).toEqual([]);
      const attempts = await prisma.run.aggregate({ where: { id: { in: ids } }, _max: { attempts: true }, _min: { attempts: true } });
      expect(attempts._max.attempts).toBe(1);
      expect(attempts._min.attempts).toBe(1);
      // Both processes took part (their heartbeats count what they processed).
      const health = await waitFor(
        async () => {
          const h = await getWorkerHealth(healthConn);
          const pids = new Set(workers.map((w) => w.pid()));
          const mine = h.workers.filter((x) => pids.has(x.pid));
          return mine.length === 2 && mine.reduce((n, x) => n + x.processed, 0) === 1000 ? mine : null;
        },
        15_000,
        "both heartbeats",
      );
      expect(health.every((x) => x.processed > 0)).toBe(true);
    } finally {
      for (const w of workers) w.kill("SIGTERM");
      await Promise.all(workers.map((w) => w.gone()));
      // npx itself dies of the signal; the worker's own graceful path is what matters.
      for (const w of workers) expect(w.output()).toContain("[worker] stopped");
    }
  }, 150_000);
});
