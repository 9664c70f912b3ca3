// Would time-partitioned runs tables pay? (npx tsx bench/partitions.ts; docs/scaling.md)
//
// Generates BENCH_PART_RUNS runs (default 1,000,000) received over BENCH_PART_DAYS (30) days, each
// with 3 RunStep rows, in the real schema (its indexes incl. the GIN on searchTerms), and a copy in
// daily range partitions of "receivedAt" (primary key (id, "receivedAt"); RunStep carries the
// run's receivedAt and is partitioned the same way). Then measures, on the same data:
//   1. retention of the oldest day: the batched DELETE lib/runs/prune-runs.ts runs (1,000 runs per
//      statement, cascading to RunStep) + the VACUUM that makes the space reusable, versus DROP of
//      that day's two partitions — time and WAL written;
//   2. what partitioning costs on the hot path: a batch of 200 runs looked up by id (the worker's
//      load, the history page's detail) without the partition key — every partition's index is
//      probed — versus one table; and a 200-row INSERT batch (ingest).
import { performance } from "node:perf_hooks";
import { ROOT, dbUrl, load, log, prepare } from "./common";

const RUNS = Number(process.env.BENCH_PART_RUNS ?? 1_000_000);
const DAYS = Number(process.env.BENCH_PART_DAYS ?? 30);
const CHUNK = 100_000;

log(`load average ${load()}`);
const t = prepare("partitions", ROOT, dbUrl("_part"), { echo: "http://127.0.0.1:9/x", weeek: "http://127.0.0.1:9", weeekStatus: "1" });
const db = t.pool;
const p = t.pipelines.three;
const q = (sql: string, params: unknown[] = []) => db.query(sql, params);

async function timed<T>(label: string, fn: () => Promise<T>): Promise<{ ms: number; wal: number; value: T }> {
  const w0 = (await q("SELECT pg_current_wal_lsn() AS l")).rows[0].l;
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const wal = Number((await q("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS d", [w0])).rows[0].d);
  log(`${label}: ${(ms / 1000).toFixed(2)} s, WAL ${(wal / 1024 / 1024).toFixed(1)} MB  [load ${load()}]`);
  return { ms, wal, value };
}

// ── data ─────────────────────────────────────────────────────────────────────────────────────

const start = Date.now() - DAYS * 86_400_000;
await timed(`generate ${RUNS} runs + ${RUNS * 3} steps over ${DAYS} days`, async () => {
  for (let from = 0; from < RUNS; from += CHUNK) {
    const n = Math.min(CHUNK, RUNS - from);
    await q(
      `WITH g AS (
         SELECT gen_random_uuid() AS id, i,
                to_timestamp(($3::float8 + i::float8 * $4::float8) / 1000) AT TIME ZONE 'UTC' AS at
         FROM generate_series($1::int, $1::int + $2::int - 1) AS i
       ), runs AS (
         INSERT INTO "Run" (id, "pipelineId", "userId", version, status, method, query, headers, payload,
                            "sizeBytes", attempts, "receivedAt", "startedAt", "finishedAt", "durationMs", "searchTerms")
         SELECT g.id, p.id, p."userId", 1, 'SUCCEEDED', 'GET',
                json_build_object('name', 'Клиент ' || g.i, 'phone', '+7999' || lpad(g.i::text, 7, '0')),
                '{"host":"example.ru","user-agent":"klientiks/1.0","accept":"*/*"}'::jsonb,
                json_build_object('name', 'Клиент ' || g.i, 'phone', '+7999' || lpad(g.i::text, 7, '0'),
                                  'email', 'client' || g.i || '@example.ru', 'services', 'Стрижка', 'cost', '1500'),
                180, 1, g.at, g.at, g.at + interval '40 ms', 40,
                ARRAY['клиент ' || g.i, '+7999' || lpad(g.i::text, 7, '0'), '7999' || lpad(g.i::text, 7, '0'),
                      'client' || g.i || '@example.ru', 'стрижка', '1500']
         FROM g, "Pipeline" p WHERE p.id = $5::uuid
         RETURNING id, "receivedAt"
       )
       INSERT INTO "RunStep" (id, "runId", "stepId", position, "actionType", name, status, input, output, "startedAt", "durationMs")
       SELECT gen_random_uuid(), runs.id, s.step, s.pos, s.type, s.step, 'SUCCEEDED',
              json_build_object('result', json_build_object('name', 'x', 'phone', '+79990000000')),
              json_build_object('status', 200, 'body', json_build_object('ok', true, 'n', 1)), runs."receivedAt", 10
       FROM runs, (VALUES ('compose', 0, 'json-composer'), ('post', 1, 'http-request'), ('parse', 2, 'json-parser')) AS s(step, pos, type)`,
      [from, n, start, (DAYS * 86_400_000) / RUNS, p.id],
    );
  }
});
await q(`VACUUM ANALYZE "Run"`);
await q(`VACUUM ANALYZE "RunStep"`);

