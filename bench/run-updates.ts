// What the two Run updates of every run (start mark, final status) cost Postgres with each set of
// indexes (npx tsx bench/run-updates.ts; docs/scaling.md). In a scratch database with the real
// schema: BENCH_UPD_RUNS (20,000) QUEUED runs with 6 search terms each, then the history writer's
// statements — 200 runs per UPDATE … FROM json_to_recordset — first the start mark (RUNNING,
// attempts + 1, startedAt), then the finish (SUCCEEDED, finishedAt, durationMs); time, WAL and
// how many of the updates were HOT. Repeated per index variant, alternating, BENCH_UPD_ROUNDS (3).
import { performance } from "node:perf_hooks";
import { ROOT, dbUrl, load, log, prepare } from "./common";

const RUNS = Number(process.env.BENCH_UPD_RUNS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_UPD_ROUNDS ?? 3);
const t = prepare("run-updates", ROOT, dbUrl("_upd"), { echo: "http://127.0.0.1:9/x", weeek: "http://127.0.0.1:9", weeekStatus: "1" });
const q = (sql: string, params: unknown[] = []) => t.pool.query(sql, params);
const p = t.pipelines.three;
const userId = (await q(`SELECT "userId" FROM "Pipeline" WHERE id = $1`, [p.id])).rows[0].userId;

// Index sets: the one before RunSearch (GIN on Run."searchTerms", re-created by RESET), the schema
// as migrated now (no GIN on Run: search terms live in RunSearch, docs/history.md), and a variant.
const VARIANTS: Record<string, string[]> = {
  "GIN on Run (before RunSearch)": [],
  "no GIN on Run (as migrated)": [`DROP INDEX IF EXISTS "Run_searchTerms_idx"`],
  "no GIN, partial status + rerunOf indexes": [
    `DROP INDEX IF EXISTS "Run_searchTerms_idx"`,
    `DROP INDEX IF EXISTS "Run_status_receivedAt_idx"`,
    `CREATE INDEX IF NOT EXISTS run_queued ON "Run" ("receivedAt") WHERE status = 'QUEUED'`,
    `CREATE INDEX IF NOT EXISTS run_running ON "Run" ("startedAt") WHERE status = 'RUNNING'`,
    `DROP INDEX IF EXISTS "Run_rerunOfId_idx"`,
    `CREATE INDEX IF NOT EXISTS run_rerun ON "Run" ("rerunOfId") WHERE "rerunOfId" IS NOT NULL`,
  ],
};
const RESET = [
  `DROP INDEX IF EXISTS run_queued`,
  `DROP INDEX IF EXISTS run_running`,
  `DROP INDEX IF EXISTS run_rerun`,
  `CREATE INDEX IF NOT EXISTS "Run_searchTerms_idx" ON "Run" USING GIN ("searchTerms")`,
  `CREATE INDEX IF NOT EXISTS "Run_status_receivedAt_idx" ON "Run" (status, "receivedAt")`,
  `CREATE INDEX IF NOT EXISTS "Run_rerunOfId_idx" ON "Run" ("rerunOfId")`,
];

async function round(name: string): Promise<{ ms: number; wal: number; hot: number }> {
  for (const s of RESET) await q(s);
  for (const s of VARIANTS[name]) await q(s);
  await q(`DELETE FROM "Run"`);
  await q(`VACUUM "Run"`);
  const ids = (
    await q(
      `INSERT INTO "Run" (id, "pipelineId", "userId", version, status, method, payload, "searchTerms", "receivedAt")
       SELECT gen_random_uuid(), $1, $2, 1, 'QUEUED', 'GET', json_build_object('name', 'bench' || i, 'phone', '+7999' || i),
              ARRAY['bench' || i, '+7999' || i, '7999' || i, 'x' || i, 'стрижка', '1500'], now() AT TIME ZONE 'UTC'
       FROM generate_series(1, $3::int) i RETURNING id`,
      [p.id, userId, RUNS],
    )
  ).rows.map((r) => r.id as string);
  await q(`VACUUM ANALYZE "Run"`);
  const hot0 = Number((await q(`SELECT n_tup_hot_upd AS n FROM pg_stat_user_tables WHERE relname = 'Run'`)).rows[0].n);
  const w0 = (await q(`SELECT pg_current_wal_lsn() AS l`)).rows[0].l;
  const t0 = performance.now();
  for (const final of [false, true]) {
    for (let i = 0; i < ids.length; i += 200) {
      const now = new Date().toISOString();
      const rows = ids.slice(i, i + 200).map((id) => ({ id, final, at: now }));
      await q(
        `UPDATE "Run" AS r SET
           status = (CASE WHEN v.final THEN 'SUCCEEDED' ELSE 'RUNNING' END)::"RunStatus",
           attempts = r.attempts + (CASE WHEN v.final THEN 0 ELSE 1 END),
           "startedAt" = COALESCE(r."startedAt", v.at),
           "finishedAt" = CASE WHEN v.final THEN v.at END,
           "durationMs" = CASE WHEN v.final THEN 40 END
         FROM json_to_recordset($1::json) AS v(id uuid, final boolean, at timestamp)
         WHERE r.id = v.id AND r.status IN ('QUEUED', 'RUNNING')`,
        [JSON.stringify(rows)],
      );
    }
  }
  const ms = performance.now() - t0;
  const wal = Number((await q(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS d`, [w0])).rows[0].d);
  // The statistics collector reports with a delay of up to a second.
  await new Promise((r) => setTimeout(r, 1_200));
  const hot = Number((await q(`SELECT n_tup_hot_upd AS n FROM pg_stat_user_tables WHERE relname = 'Run'`)).rows[0].n) - hot0;
  return { ms, wal, hot };
}

const results: Record<string, { ms: number[]; wal: number[]; hot: number[] }> = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const name of Object.keys(VARIANTS)) {
    const x = await round(name);
    (results[name] ??= { ms: [], wal: [], hot: [] }).ms.push(x.ms);
    results[name].wal.push(x.wal);
    results[name].hot.push(x.hot);
    log(`${name}: ${(x.ms / 1000).toFixed(2)} s for ${RUNS * 2} updates, WAL ${(x.wal / 1048576).toFixed(1)} MB, HOT ${x.hot}  [load ${load()}]`);
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = med(results["GIN on Run (before RunSearch)"].ms);
log(
  `summary (median of ${ROUNDS}, load ${load()}), ${RUNS} runs × 2 updates in batches of 200:\n| indexes on "Run" | µs per update | WAL per update | HOT | vs GIN on Run |\n|---|---|---|---|---|\n` +
    Object.entries(results)
      .map(
        ([n, x]) =>
          `| ${n} | ${((med(x.ms) * 1000) / (RUNS * 2)).toFixed(0)} | ${(med(x.wal) / (RUNS * 2)) | 0} B | ${med(x.hot)} | ${(med(x.ms) / base).toFixed(2)} |`,
      )
      .join("\n"),
);
for (const s of RESET) await q(s);
await t.pool.end();
process.exit(0);
