// Scale-out proof (npx tsx bench/scale-out.ts; bench/README.md "Scale out"):
//   A. 1 web process (HOOKFLOW_MODE=ingest) + 1 worker;
//   B. 2 web processes in ingest-only mode sharing one port (node:cluster, bench/cluster-web.mjs)
//      + 3 worker processes;
// all sharing one Redis and one Postgres. Each configuration gets BENCH_SCALE_EVENTS (20,000)
// webhooks for its own 3-step pipeline (compose → POST to a counting fake CRM → parse) after a
// 1,000-request warm-up, then checks from the database and the fake CRM:
//   - 0 lost: every 200 answered carries a distinct run id, and the pipeline has exactly those runs;
//   - 0 executed twice: every run SUCCEEDED with attempts = 1, has its 3 RunStep rows, and the fake
//     CRM received its Idempotency-Key (runId:post) exactly once;
// and prints the throughput per configuration (first request → last run finished) and how the
// runs were spread over the workers (their Redis heartbeats). Exits 1 when a check fails.
import path from "node:path";
import { Redis } from "ioredis";
import {
  REDIS_URL,
  ROOT,
  WEEEK_TOKEN,
  dbUrl,
  emptyQueue,
  freePort,
  hookClient,
  hookflowCommand,
  load,
  log,
  prepare,
  rssMb,
  start,
  startEchoServer,
  threeQuery,
  waitDone,
  type PipelineRef,
  type Proc,
  type Target,
} from "./common";
import { startFakeWeeek } from "../test/support/fakes/weeek";

const EVENTS = Number(process.env.BENCH_SCALE_EVENTS ?? 20_000);
const WARMUP = Number(process.env.BENCH_SCALE_WARMUP ?? 1_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 128);
// 5 processes share the Postgres server's max_connections with everything else on the machine.
const POOL_MAX = process.env.PG_POOL_MAX ?? "8";

log(`load average ${load()}`);

// The fake CRM counts every Idempotency-Key it sees.
const seen = new Map<string, number>();
let crmRequests = 0;
const crm = await startEchoServer("/crm", (req) => {
  crmRequests++;
  const key = req.headers["idempotency-key"];
  if (typeof key === "string") seen.set(key, (seen.get(key) ?? 0) + 1);
});
const crmUrl = crm.url;
const weeek = await startFakeWeeek({ token: WEEEK_TOKEN });

const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const target: Target = prepare("scale-out", ROOT, dbUrl("_scale"), { echo: crmUrl, weeek: weeek.url, weeekStatus: weeek.state.funnels[0].statuses[0].id });
await emptyQueue(redis, "runs");
const cmd = hookflowCommand(ROOT);
const env = { DATABASE_URL: target.db, REDIS_URL, OUTBOUND_ALLOWLIST: "127.0.0.1", NODE_ENV: "production", PG_POOL_MAX: POOL_MAX };
const { hook, close: closeClient } = hookClient(CONNECTIONS);

type Outcome = { label: string; runsPerSec: number; ok: boolean; lost: number; twice: number; problems: string[]; perWorker: number[]; peakRss: number };

async function send(port: number, p: PipelineRef, n: number, offset: number, ids: string[]): Promise<number> {
  let next = 0;
  let non200 = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < n) {
        const i = next++;
        const r = await hook(port, p.webhookToken, threeQuery(offset + i));
        if (r.status === 200 && r.runId) ids.push(r.runId);
        else non200++;
      }
    }),
  );
  return non200;
}