await timed("copy into daily partitions", async () => {
  await q(`DROP TABLE IF EXISTS run_steps_p, runs_p`);
  await q(`CREATE TABLE runs_p (LIKE "Run" INCLUDING DEFAULTS) PARTITION BY RANGE ("receivedAt")`);
  await q(`CREATE TABLE run_steps_p (LIKE "RunStep" INCLUDING DEFAULTS, "receivedAt" timestamp(3) NOT NULL) PARTITION BY RANGE ("receivedAt")`);
  for (let d = -1; d <= DAYS + 1; d++) {
    const from = new Date(start + d * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(start + (d + 1) * 86_400_000).toISOString().slice(0, 10);
    await q(`CREATE TABLE runs_p_${d + 1} PARTITION OF runs_p FOR VALUES FROM ('${from}') TO ('${to}')`);
    await q(`CREATE TABLE run_steps_p_${d + 1} PARTITION OF run_steps_p FOR VALUES FROM ('${from}') TO ('${to}')`);
  }
  await q(`INSERT INTO runs_p SELECT * FROM "Run"`);
  await q(`INSERT INTO run_steps_p SELECT s.*, r."receivedAt" FROM "RunStep" s JOIN "Run" r ON r.id = s."runId"`);
  await q(`ALTER TABLE runs_p ADD PRIMARY KEY (id, "receivedAt")`);
  await q(`CREATE INDEX ON runs_p ("userId", "receivedAt" DESC, id)`);
  await q(`CREATE INDEX ON runs_p ("pipelineId", "receivedAt" DESC, id)`);
  await q(`CREATE INDEX ON runs_p (status, "receivedAt")`);
  await q(`CREATE INDEX ON runs_p USING gin ("searchTerms")`);
  await q(`CREATE INDEX ON runs_p ("rerunOfId")`);
  await q(`ALTER TABLE runs_p ADD FOREIGN KEY ("pipelineId") REFERENCES "Pipeline" (id) ON DELETE CASCADE`);
  await q(`ALTER TABLE runs_p ADD FOREIGN KEY ("userId") REFERENCES "User" (id) ON DELETE CASCADE`);
  await q(`ALTER TABLE run_steps_p ADD PRIMARY KEY (id, "receivedAt")`);
  await q(`CREATE UNIQUE INDEX ON run_steps_p ("runId", "stepId", "receivedAt")`);
  await q(`ALTER TABLE run_steps_p ADD FOREIGN KEY ("runId", "receivedAt") REFERENCES runs_p (id, "receivedAt") ON DELETE CASCADE`);
  await q(`VACUUM ANALYZE runs_p`);
  await q(`VACUUM ANALYZE run_steps_p`);
});

const size = async (rel: string) => (await q(`SELECT pg_size_pretty(pg_total_relation_size($1)) AS s`, [rel])).rows[0].s;
log(`sizes: "Run" ${await size('"Run"')}, "RunStep" ${await size('"RunStep"')}, runs_p + run_steps_p (partitioned) — same rows`);

// ── 1. retention of the oldest day ───────────────────────────────────────────────────────────

const cutoff = new Date(start + 86_400_000).toISOString().slice(0, 10);
const perDay = Number((await q(`SELECT count(*) AS n FROM "Run" WHERE "receivedAt" < $1`, [cutoff])).rows[0].n);
const del = await timed(`DELETE the oldest day (${perDay} runs, ${perDay * 3} steps) in batches of 1000 like prune-runs.ts`, async () => {
  let n = 0;
  for (;;) {
    const r = await q(
      `DELETE FROM "Run" WHERE id IN (SELECT id FROM "Run" WHERE "pipelineId" = $1 AND "receivedAt" < $2 AND status NOT IN ('QUEUED','RUNNING')
         ORDER BY "receivedAt" LIMIT 1000 FOR UPDATE SKIP LOCKED)`,
      [p.id, cutoff],
    );
    n += r.rowCount ?? 0;
    if (!r.rowCount) return n;
  }
});
const vac = await timed(`VACUUM "Run" + "RunStep" afterwards (makes the space reusable)`, async () => {
  await q(`VACUUM "Run"`);
  await q(`VACUUM "RunStep"`);
});
const drop = await timed(`DROP the oldest day's partitions (runs_p + run_steps_p)`, async () => {
  await q(`DROP TABLE run_steps_p_1, run_steps_p_0`);
  // A partition that a foreign key references is detached (the check finds no referencing rows) first.
  for (const part of ["runs_p_0", "runs_p_1"]) {
    await q(`ALTER TABLE runs_p DETACH PARTITION ${part}`);
    await q(`DROP TABLE ${part}`);
  }
});

// ── 2. hot-path costs of partitioning ────────────────────────────────────────────────────────

const ids = (await q(`SELECT id FROM "Run" ORDER BY random() LIMIT 20000`)).rows.map((r) => r.id as string);
async function lookups(table: string): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < 100; i++) await q(`SELECT id, status, payload FROM ${table} WHERE id = ANY($1::uuid[])`, [ids.slice(i * 200, i * 200 + 200)]);
  return (performance.now() - t0) / 100;
}
await lookups('"Run"');
await lookups("runs_p");
const lookPlain = await lookups('"Run"');
const lookPart = await lookups("runs_p");
log(
  `200 runs by id (the worker's batched load): one table ${lookPlain.toFixed(1)} ms, ${DAYS + 1} partitions ${lookPart.toFixed(1)} ms per statement (×${(lookPart / lookPlain).toFixed(1)})`,
);

