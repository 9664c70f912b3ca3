// The runs worker in-process against real Postgres (a database of this file's own) and Redis:
// processing, graceful close, sweeper, reaper, crash retries, health, and Redis/Postgres outages.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { Queue } from "bullmq";
import {
  createSeedPipeline,
  WEEEK_TOKEN,
  createRunningPipeline,
  createTestUser,
  freePort,
  insertRun,
  startCountingServer,
  startPrivateRedis,
  threeStepDefinition,
  waitThenPostDefinition,
  usePrivateDatabase,
  waitFor,
  type CountingServer,
} from "../test/support/worker-helpers";

usePrivateDatabase("runs_worker");

const { prisma, closeDb } = await import("../lib/db");
const { startRunsWorker } = await import("./runs-worker");
const { createOutboundHttp } = await import("../lib/security/outbound-http");
const { redisConnection } = await import("../lib/queue/connection");
const { runJobOptions } = await import("../lib/queue/run-queue");
const { getWorkerHealth } = await import("../lib/runs/worker-health");
const { createIngester } = await import("../lib/webhooks/ingest");
const { createHookHandler } = await import("../lib/webhooks/handle-hook");
const { startFakeWeeek } = await import("../test/support/fakes/weeek");
const { buildKlientiksWeeekDefinition } = await import("../test/support/fixtures/seed-definition");

const REDIS_URL = process.env.REDIS_URL!;
const httpClient = createOutboundHttp({ allowlist: "127.0.0.1" });
let counting: CountingServer;
let userId: string;
let pipeline: { id: string; webhookToken: string };

beforeAll(async () => {
  counting = await startCountingServer();
  userId = await createTestUser();
  pipeline = await createRunningPipeline(userId, threeStepDefinition(`${counting.url}/w`));
});
afterAll(async () => {
  await counting.close();
  await closeDb();
});

function privateQueueName() {
  return `test-runs-${randomUUID()}`;
}

async function status(runId: string) {
  return (await prisma.run.findUniqueOrThrow({ where: { id: runId } })).status;
}

async function waitStatus(ids: string[], want: string, timeoutMs: number) {
  await waitFor(
    async () => (await prisma.run.count({ where: { id: { in: ids }, status: want as "SUCCEEDED" } })) === ids.length,
    timeoutMs,
    `${ids.length} run(s) ${want}`,
  );
}

