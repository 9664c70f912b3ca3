// Flow control with real worker processes: «Задержка» survives kill -9 (each waiting run continues
// once, at its time); three workers keep «не чаще 5 в секунду» to one host; 80 events at once to the
// Битрикс24 template against a portal with Bitrix24's leaky bucket all succeed.
// A database and a redis-server of their own (see worker-faults.itest.ts for why).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Queue } from "bullmq";
import {
  createRunningPipeline,
  createTestUser,
  freePort,
  insertRun,
  spawnWorker,
  startPrivateRedis,
  usePrivateDatabase,
  waitFor,
  waitThenPostDefinition,
} from "../support/worker-helpers";
import type { PipelineDefinition } from "../../lib/definition/schema";
import { startFakeBitrix, type FakeBitrix } from "../support/fakes/bitrix24";

const DATABASE_URL = usePrivateDatabase("flow_workers");

const { prisma, closeDb } = await import("../../lib/db");
const { redisConnection } = await import("../../lib/queue/connection");
const { RUNS_QUEUE, runJobOptions } = await import("../../lib/queue/run-queue");
const { createCredential } = await import("../../lib/credentials/create-credential");
const { buildBitrixLeadDefinition } = await import("../../lib/starter-kits/klientiks-bitrix24");

const privateRedis = await startPrivateRedis(await freePort());
const REDIS_URL = privateRedis.url;
let userId: string;
let queue: Queue;

function workerEnv(concurrency = 100): Record<string, string> {
  return { DATABASE_URL, REDIS_URL, OUTBOUND_ALLOWLIST: "127.0.0.1", WORKER_CONCURRENCY: String(concurrency), NODE_ENV: "test" };
}

async function enqueue(ids: string[]) {
  await queue.addBulk(ids.map((runId) => ({ name: "run", data: { runId }, opts: { ...runJobOptions, jobId: runId } })));
}

/**
 * A destination that records when each request arrived (test/support/fakes/timed-server.mjs, a process of
 * its own); over `perSecond` in the last second → 429.
 */
async function startTimedServer(perSecond = Infinity) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL("../support/fakes/timed-server.mjs", import.meta.url)), Number.isFinite(perSecond) ? String(perSecond) : "inf"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`timed server exited (${code})`)));
  });
  const url = `http://127.0.0.1:${port}`;
  type Record = { arrivals: { at: number; key: string }[]; rejected: number };
  const record = async (): Promise<Record> => (await fetch(`${url}/__arrivals`)).json() as Promise<Record>;
  return {
    url,
    arrivals: async () => (await record()).arrivals,
    rejected: async () => (await record()).rejected,
    close: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once("exit", () => r());
        child.kill("SIGTERM");
      }),
  };
}