async function configuration(label: string, webs: number, workers: number, p: PipelineRef): Promise<Outcome> {
  const port = await freePort();
  const procs: Proc[] = [];
  const webEnv = { ...env, PORT: String(port), HOOKFLOW_MODE: "ingest", WEB_PROCESSES: String(webs) };
  procs.push(
    webs === 1
      ? start(`${label} web`, cmd("server"), ROOT, webEnv, /listening/)
      : start(`${label} web ×${webs}`, [path.join(ROOT, "bench", "cluster-web.mjs"), ...cmd("server")], ROOT, webEnv, /listening/, webs),
  );
  for (let i = 0; i < workers; i++) procs.push(start(`${label} worker ${i + 1}`, cmd("worker"), ROOT, env, /\[worker\] ready/));
  await Promise.all(procs.map((x) => x.ready));
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(
      peakRss,
      procs.reduce((sum, x) => sum + rssMb(x.child.pid, true), 0),
    );
  }, 250);
  const problems: string[] = [];
  try {
    seen.clear();
    crmRequests = 0;
    const ids: string[] = [];
    let non200 = await send(port, p, WARMUP, 0, ids);
    await waitDone(target.pool, p.id, ids.length);
    const t0 = Date.now();
    non200 += await send(port, p, EVENTS, WARMUP, ids);
    const { lastFinished } = await waitDone(target.pool, p.id, ids.length);
    const runsPerSec = EVENTS / ((lastFinished - t0) / 1000);
    // Heartbeats refresh every 5 s: wait until they account for every run (or 12 s).
    let perWorker: number[] = [];
    for (let i = 0; i < 60; i++) {
      const keys = await redis.keys("hookflow:workers:*");
      const beats = keys.length ? ((await redis.mget(keys)).filter(Boolean).map((v) => JSON.parse(v!)) as { pid: number; processed: number }[]) : [];
      const mine = beats.filter((b) => procs.slice(1).some((x) => x.output().includes(`pid ${b.pid})`)));
      perWorker = mine.map((b) => b.processed).sort((a, b) => b - a);
      if (perWorker.reduce((a, b) => a + b, 0) >= ids.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    // ── checks ──
    const sent = WARMUP + EVENTS;
    if (non200) problems.push(`${non200} of ${sent} requests were not answered 200`);
    if (new Set(ids).size !== ids.length) problems.push(`${ids.length - new Set(ids).size} run ids answered twice`);
    const rows = await target.pool.query<{ id: string; status: string; attempts: number; steps: string }>(
      `SELECT r.id, r.status, r.attempts, (SELECT count(*) FROM "RunStep" s WHERE s."runId" = r.id) AS steps
         FROM "Run" r WHERE r."pipelineId" = $1`,
      [p.id],
    );
    const byId = new Map(rows.rows.map((r) => [r.id, r]));
    const lost = ids.filter((id) => !byId.has(id)).length;
    const extra = rows.rows.length - ids.filter((id) => byId.has(id)).length;
    const notSucceeded = rows.rows.filter((r) => r.status !== "SUCCEEDED").length;
    const attemptsNot1 = rows.rows.filter((r) => r.attempts !== 1).length;
    const incomplete = rows.rows.filter((r) => Number(r.steps) !== 3).length;
    const keysNot1 = ids.filter((id) => seen.get(`${id}:post`) !== 1).length;
    const crmExtra = crmRequests - ids.length;
    const twice = ids.filter((id) => (seen.get(`${id}:post`) ?? 0) > 1 || (byId.get(id)?.attempts ?? 0) > 1).length;
    if (lost) problems.push(`${lost} answered runs missing from the database (lost)`);
    if (extra) problems.push(`${extra} runs in the database nobody was answered for`);
    if (notSucceeded) problems.push(`${notSucceeded} runs not SUCCEEDED`);
    if (attemptsNot1) problems.push(`${attemptsNot1} runs with attempts ≠ 1 (executed twice)`);
    if (incomplete) problems.push(`${incomplete} runs without exactly 3 history rows`);
    if (keysNot1) problems.push(`${keysNot1} runs whose POST the CRM did not see exactly once`);
    if (crmExtra) problems.push(`the CRM received ${crmExtra} requests more than there are runs`);
    log(
      `${label}: ${sent} events (${WARMUP} warm-up) → ${rows.rows.length} runs; lost ${lost}, executed twice ${twice}, ` +
        `CRM requests ${crmRequests}; ${EVENTS} measured at ${runsPerSec.toFixed(0)} runs/s end to end; runs per worker ${perWorker.join(" / ")}; ` +
        `peak RSS of all processes ${peakRss.toFixed(0)} MB  [load ${load()}]` +
        (problems.length ? `\n  PROBLEMS: ${problems.join("; ")}` : "  ✓"),
    );
    return { label, runsPerSec, ok: problems.length === 0, lost, twice, problems, perWorker, peakRss };
  } finally {
    clearInterval(sampler);
    await Promise.all(procs.map((x) => x.stop()));
  }
}

let failed = false;
try {
  const a = await configuration("1 web + 1 worker", 1, 1, target.pipelines.three);
  await emptyQueue(redis, "runs");
  const b = await configuration("2 web + 3 workers", 2, 3, target.pipelines.ceiling);
  failed = !a.ok || !b.ok;
  log(
    `summary (load average now ${load()}):\n` +
      `| configuration | events | lost | executed twice | runs/s end to end | runs per worker | peak RSS, all processes |\n|---|---|---|---|---|---|---|\n` +
      [a, b]
        .map(
          (o) =>
            `| ${o.label} | ${WARMUP + EVENTS} | ${o.lost} | ${o.twice} | ${o.runsPerSec.toFixed(0)} | ${o.perWorker.join(" / ")} | ${o.peakRss.toFixed(0)} MB |`,
        )
        .join("\n") +
      `\n2 web + 3 workers / 1 + 1: ${(b.runsPerSec / a.runsPerSec).toFixed(2)}`,
  );
} finally {
  closeClient();
  crm.close();
  await weeek.close();
  redis.disconnect();
  await target.pool.end();
  setTimeout(() => process.exit(failed ? 1 : 0), 500).unref();
}