describe("runs worker", () => {
  it("a new user's flow: «Добавление клиента» GET to /hooks/<token> → contact in Weeek, run SUCCEEDED with its steps", async () => {
    const weeek = await startFakeWeeek({ token: WEEEK_TOKEN });
    const owner = await createTestUser();
    const statusId = weeek.state.funnels[0].statuses[0].id;
    // The contact part of the seed's pipeline (the deal steps need appointment fields this event has not).
    const full = await createSeedPipeline(owner, weeek.url, statusId);
    const def = buildKlientiksWeeekDefinition({ baseUrl: weeek.url, statusId, credentialName: "Weeek API" });
    const p = await createRunningPipeline(owner, { ...def, steps: def.steps.slice(0, 3) });
    const queueName = privateQueueName();
    const w = startRunsWorker({ redisUrl: REDIS_URL, queueName, concurrency: 10, executor: { http: httpClient }, maintenance: false, heartbeat: false });
    const ingester = createIngester({
      enqueue: async (ids) => {
        await w.queue.addBulk(ids.map((runId) => ({ name: "run", data: { runId }, opts: { ...runJobOptions, jobId: runId } })));
      },
    });
    const handler = createHookHandler({ ingester: () => ingester });
    const server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const query =
        "client_id=1842&client_phone=%2B79991234567&client_name=%D0%98%D0%B2%D0%B0%D0%BD%20%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2" +
        "&client_first_name=%D0%98%D0%B2%D0%B0%D0%BD&client_patron_name=&client_second_name=%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2" +
        "&client_deleted=0&client_email=ivan%40example.ru";
      const res = await fetch(`${origin}/hooks/${p.webhookToken}?${query}`);
      expect(res.status).toBe(200);
      const { runId } = (await res.json()) as { runId: string };
      await waitStatus([runId], "SUCCEEDED", 15_000);
      expect(weeek.state.contacts).toEqual([expect.objectContaining({ firstName: "Иван", lastName: "Петров", phones: ["+79991234567"] })]);
      const steps = await prisma.runStep.findMany({ where: { runId }, orderBy: { position: "asc" } });
      expect(steps.map((s) => s.stepId)).toEqual(["compose_contact", "create_contact", "parse_contact"]);
      expect(steps.every((s) => s.input !== null && s.output !== null)).toBe(true);
      expect(JSON.stringify(steps)).not.toContain(WEEEK_TOKEN);

      // The full 8-step pipeline needs the appointment's fields: this event makes it fail, visibly, at the deal.
      const res2 = await fetch(`${origin}/hooks/${full.webhookToken}?${query}`);
      const second = (await res2.json()) as { runId: string };
      await waitStatus([second.runId], "FAILED", 15_000);
      const failed = await prisma.run.findUniqueOrThrow({ where: { id: second.runId } });
      expect(failed.failedStepId).toBe("compose_deal");
      expect(failed.error).toMatch(/^Шаг 4 «Данные сделки»/);
    } finally {
      server.closeAllConnections();
      server.close();
      await w.close();
      await w.queue.obliterate({ force: true }).catch(() => undefined);
      await weeek.close();
    }
  });

  it("executes enqueued runs, reports health, and finishes in-flight runs on close", async () => {
    const queueName = privateQueueName();
    const w = startRunsWorker({
      redisUrl: REDIS_URL,
      queueName,
      concurrency: 20,
      executor: { http: httpClient },
      maintenance: false,
      heartbeat: { intervalMs: 200 },
    });
    try {
      const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => insertRun(pipeline.id, userId, { name: `p${i}` })));
      await w.queue.addBulk(ids.map((runId) => ({ name: "run", data: { runId }, opts: { ...runJobOptions, jobId: runId } })));
      await waitStatus(ids, "SUCCEEDED", 15_000);

      const conn = redisConnection(REDIS_URL);
      const health = await waitFor(
        async () => {
          const h = await getWorkerHealth(conn);
          const mine = h.workers.find((x) => x.queue === queueName);
          return mine && mine.processed >= 30 ? mine : null;
        },
        5_000,
        "heartbeat",
      );
      expect(health).toMatchObject({ pid: process.pid, concurrency: 20 });
      conn.disconnect();

      // An in-flight run (slow outside call) still completes when the worker is asked to stop.
      const slowPipeline = await createRunningPipeline(userId, threeStepDefinition(`${counting.url}/slow-close`));
      counting.slow.set("/slow-close", 1_500);
      const slowId = await insertRun(slowPipeline.id, userId, { name: "slow" });
      await w.queue.add("run", { runId: slowId }, { ...runJobOptions, jobId: slowId });
      await waitFor(async () => (counting.hits.get("/slow-close") ?? 0) > 0, 10_000, "the slow call to start");
      const closed = await w.close(10_000);
      expect(closed.clean).toBe(true);
      expect(await status(slowId)).toBe("SUCCEEDED");
    } finally {
      await w.close();
      const q = new Queue(queueName, { connection: redisConnection(REDIS_URL) });
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
  });

  it("reports how long runs waited in the queue: first attempts only, counted afresh after each report", async () => {
    const queueName = privateQueueName();
    const q = new Queue(queueName, { connection: redisConnection(REDIS_URL) });
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => insertRun(pipeline.id, userId, { name: `Ожидание ${i} ⏳` })));
    const enqueuedFrom = Date.now();
    await q.addBulk(ids.map((runId) => ({ name: "run", data: { runId }, opts: { ...runJobOptions, jobId: runId } })));
    // Queued on purpose for later (as a retry's backoff is): not a wait in the queue.
    const later = await insertRun(pipeline.id, userId, { name: "later" });
    await q.add("run", { runId: later }, { ...runJobOptions, jobId: later, delay: 300 });
    // A run that waits in «Задержка»: its first pass waited in the queue, its return after the
    // pause did not.
    const paused = await createRunningPipeline(userId, waitThenPostDefinition(`${counting.url}/after-pause`));
    const resumed = await insertRun(paused.id, userId, { at: new Date(Date.now() + 2_000).toISOString() });
    await q.add("run", { runId: resumed }, { ...runJobOptions, jobId: resumed });
    // The runs sit in Redis for at least 300 ms before a worker exists to take them.
    await new Promise((r) => setTimeout(r, 300));
    const w = startRunsWorker({ redisUrl: REDIS_URL, queueName, concurrency: 5, executor: { http: httpClient }, maintenance: false, heartbeat: false });
    try {
      await waitStatus([...ids, later, resumed], "SUCCEEDED", 15_000);
      expect(counting.hits.get("/after-pause")).toBe(1);
      const wait = w.takeQueueWait();
      expect(wait).not.toBeNull();
      expect(wait!.runs).toBe(6);
      expect(wait!.p50).toBeGreaterThanOrEqual(300);
      // In milliseconds from the enqueue: no run can have waited longer than the test has run since.
      expect(wait!.max).toBeLessThanOrEqual(Date.now() - enqueuedFrom);
      expect(w.takeQueueWait()).toBeNull();
    } finally {
      await w.close();
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
  });

  it("the history writer gives every step row its own UUID; a step written again (a resumed run) keeps its row and id", async () => {
    const { createHistoryWriter } = await import("../lib/runs/history-writer");
    const { pool } = await import("../lib/pool");
    const w = createHistoryWriter({ pool });
    // A pipeline of its own: the run stays RUNNING, and other tests count the shared pipeline's unfinished runs.
    const own = await createRunningPipeline(userId, threeStepDefinition(`${counting.url}/ids`));
    const runId = await insertRun(own.id, userId, { name: "Анна «Маникюр» 💅" }, { status: "RUNNING", attempts: 1, startedAt: new Date() });
    const row = (stepId: string, position: number, output: unknown) => ({
      runId,
      stepId,
      position,
      actionType: "json-composer",
      name: "Данные «Клиент» 💅",
      status: "SUCCEEDED" as const,
      inputJson: "{}",
      outputJson: JSON.stringify(output),
      error: null,
      attempts: 1,
      truncated: false,
      startedAt: new Date(),
      durationMs: 1,
    });
    const steps = () => prisma.runStep.findMany({ where: { runId }, orderBy: { position: "asc" } });
    // Rows go to Postgres as UTF-8 bytes (a binary json parameter): multi-byte text arrives intact.
    const composed = { phone: "+7 (999) 123-45-67", name: 'Анна «Маникюр» 💅\n"VIP"', sum: "1 500,00 ₽" };
    await w.commit([row("compose", 0, composed), row("post", 1, { id: 1 })]);
    const first = await steps();
    expect(first).toHaveLength(2);
    expect(first[0].name).toBe("Данные «Клиент» 💅");
    expect(first[0].output).toEqual(composed);
    for (const s of first) expect(s.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first[0].id).not.toBe(first[1].id);
    await w.commit([row("post", 1, { id: 2 })]);
    const again = await steps();
    expect(again.map((s) => s.id)).toEqual(first.map((s) => s.id));
    expect(again[1].output).toEqual({ id: 2 });
  });

  it("sweeper enqueues QUEUED runs missing from Redis; reaper re-queues or fails RUNNING runs nobody holds", async () => {
    const queueName = privateQueueName();
    const old = new Date(Date.now() - 10 * 60_000);
    const lost = await insertRun(pipeline.id, userId, { name: "lost" }, { receivedAt: old });
    const orphan = await insertRun(pipeline.id, userId, { name: "orphan" }, { receivedAt: old, status: "RUNNING", attempts: 1, startedAt: old });
    const hopeless = await insertRun(pipeline.id, userId, { name: "hopeless" }, { receivedAt: old, status: "RUNNING", attempts: 9, startedAt: old });
    const w = startRunsWorker({
      redisUrl: REDIS_URL,
      queueName,
      concurrency: 5,
      executor: { http: httpClient },
      maintenance: { sweepIntervalMs: 200, sweepMinAgeMs: 1_000, reapIntervalMs: 300, reapAfterMs: 60_000 },
      heartbeat: false,
      log: () => undefined,
    });
    try {
      await waitStatus([lost, orphan], "SUCCEEDED", 15_000);
      await waitStatus([hopeless], "FAILED", 5_000);
      const h = await prisma.run.findUniqueOrThrow({ where: { id: hopeless } });
      expect(h.error).toMatch(/прервано/);
      const o = await prisma.run.findUniqueOrThrow({ where: { id: orphan } });
      expect(o.attempts).toBe(2);
    } finally {
      await w.close();
      await w.queue.obliterate({ force: true }).catch(() => undefined);
    }
  });

  it("retries a crashing job with backoff and fails the run only after the last attempt", async () => {
    const queueName = privateQueueName();
    const credUser = await createTestUser();
    const def = {
      sourceFields: [],
      steps: [
        {
          id: "c",
          type: "json-composer",
          name: "С секретом",
          config: { mode: "template", template: '{ "k": "{{credentials["vault"]}}" }', fields: [], onMissing: "fail" },
        },
      ],
    };
    const p = await createRunningPipeline(credUser, def);
    let calls = 0;
    const w = startRunsWorker({
      redisUrl: REDIS_URL,
      queueName,
      concurrency: 5,
      executor: {
        http: httpClient,
        credentialTtlMs: 0,
        credentials: async (_u, names) => {
          calls++;
          if (names[0] === "vault") throw new Error("credential store unreachable");
          return {};
        },
      },
      maintenance: false,
      heartbeat: false,
      log: () => undefined,
    });
    try {
      const runId = await insertRun(p.id, credUser, {});
      await w.queue.add("run", { runId }, { ...runJobOptions, jobId: runId });
      await waitFor(async () => calls >= 2, 10_000, "a second attempt");
      expect(await status(runId)).toBe("RUNNING");
      await waitStatus([runId], "FAILED", 15_000);
      const run = await prisma.run.findUniqueOrThrow({ where: { id: runId } });
      expect(calls).toBe(3);
      expect(run.attempts).toBe(3);
      expect(run.error).toMatch(/Внутренняя ошибка обработчика \(попыток: 3\): credential store unreachable/);
    } finally {
      await w.close();
      await w.queue.obliterate({ force: true }).catch(() => undefined);
    }
  });

  it("Redis stopped while 200 webhooks arrive: all answered 200, all processed once Redis is back", async () => {
    const port = await freePort();
    let redis = await startPrivateRedis(port);
    const queueName = "runs";
    const w = startRunsWorker({
      redisUrl: redis.url,
      queueName,
      concurrency: 50,
      executor: { http: httpClient },
      maintenance: { sweepIntervalMs: 500, sweepMinAgeMs: 1_000 },
      heartbeat: false,
      log: () => undefined,
    });
    const enqueueConn = redisConnection(redis.url, { enableOfflineQueue: false });
    const enqueueQueue = new Queue(queueName, { connection: enqueueConn });
    enqueueQueue.on("error", () => undefined);
    const ingester = createIngester({
      enqueue: async (ids) => {
        await enqueueQueue.addBulk(ids.map((runId) => ({ name: "run", data: { runId }, opts: { ...runJobOptions, jobId: runId } })));
      },
    });
    const handler = createHookHandler({ ingester: () => ingester });
    const server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/${pipeline.webhookToken}`;
    try {
      // Before the outage: the worker works.
      const first = await (await fetch(`${base}?name=before`)).json();
      await waitStatus([first.runId], "SUCCEEDED", 10_000);

      await redis.stop();
      const replies = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const res = await fetch(`${base}?name=down${i}`);
          return { status: res.status, body: (await res.json()) as { runId: string } };
        }),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(200).fill(200));
      const ids = replies.map((r) => r.body.runId);
      expect(await prisma.run.count({ where: { id: { in: ids }, status: "QUEUED" } })).toBe(200);

      // Same port, empty data: the worker must reconnect and take new work by itself
      // (n8n-io/n8n#37581: a worker silently stopped fetching after Redis came back).
      await new Promise((r) => setTimeout(r, 1_000));
      redis = await startPrivateRedis(port);
      await waitStatus(ids, "SUCCEEDED", 30_000);
      // Without the sweeper, a new run is fetched only if the worker's own connection came back.
      await w.maintenance!.stop();
      // The ingest side's connection retries on its own schedule (up to 2 s apart); its enqueue
      // must reach Redis, or the new run would wait for a sweeper that is stopped.
      await waitFor(async () => enqueueConn.status === "ready", 15_000, "the ingest's Redis connection to be back");
      const after = await (await fetch(`${base}?name=after`)).json();
      await waitStatus([after.runId], "SUCCEEDED", 15_000);
      expect(await prisma.run.count({ where: { pipelineId: pipeline.id, status: { in: ["QUEUED", "RUNNING"] } } })).toBe(0);
    } finally {
      server.closeAllConnections();
      server.close();
      await enqueueQueue.close().catch(() => undefined);
      await w.close(5_000);
      await redis.stop();
    }
  }, 90_000);

  it("answers 503 when Postgres is unreachable", async () => {
    const port = await freePort();
    const deadPool = new pg.Pool({ connectionString: `postgresql://postgres@127.0.0.1:${port}/nope`, connectionTimeoutMillis: 1_000 });
    deadPool.on("error", () => undefined);
    const ingester = createIngester({ pool: () => deadPool, enqueue: async () => undefined });
    const handler = createHookHandler({ ingester: () => ingester });
    const server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/${pipeline.webhookToken}?name=x`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ a: 1 }),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
    } finally {
      server.close();
      await deadPool.end();
    }
  });
});