/** The most requests that arrived within any 1,000 ms. */
function maxPerSecond(arrivals: { at: number }[]): number {
  const t = arrivals.map((a) => a.at).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

beforeAll(async () => {
  userId = await createTestUser();
  queue = new Queue(RUNS_QUEUE, { connection: redisConnection(REDIS_URL) });
  await queue.obliterate({ force: true });
});
afterAll(async () => {
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await closeDb();
  await privateRedis.stop();
});

describe("flow control in worker processes", () => {
  it("kill -9 while runs wait in «Задержка»: each continues once, at its time", async () => {
    const dest = await startTimedServer();
    const def = waitThenPostDefinition(`${dest.url}/remind`, '{"n": "{{source.n}}"}');
    const p = await createRunningPipeline(userId, def);
    const first = spawnWorker(workerEnv());
    // The times count from a worker that is up: on a busy machine starting one can take longer
    // than the first wait, and a time already past does not wait at all.
    await waitFor(async () => first.pid() !== undefined, 90_000, `the worker's ready line (log: ${first.output()})`);
    const base = Date.now();
    // Times spread over the crash: the first comes due while no worker is alive.
    const offsets = [9_000, 14_000, 20_000, 26_000];
    const runs = await Promise.all(
      offsets.map((ms, n) => insertRun(p.id, userId, { n: String(n), at: new Date(base + ms).toISOString() }).then((id) => ({ id, at: base + ms }))),
    );
    try {
      await enqueue(runs.map((r) => r.id));
      await waitFor(
        async () => (await prisma.run.count({ where: { id: { in: runs.map((r) => r.id) }, status: "WAITING" } })) === runs.length,
        30_000,
        `runs WAITING (log: ${first.output()})`,
      );
      const waiting = await prisma.run.findMany({ where: { id: { in: runs.map((r) => r.id) } } });
      for (const r of runs) expect(waiting.find((w) => w.id === r.id)!.waitUntil!.getTime()).toBe(r.at);
      expect(await dest.arrivals()).toEqual([]);
      first.kill("SIGKILL");
      await first.gone();
    } finally {
      first.kill("SIGKILL");
    }
    // Stay dead until the first run's time has passed.
    await waitFor(async () => Date.now() > runs[0].at + 500, 20_000, "the first run's time");
    const second = spawnWorker(workerEnv());
    try {
      await waitFor(async () => second.pid() !== undefined, 90_000, `the second worker's ready line (log: ${second.output()})`);
      const secondReadyAt = Date.now();
      await waitFor(
        async () => (await prisma.run.count({ where: { id: { in: runs.map((r) => r.id) }, status: "SUCCEEDED" } })) === runs.length,
        60_000,
        `all runs to finish (log: ${second.output()})`,
      );
      const arrivals = await dest.arrivals();
      expect(arrivals.length).toBe(runs.length);
      for (const r of runs) {
        const hits = arrivals.filter((a) => a.key === `${r.id}:post`);
        expect(hits.length).toBe(1);
        expect(hits[0].at).toBeGreaterThanOrEqual(r.at);
        // At its time: the delayed job wakes it (the one due during the outage: when a worker is back).
        // (Punctuality is only asked of runs that fell due with the new worker already up.)
        if (r.at > secondReadyAt) expect(hits[0].at - r.at).toBeLessThan(5_000);
      }
      const steps = await prisma.runStep.findMany({ where: { runId: { in: runs.map((r) => r.id) } } });
      expect(steps.every((s) => s.status === "SUCCEEDED")).toBe(true);
      expect(steps.length).toBe(runs.length * 2);
    } finally {
      second.kill("SIGTERM");
      await second.gone();
      await dest.close();
    }
  }, 240_000);

  it("three workers, 200 runs to one host limited to 5/s: at most 5 requests in any second, all succeed", async () => {
    const dest = await startTimedServer(5);
    const def: PipelineDefinition = {
      sourceFields: [],
      steps: [
        {
          id: "post",
          type: "http-request",
          name: "Отправить",
          config: { method: "POST", url: `${dest.url}/limited`, bodyType: "json", bodyJson: '{"phone": "{{source.phone}}"}', rateLimitPerSecond: 5 },
        },
      ],
    };
    const p = await createRunningPipeline(userId, def);
    const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => insertRun(p.id, userId, { phone: `+7 (999) 000-${String(i).padStart(4, "0")}` })));
    const workers = [spawnWorker(workerEnv()), spawnWorker(workerEnv()), spawnWorker(workerEnv())];
    try {
      await enqueue(ids);
      await waitFor(
        async () => (await prisma.run.count({ where: { id: { in: ids }, status: { in: ["SUCCEEDED", "FAILED"] } } })) === 200,
        120_000,
        `200 runs (logs: ${workers.map((w) => w.output().slice(-2000)).join("\n---\n")})`,
      );
      expect(await prisma.run.count({ where: { id: { in: ids }, status: "SUCCEEDED" } })).toBe(200);
      // Each run's request arrived once (a 429 from the fake would have made it twice).
      const arrivals = await dest.arrivals();
      expect(await dest.rejected()).toBe(0);
      expect(arrivals.length).toBe(200);
      expect(new Set(arrivals.map((a) => a.key)).size).toBe(200);
      expect(maxPerSecond(arrivals)).toBeLessThanOrEqual(5);
      console.log(
        `[rate] 200 requests over ${((Math.max(...arrivals.map((a) => a.at)) - Math.min(...arrivals.map((a) => a.at))) / 1000).toFixed(1)} s, max ${maxPerSecond(arrivals)} in any second`,
      );
    } finally {
      for (const w of workers) w.kill("SIGTERM");
      await Promise.all(workers.map((w) => w.gone()));
      await dest.close();
    }
  }, 180_000);

  it("80 Klientiks events at once → the Битрикс24 template against Bitrix24's leaky bucket: all 80 SUCCEEDED", async () => {
    const bitrix: FakeBitrix = await startFakeBitrix({ user: "1", code: "k7f2x9q1w3e5r7t9", limit: { burst: 50, perSecond: 2 } });
    const credentialName = "Битрикс24 вебхук";
    await createCredential({ userId, name: credentialName, secret: bitrix.webhookUrl });
    const p = await createRunningPipeline(userId, buildBitrixLeadDefinition({ credentialName, klientiksEvent: "appointment_created" }));
    const names = ["Мария Иванова", "Ольга «Оля» Петрова", "Анна-Мария Сидорова 💇", "Елена\nКузнецова", ""];
    const ids = await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        insertRun(p.id, userId, {
          client_id: String(5000 + i),
          client_phone: i % 7 === 0 ? "" : `+7 (9${String(i).padStart(2, "0")}) 123-45-67`,
          client_name: names[i % names.length],
          appointment_id: String(90_000 + i),
          appointment_date: "2026-12-01",
          appointment_time: "15:30",
          appointment_price: "1 500,00",
          appointment_comment: i % 3 === 0 ? 'Клиент просил "не звонить"' : "",
        }),
      ),
    );
    const worker = spawnWorker(workerEnv(100));
    let other: NodeJS.Timeout | undefined;
    try {
      await waitFor(async () => worker.output().includes("[worker] ready"), 30_000, `the worker to start (${worker.output()})`);
      // Another integration shares the portal: it has just filled the bucket and keeps sending
      // one request a second for a while, so our requests meet 503 QUERY_LIMIT_EXCEEDED.
      const send = (i: number) =>
        fetch(`${bitrix.webhookUrl}crm.lead.add.json`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ fields: { TITLE: `Другая интеграция ${i}` } }),
        }).then((r) => r.text());
      await Promise.all(Array.from({ length: 50 }, (_, i) => send(i)));
      let n = 50;
      other = setInterval(() => void (n < 70 ? send(n++) : clearInterval(other)), 1000);
      await enqueue(ids);
      await waitFor(
        async () => (await prisma.run.count({ where: { id: { in: ids }, status: { in: ["SUCCEEDED", "FAILED"] } } })) === 80,
        120_000,
        `80 runs (log: ${worker.output().slice(-2000)})`,
      );
      const failed = await prisma.run.findMany({ where: { id: { in: ids }, status: "FAILED" }, select: { error: true } });
      expect(failed.map((f) => f.error)).toEqual([]);
      expect(bitrix.leads.filter((l) => l.fields.SOURCE_DESCRIPTION === "Клиентикс").length).toBe(80);
      expect(bitrix.limited).toBeGreaterThan(0);
      console.log(`[bitrix] 80 leads, ${bitrix.limited} answered QUERY_LIMIT_EXCEEDED and retried`);
    } finally {
      clearInterval(other);
      worker.kill("SIGTERM");
      await worker.gone();
      await bitrix.close();
    }
  }, 180_000);
});