async function inserts(table: string): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) {
    await q(
      `INSERT INTO ${table} (id, "pipelineId", "userId", version, status, method, payload, "searchTerms", "receivedAt")
       SELECT gen_random_uuid(), $1, $2, 1, 'QUEUED', 'GET', '{"name":"x"}'::json, ARRAY['x', '79990000000'], now() AT TIME ZONE 'UTC'
       FROM generate_series(1, 200)`,
      [p.id, (await q(`SELECT "userId" FROM "Pipeline" WHERE id = $1`, [p.id])).rows[0].userId],
    );
  }
  return (performance.now() - t0) / 20;
}
await inserts('"Run"');
await inserts("runs_p");
const insPlain = await inserts('"Run"');
const insPart = await inserts("runs_p");
log(`200-row INSERT (ingest batch): one table ${insPlain.toFixed(1)} ms, partitioned ${insPart.toFixed(1)} ms`);

log(
  `summary (load average now ${load()}), ${RUNS} runs over ${DAYS} days, retention of one day (${perDay} runs):\n` +
    `| | time | WAL |\n|---|---|---|\n` +
    `| batched DELETE (prune-runs) | ${(del.ms / 1000).toFixed(1)} s | ${(del.wal / 1048576).toFixed(0)} MB |\n` +
    `| VACUUM after it | ${(vac.ms / 1000).toFixed(1)} s | ${(vac.wal / 1048576).toFixed(0)} MB |\n` +
    `| DROP partition | ${(drop.ms / 1000).toFixed(2)} s | ${(drop.wal / 1048576).toFixed(2)} MB |\n` +
    `hot path: 200 runs by id ${lookPlain.toFixed(1)} → ${lookPart.toFixed(1)} ms; 200-row INSERT ${insPlain.toFixed(1)} → ${insPart.toFixed(1)} ms; ` +
    `DELETE throughput ${(perDay / (del.ms / 1000)).toFixed(0)} runs/s`,
);
await db.end();
process.exit(0);
